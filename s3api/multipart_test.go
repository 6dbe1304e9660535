package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

const mib = 1 << 20

func TestMultipartUpload100MiBWithUploadManager(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("big")
	body := randomBytes(10, 100*mib)
	up := manager.NewUploader(e.s3, func(u *manager.Uploader) { u.PartSize = 10 * mib; u.Concurrency = 4 })
	out, err := up.Upload(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), Body: bytes.NewReader(body)})
	require.NoError(t, err)
	require.Regexp(t, `^"[0-9a-f]{32}-10"$`, *out.ETag)

	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
	require.NoError(t, err)
	require.Equal(t, int64(len(body)), *head.ContentLength)

	dl := manager.NewDownloader(e.s3, func(d *manager.Downloader) { d.PartSize = 16 * mib; d.Concurrency = 4 })
	buf := manager.NewWriteAtBuffer(make([]byte, 0, len(body)))
	n, err := dl.Download(e.ctx, buf, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
	require.NoError(t, err)
	require.Equal(t, int64(len(body)), n)
	require.Equal(t, sha(body), sha(buf.Bytes()))
}

// multipartETag is the ETag S3 gives a multipart object: the MD5 of the parts' binary
// MD5s, a dash and the part count.
func multipartETag(parts ...[]byte) string {
	var cat []byte
	for _, p := range parts {
		sum := md5.Sum(p)
		cat = append(cat, sum[:]...)
	}
	sum := md5.Sum(cat)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), len(parts))
}

func TestMultipartExplicitParts(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("parts")
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("obj"), ContentType: aws.String("video/mp4"),
		Metadata: map[string]string{"origin": "test"},
	})
	require.NoError(t, err)
	id := create.UploadId
	p1, p2, p3 := randomBytes(20, 5*mib), randomBytes(21, 5*mib+3), randomBytes(22, 1234)
	etags := map[int32]*string{}
	for i, data := range [][]byte{p1, p2, p3} {
		n := int32(i + 1)
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(n), Body: bytes.NewReader(data)})
		require.NoError(t, err)
		etags[n] = out.ETag
	}
	// Re-uploading part 3 replaces it.
	p3 = randomBytes(23, 999)
	out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(3), Body: bytes.NewReader(p3)})
	require.NoError(t, err)
	etags[3] = out.ETag

	parts, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id})
	require.NoError(t, err)
	require.Len(t, parts.Parts, 3)
	require.Equal(t, int64(999), *parts.Parts[2].Size)
	page, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id, MaxParts: aws.Int32(2)})
	require.NoError(t, err)
	require.Len(t, page.Parts, 2)
	require.True(t, *page.IsTruncated)
	page, err = e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id, PartNumberMarker: page.NextPartNumberMarker})
	require.NoError(t, err)
	require.Len(t, page.Parts, 1)
	require.Equal(t, int32(3), *page.Parts[0].PartNumber)

	uploads, err := e.s3.ListMultipartUploads(e.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, uploads.Uploads, 1)
	require.Equal(t, *id, *uploads.Uploads[0].UploadId)

	complete := func(ps ...types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
		return e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: ps},
		})
	}
	part := func(n int32, etag *string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: etag}
	}
	_, err = complete(part(2, etags[2]), part(1, etags[1]))
	requireCode(t, err, "InvalidPartOrder")
	_, err = complete(part(1, etags[1]), part(2, aws.String(`"00000000000000000000000000000000"`)))
	requireCode(t, err, "InvalidPart")
	_, err = complete(part(1, etags[1]), part(4, etags[3]))
	requireCode(t, err, "InvalidPart")
	_, err = complete(part(1, etags[1]), part(3, etags[3]), part(2, etags[2]))
	requireCode(t, err, "InvalidPartOrder")

	done, err := complete(part(1, etags[1]), part(2, etags[2]), part(3, etags[3]))
	require.NoError(t, err)
	require.Equal(t, multipartETag(p1, p2, p3), *done.ETag)

	whole := append(append(append([]byte{}, p1...), p2...), p3...)
	require.Equal(t, sha(whole), sha(e.get(b, "obj")))
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	require.Equal(t, "video/mp4", *head.ContentType)
	require.Equal(t, "test", head.Metadata["origin"])

	// partNumber on GET and HEAD.
	get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), PartNumber: aws.Int32(2)})
	require.NoError(t, err)
	data, err := io.ReadAll(get.Body)
	get.Body.Close()
	require.NoError(t, err)
	require.Equal(t, sha(p2), sha(data))
	require.Equal(t, int32(3), *get.PartsCount)
	headPart, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), PartNumber: aws.Int32(3)})
	require.NoError(t, err)
	require.Equal(t, int64(999), *headPart.ContentLength)
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), PartNumber: aws.Int32(4)})
	requireCode(t, err, "InvalidPartNumber")

	// The upload is gone once completed.
	_, err = e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: id})
	requireCode(t, err, "NoSuchUpload")
}

func TestMultipartEntityTooSmallAndAbort(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("small-parts")
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for n := int32(1); n <= 2; n++ {
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(randomBytes(uint64(n), 100))})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	requireCode(t, err, "EntityTooSmall")

	_, err = e.s3.AbortMultipartUpload(e.ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId})
	require.NoError(t, err)
	_, err = e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId, PartNumber: aws.Int32(3), Body: bytes.NewReader([]byte("x"))})
	requireCode(t, err, "NoSuchUpload")
	_, err = e.s3.AbortMultipartUpload(e.ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: aws.String("bogus")})
	requireCode(t, err, "NoSuchUpload")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	requireCode(t, err, "NotFound")
	uploads, err := e.s3.ListMultipartUploads(e.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, uploads.Uploads)

	_, err = e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId, PartNumber: aws.Int32(10001), Body: bytes.NewReader([]byte("x"))})
	requireCode(t, err, "InvalidArgument")
}

func TestUploadPartCopyWithRange(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("part-copy")
	src := randomBytes(30, 7*mib+11)
	e.put(b, "src", src)
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("dst")})
	require.NoError(t, err)
	c1, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=1000-6243303"),
	})
	require.NoError(t, err)
	c2, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String(b + "/src"),
	})
	require.NoError(t, err)
	_, err = e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId, PartNumber: aws.Int32(3),
		CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=0-99999999"),
	})
	requireCode(t, err, "InvalidArgument")
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: c1.CopyPartResult.ETag},
			{PartNumber: aws.Int32(2), ETag: c2.CopyPartResult.ETag},
		}},
	})
	require.NoError(t, err)
	want := append(append([]byte{}, src[1000:6243304]...), src...)
	require.Equal(t, sha(want), sha(e.get(b, "dst")))
}

func TestUploadPartCopyIntoUploadWithChecksum(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("part-copy-sum")
	src := randomBytes(31, 5*mib+7)
	e.put(b, "src", src)
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("dst"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	require.NoError(t, err)
	c1, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/src"),
	})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(c1.CopyPartResult.ChecksumCRC32))
	tail := randomBytes(32, 100)
	p2, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId, PartNumber: aws.Int32(2),
		Body: bytes.NewReader(tail), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	require.NoError(t, err)
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("dst"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: c1.CopyPartResult.ETag, ChecksumCRC32: c1.CopyPartResult.ChecksumCRC32},
			{PartNumber: aws.Int32(2), ETag: p2.ETag, ChecksumCRC32: p2.ChecksumCRC32},
		}},
	})
	require.NoError(t, err)
	require.Regexp(t, `-2$`, aws.ToString(done.ChecksumCRC32))
	require.Equal(t, sha(append(append([]byte{}, src...), tail...)), sha(e.get(b, "dst")))
}
