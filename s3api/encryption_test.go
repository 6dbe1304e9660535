package s3api_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
)

// markedBytes returns n bytes made of a recognisable marker, so that a test can
// look for them in the data directory.
func markedBytes(marker string, n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s-%08d|", marker, i)
	}
	return b.Bytes()[:n]
}

// filesContaining returns the files under dir that contain needle.
func filesContaining(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(raw, needle) {
			found = append(found, path)
		}
		return nil
	})
	require.NoError(t, err)
	return found
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// getRange reads a range of bucket/key.
func (e *env) getRange(bucket, key, rng string) (*s3.GetObjectOutput, []byte) {
	e.t.Helper()
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Range: aws.String(rng)})
	require.NoError(e.t, err, rng)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(e.t, err, rng)
	return out, data
}

func TestSSES3RoundTripAndNothingInTheClearOnDisk(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("sse-roundtrip")

	// Over two blocks (1 MiB) and many 64 KiB packages, not a multiple of either.
	big := markedBytes("SECRET-BIG", 2*integrityBlock+100_003)
	sum := sha256.Sum256(big)
	put, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("big"), Body: bytes.NewReader(big),
		ServerSideEncryption: types.ServerSideEncryptionAes256, ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, put.ServerSideEncryption)
	require.Equal(t, md5hex(big), aws.ToString(put.ETag), "the ETag is the plaintext's MD5, as S3 for SSE-S3")
	require.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), aws.ToString(put.ChecksumSHA256))

	// Small (an encrypted object is never inlined in its record; see blob/encrypt.go).
	small := markedBytes("SECRET-SMALL", 3000)
	put, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("small"), Body: bytes.NewReader(small),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, put.ServerSideEncryption)
	require.Equal(t, md5hex(small), aws.ToString(put.ETag))

	// Empty.
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("empty"), Body: bytes.NewReader(nil),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	require.NoError(t, err)

	// A control written in the clear: its marker must be found, or the search
	// below proves nothing.
	clearData := markedBytes("PLAIN-CONTROL", 200_000)
	e.put(b, "clear", clearData)

	for key, want := range map[string][]byte{"big": big, "small": small, "empty": {}} {
		out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err)
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got), "%s: bytes differ", key)
		require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption, key)
		require.Equal(t, int64(len(want)), aws.ToInt64(out.ContentLength), key)
		require.Equal(t, md5hex(want), aws.ToString(out.ETag), key)
		if key == "big" {
			require.Equal(t, base64.StdEncoding.EncodeToString(sum[:]), aws.ToString(out.ChecksumSHA256), "the checksum is the plaintext's")
		}

		head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
		require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption, key)
		require.Equal(t, int64(len(want)), aws.ToInt64(head.ContentLength), key)
	}
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("clear")})
	require.NoError(t, err)
	require.Empty(t, head.ServerSideEncryption, "an object stored in the clear says so")

	// Ranges: inside a package, across package and block boundaries, suffixes.
	const pkg = 64 << 10
	size := int64(len(big))
	for _, r := range [][2]int64{
		{0, 0}, {5, 5}, {pkg - 3, pkg + 2}, {pkg, pkg}, {pkg + 1, 3*pkg + 7},
		{integrityBlock - 10, integrityBlock + 10}, {integrityBlock + 5, 2*integrityBlock + 99}, {size - 1, size - 1},
	} {
		rng := fmt.Sprintf("bytes=%d-%d", r[0], r[1])
		out, got := e.getRange(b, "big", rng)
		require.True(t, bytes.Equal(big[r[0]:r[1]+1], got), "%s: bytes differ", rng)
		require.Equal(t, fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], size), aws.ToString(out.ContentRange))
		require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption)
	}
	_, got := e.getRange(b, "big", "bytes=-70000")
	require.True(t, bytes.Equal(big[size-70000:], got), "suffix range")
	_, got = e.getRange(b, "small", "bytes=2990-")
	require.True(t, bytes.Equal(small[2990:], got), "small range")

	// Listings report the plaintext size and ETag.
	list, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	sizes := map[string]int64{}
	for _, o := range list.Contents {
		sizes[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		if aws.ToString(o.Key) == "big" {
			require.Equal(t, md5hex(big), aws.ToString(o.ETag))
		}
	}
	require.Equal(t, map[string]int64{"big": size, "small": 3000, "empty": 0, "clear": 200_000}, sizes)

	// Nothing of the encrypted objects is on disk in the clear: not in the block
	// files, not in the index (where small objects are inlined), not anywhere.
	require.NoError(t, e.node.Close())
	require.NotEmpty(t, filesContaining(t, dir, []byte("PLAIN-CONTROL-00000100|")), "the control is found in the clear")
	require.Empty(t, filesContaining(t, dir, []byte("SECRET-BIG-00000100|")))
	require.Empty(t, filesContaining(t, dir, []byte("SECRET-BIG-00090000|")))
	require.Empty(t, filesContaining(t, dir, []byte("SECRET-SMALL-00000100|")))

	// And it all reads again after a restart (the master key is derived again).
	e = newEnvAt(t, dir)
	require.True(t, bytes.Equal(big, e.get(b, "big")))
	require.True(t, bytes.Equal(small, e.get(b, "small")))
}

