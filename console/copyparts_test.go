package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/console"
)

// copyLimit is the S3 API's largest object (and copy source) in these tests, which
// the console's copy limit follows: 6 MiB stands for S3's 5 GiB.
const copyLimit = 6 << 20

// putLarge stores data at bucket/key as a multipart upload of 5 MiB parts (a PUT
// above copyLimit is refused) with content headers, metadata, tags and a
// full-object CRC32.
func (e *env) putLarge(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	ctx := context.Background()
	cl := e.s3()
	up, err := cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		ContentType: aws.String("video/mp4"), CacheControl: aws.String("max-age=60"),
		ContentDisposition: aws.String(`attachment; filename="clip.mp4"`), ContentLanguage: aws.String("fr"),
		ContentEncoding:   aws.String("identity"),
		Expires:           aws.Time(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)),
		Metadata:          map[string]string{"camera": "north", "take": "3"},
		Tagging:           aws.String("team=video&stage=raw cut"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: types.ChecksumTypeFullObject,
	})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+5<<20 {
		end := min(off+5<<20, len(data))
		out, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(data[off:end]), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	_, err = cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	require.NoError(t, err)
}

// objectState is what a copy must carry over, read through the S3 port.
type objectState struct {
	data                                                   []byte
	etag, contentType, cacheControl, disposition, language string
	encoding, crc32, expires                               string
	metadata                                               map[string]string
	tags                                                   []types.Tag
}

func (e *env) state(t *testing.T, bucket, key string) objectState {
	t.Helper()
	ctx := context.Background()
	cl := e.s3()
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	require.NoError(t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	return objectState{data: data, etag: aws.ToString(out.ETag), contentType: aws.ToString(out.ContentType),
		cacheControl: aws.ToString(out.CacheControl), disposition: aws.ToString(out.ContentDisposition),
		language: aws.ToString(out.ContentLanguage), encoding: aws.ToString(out.ContentEncoding),
		crc32: aws.ToString(out.ChecksumCRC32), expires: aws.ToString(out.ExpiresString),
		metadata: out.Metadata, tags: tags.TagSet}
}

// uploadsIn returns the multipart uploads in progress in bucket.
func (e *env) uploadsIn(t *testing.T, bucket string) []types.MultipartUpload {
	t.Helper()
	out, err := e.s3().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	return out.Uploads
}

var multipartETag = regexp.MustCompile(`^"[0-9a-f]{32}-3"$`)

// TestCopyOverTheLimit: with the S3 API's copy limit at 6 MiB (standing for 5 GiB),
// a 13 MiB object, which CopyObject refuses, is copied and moved by the console to
// another bucket in parts (UploadPartCopy of 6, 6 and 1 MiB, as root, audited as
// "api":"console"): the same bytes, content headers, metadata, tags and full-object
// CRC32, with a multipart ETag; an object at the limit still goes by CopyObject. A
// source overwritten after the first part fails the second part
// (PreconditionFailed): the upload is aborted, no object made, and the move keeps
// its source. The reader's forged copy is refused and leaves nothing.
func TestCopyOverTheLimit(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.MaxObjectSize = copyLimit })
	ctx := context.Background()
	cl := e.s3()
	for _, b := range []string{"src", "dst"} {
		_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	data := make([]byte, 13<<20)
	_, _ = rand.Read(data)
	e.putLarge(t, "src", "big/clip ü.mp4", data)
	src := e.state(t, "src", "big/clip ü.mp4")
	require.NotEmpty(t, src.crc32)
	require.Equal(t, "Wed, 02 Jan 2030 03:04:05 GMT", src.expires)
	_, err := cl.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("direct"), CopySource: aws.String("src/big/clip%20%C3%BC.mp4")})
	require.ErrorContains(t, err, "larger than the maximum allowable size", "the S3 API refuses one CopyObject this large")

	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	resp, body := ro.do(http.MethodPost, "/api/copy", `{"bucket":"src","key":"big/clip ü.mp4","toBucket":"dst","toKey":"stolen.mp4"}`, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	require.Empty(t, e.keys(t, "dst", ""))
	require.Empty(t, e.uploadsIn(t, "dst"))

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"src","key":"big/clip ü.mp4","toBucket":"dst","toKey":"copy/clip.mp4"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	got := e.state(t, "dst", "copy/clip.mp4")
	require.True(t, bytes.Equal(data, got.data), "the copy's bytes")
	require.Regexp(t, multipartETag, got.etag, "three parts of 6 MiB at most")
	want := src
	want.data, want.etag = got.data, got.etag
	require.Equal(t, want, got, "content headers, metadata, tags and CRC32 carried over")
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"UploadPartCopy"`, `"key":"copy/clip.mp4"`, `"bucket":"dst"`, `"result":"allow"`), 3)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"CompleteMultipartUpload"`, `"bucket":"dst"`, `"result":"allow"`), 1)
	require.Empty(t, e.auditLines(t, `"api":"console"`, `"action":"CopyObject"`, `"result":"allow"`))

	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"src","key":"big/clip ü.mp4","toBucket":"dst","toKey":"moved.mp4","move":true}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.True(t, bytes.Equal(data, e.state(t, "dst", "moved.mp4").data))
	require.Empty(t, e.keys(t, "src", "big/"), "the move deleted its source once copied")

	// At the limit: one CopyObject.
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("at-limit"), Body: bytes.NewReader(data[:copyLimit])})
	require.NoError(t, err)
	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"src","key":"at-limit","toBucket":"dst","toKey":"at-limit"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"CopyObject"`, `"result":"allow"`), 1)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"UploadPartCopy"`, `"result":"allow"`), 6, "3 for each of the two large copies, none more")

	// A part that fails: the source is replaced after the first part.
	e.putLarge(t, "src", "big/clip ü.mp4", data)
	defer console.SetAfterCopyPart(func(part int32) {
		if part == 1 {
			_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("big/clip ü.mp4"), Body: strings.NewReader("replaced")})
			require.NoError(t, err)
		}
	})()
	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"src","key":"big/clip ü.mp4","toBucket":"dst","toKey":"failed.mp4","move":true}`, nil)
	require.Equal(t, http.StatusPreconditionFailed, resp.StatusCode, body)
	require.Contains(t, body, "PreconditionFailed")
	require.NotContains(t, e.keys(t, "dst", ""), "failed.mp4")
	require.Empty(t, e.uploadsIn(t, "dst"), "the failed copy's upload is aborted")
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"AbortMultipartUpload"`, `"bucket":"dst"`, `"result":"allow"`), 1)
	require.Equal(t, "replaced", e.get(t, "src", "big/clip ü.mp4"), "the refused move kept its source")
}