func TestSSES3TamperedPackageFailsTheRead(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("sse-tamper")
	data := markedBytes("TAMPER", 300_000) // one block, five packages
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("obj"), Body: bytes.NewReader(data),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	require.NoError(t, err)

	// Change one byte of the third package and give the block file a trailer that
	// matches, so that the block's own check passes and only GCM can tell.
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(dir, "blob", "blocks"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	}))
	require.Len(t, files, 1)
	hash, err := block.ParseHash(filepath.Base(files[0]))
	require.NoError(t, err)
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	stored, ok := block.SplitTrailer(hash, raw)
	require.True(t, ok)
	require.Len(t, stored, 300_000+5*16)
	stored = bytes.Clone(stored)
	stored[2*(64<<10+16)+100] ^= 0x01
	require.NoError(t, os.WriteFile(files[0], block.AppendTrailer(hash, stored), 0o600))

	// A read that starts in the damaged package: 500 before any byte.
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), Range: aws.String("bytes=140000-140010")})
	requireInternalError(t, err)
	// The whole object: the status is sent before the damaged package is reached;
	// the body is cut short there and what was sent is the object's bytes.
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	require.Error(t, err)
	require.LessOrEqual(t, len(got), 2*(64<<10))
	require.Equal(t, data[:len(got)], got)
	// The packages before it are intact and still read.
	_, got = e.getRange(b, "obj", "bytes=0-99")
	require.Equal(t, data[:100], got)
	// A copy of it is refused rather than made from damaged bytes.
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/obj"), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err, "an encrypted source is copied by reference: the copy shares its packages")
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), Range: aws.String("bytes=140000-140010")})
	requireInternalError(t, err)
}

func TestBucketDefaultEncryption(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("sse-default")

	_, err := e.s3.GetBucketEncryption(e.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	requireCode(t, err, "ServerSideEncryptionConfigurationNotFoundError")

	rule := func(alg types.ServerSideEncryption) *types.ServerSideEncryptionConfiguration {
		return &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: alg},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}
	}
	_, err = e.s3.PutBucketEncryption(e.ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b), ServerSideEncryptionConfiguration: rule(types.ServerSideEncryptionAwsKms)})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutBucketEncryption(e.ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b), ServerSideEncryptionConfiguration: rule(types.ServerSideEncryptionAes256)})
	require.NoError(t, err)
	got, err := e.s3.GetBucketEncryption(e.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, got.ServerSideEncryptionConfiguration.Rules, 1)
	r := got.ServerSideEncryptionConfiguration.Rules[0]
	require.Equal(t, types.ServerSideEncryptionAes256, r.ApplyServerSideEncryptionByDefault.SSEAlgorithm)
	require.True(t, aws.ToBool(r.BucketKeyEnabled))

	// A PutObject without the header is encrypted by the bucket's default.
	data := markedBytes("DEFAULT-ENC", 100_000)
	put := e.put(b, "obj", data)
	require.Equal(t, types.ServerSideEncryptionAes256, put.ServerSideEncryption)
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)
	require.True(t, bytes.Equal(data, e.get(b, "obj")))

	// A multipart upload without the header is encrypted too.
	mp, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, mp.ServerSideEncryption)
	_, err = e.s3.AbortMultipartUpload(e.ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: mp.UploadId})
	require.NoError(t, err)
	// SSE-KMS is refused, never stored in the clear.
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("kms"), Body: bytes.NewReader(data), ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	requireCode(t, err, "NotImplemented")

	_, err = e.s3.DeleteBucketEncryption(e.ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.s3.GetBucketEncryption(e.ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	requireCode(t, err, "ServerSideEncryptionConfigurationNotFoundError")
	put = e.put(b, "after", []byte("plain"))
	require.Empty(t, put.ServerSideEncryption, "without the default, a PutObject is stored as asked")
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption, "objects already written stay encrypted")

	require.NoError(t, e.node.Close())
	require.Empty(t, filesContaining(t, dir, []byte("DEFAULT-ENC-00000100|")))
}

func TestSSES3Copy(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("sse-copy")
	enc := markedBytes("COPY-ENC", 200_000)
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("enc"), Body: bytes.NewReader(enc), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err)
	plain := markedBytes("COPY-PLAIN", 150_000)
	e.put(b, "plain", plain)

	copyTo := func(src, dst string, sse types.ServerSideEncryption) *s3.CopyObjectOutput {
		t.Helper()
		out, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String(dst), CopySource: aws.String(b + "/" + src), ServerSideEncryption: sse})
		require.NoError(t, err)
		return out
	}
	// An encrypted source: the copy is encrypted too, asked or not.
	out := copyTo("enc", "enc-copy", "")
	require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption)
	require.Equal(t, md5hex(enc), aws.ToString(out.CopyObjectResult.ETag))
	require.True(t, bytes.Equal(enc, e.get(b, "enc-copy")))
	// A plaintext source copied with the header: encrypted anew, same ETag.
	out = copyTo("plain", "plain-copy", types.ServerSideEncryptionAes256)
	require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption)
	require.Equal(t, md5hex(plain), aws.ToString(out.CopyObjectResult.ETag))
	_, got := e.getRange(b, "plain-copy", "bytes=70000-140000")
	require.True(t, bytes.Equal(plain[70000:140001], got))
	// Encrypting an object in place, as S3 allows.
	out = copyTo("plain", "plain", types.ServerSideEncryptionAes256)
	require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption)
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("plain")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)
	require.True(t, bytes.Equal(plain, e.get(b, "plain")))

	// A part copied from an encrypted source holds its plaintext.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	pc, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String(b + "/enc"), CopySourceRange: aws.String("bytes=1000-99999"),
	})
	require.NoError(t, err)
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: pc.CopyPartResult.ETag}}},
	})
	require.NoError(t, err)
	require.True(t, bytes.Equal(enc[1000:100000], e.get(b, "mp")))

	// Bad values of the header.
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("bad"), Body: bytes.NewReader(plain), ServerSideEncryption: "AES128"})
	requireCode(t, err, "InvalidArgument")
}