// TestEditAndRestoreOverTheLimit: in a bucket that keeps versions, with the copy
// limit at 6 MiB, the metadata of a 13 MiB object is edited (a copy in parts onto
// itself: the new Content-Type, Cache-Control and metadata, its bytes, tags, other
// headers and CRC32 kept, a new version) and an older 13 MiB version is restored (a
// copy in parts of that version over the key, which becomes the latest).
func TestEditAndRestoreOverTheLimit(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.MaxObjectSize = copyLimit })
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vers")})
	require.NoError(t, err)
	_, err = cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("vers"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	first, second := make([]byte, 13<<20), make([]byte, 13<<20)
	_, _ = rand.Read(first)
	_, _ = rand.Read(second)
	e.putLarge(t, "vers", "clip.mp4", first)
	e.putLarge(t, "vers", "clip.mp4", second)
	versions := func() []types.ObjectVersion {
		out, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("vers")})
		require.NoError(t, err)
		return out.Versions
	}
	v := versions()
	require.Len(t, v, 2)
	oldest := aws.ToString(v[1].VersionId)
	before := e.state(t, "vers", "clip.mp4")

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	resp, body := root.do(http.MethodPost, "/api/metadata", `{"bucket":"vers","key":"clip.mp4","contentType":"video/webm","cacheControl":"no-cache","contentDisposition":"inline","metadata":"camera=south"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	got := e.state(t, "vers", "clip.mp4")
	require.True(t, bytes.Equal(second, got.data))
	require.Regexp(t, multipartETag, got.etag)
	want := before
	want.data, want.etag = got.data, got.etag
	want.contentType, want.cacheControl, want.disposition, want.metadata = "video/webm", "no-cache", "inline", map[string]string{"camera": "south"}
	require.Equal(t, want, got, "the new values; the tags, other headers and CRC32 kept")
	require.Len(t, versions(), 3, "the edit is a new version")
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"UploadPartCopy"`, `"key":"clip.mp4"`, `"result":"allow"`), 3)

	resp, body = root.do(http.MethodPost, "/api/version/restore", `{"bucket":"vers","key":"clip.mp4","versionId":"`+oldest+`"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	restored := e.state(t, "vers", "clip.mp4")
	require.True(t, bytes.Equal(first, restored.data), "the oldest version's bytes are the latest again")
	require.Equal(t, map[string]string{"camera": "north", "take": "3"}, restored.metadata, "with that version's metadata")
	v = versions()
	require.Len(t, v, 4)
	require.Contains(t, body, aws.ToString(v[0].VersionId), "the answer names the new version")
	require.True(t, aws.ToBool(v[0].IsLatest))
}