func TestSSES3Multipart(t *testing.T) {
	dir := t.TempDir()
	e := newEnvAt(t, dir)
	b := e.bucket("sse-multipart")
	src := markedBytes("MP-SOURCE", 300_000)
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("src"), Body: bytes.NewReader(src), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err)

	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("mp"), ServerSideEncryption: types.ServerSideEncryptionAes256,
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, up.ServerSideEncryption)
	part1 := markedBytes("MP-PART-ONE", 5<<20+12_345)
	p1, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part1), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, p1.ServerSideEncryption)
	require.Equal(t, md5hex(part1), aws.ToString(p1.ETag))
	// The second part is copied from an encrypted object.
	p2, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=100-200099"),
	})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, p2.ServerSideEncryption)
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32},
			{PartNumber: aws.Int32(2), ETag: p2.CopyPartResult.ETag, ChecksumCRC32: p2.CopyPartResult.ChecksumCRC32},
		}},
	})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, done.ServerSideEncryption)
	require.Contains(t, aws.ToString(done.ETag), "-2")

	whole := append(bytes.Clone(part1), src[100:200_100]...)
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	require.NoError(t, err)
	require.True(t, bytes.Equal(whole, got))
	require.Equal(t, types.ServerSideEncryptionAes256, out.ServerSideEncryption)
	require.Equal(t, done.ETag, out.ETag)

	// A range across the parts' boundary, and the second part by number.
	n1 := int64(len(part1))
	rng := fmt.Sprintf("bytes=%d-%d", n1-70_000, n1+70_000)
	_, got = e.getRange(b, "mp", rng)
	require.True(t, bytes.Equal(whole[n1-70_000:n1+70_001], got), "range across parts")
	pn, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("mp"), PartNumber: aws.Int32(2)})
	require.NoError(t, err)
	got, err = io.ReadAll(pn.Body)
	pn.Body.Close()
	require.NoError(t, err)
	require.True(t, bytes.Equal(src[100:200_100], got), "part 2")
	require.Equal(t, int32(2), aws.ToInt32(pn.PartsCount))

	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	require.Equal(t, int64(len(whole)), aws.ToInt64(head.ContentLength))
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)

	require.NoError(t, e.node.Close())
	require.Empty(t, filesContaining(t, dir, []byte("MP-PART-ONE-00000100|")))
	require.Empty(t, filesContaining(t, dir, []byte("MP-SOURCE-00000100|")))
}

// A browser form upload with an x-amz-server-side-encryption field under an eq
// condition (minio-go's SetEncryption adds the field without a condition, which S3
// refuses as an extra input field, as Cairn does) is encrypted.
func TestSSES3PostObject(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("sse-post")
	mc := minioClient(t, e)
	p := minio.NewPostPolicy()
	require.NoError(t, p.SetBucket(b))
	require.NoError(t, p.SetKey("posted"))
	require.NoError(t, p.SetExpires(time.Now().Add(time.Hour)))
	require.NoError(t, p.SetUserData("server-side-encryption", "AES256"))
	target, fields, err := mc.PresignedPostPolicy(e.ctx, p)
	require.NoError(t, err)
	file := markedBytes("POSTED", 5000)
	resp := postForm(t, target.String(), fields, file)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, errorBody(t, resp))
	require.Equal(t, "AES256", resp.Header.Get("x-amz-server-side-encryption"))
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("posted")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)
	require.True(t, bytes.Equal(file, e.get(b, "posted")))

	// A form that asks for customer keys (SSE-C) is refused, not stored in the clear.
	p = minio.NewPostPolicy()
	require.NoError(t, p.SetBucket(b))
	require.NoError(t, p.SetKey("sse-c"))
	require.NoError(t, p.SetExpires(time.Now().Add(time.Hour)))
	require.NoError(t, p.SetUserData("server-side-encryption-customer-algorithm", "AES256"))
	target, fields, err = mc.PresignedPostPolicy(e.ctx, p)
	require.NoError(t, err)
	resp = postForm(t, target.String(), fields, file)
	require.Equal(t, http.StatusNotImplemented, resp.StatusCode)
	require.Equal(t, "NotImplemented", errorCode(t, resp))
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("sse-c")})
	requireCode(t, err, "NotFound")
}
