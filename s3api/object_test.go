package s3api_test

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

func TestPutGetHeadKeepsHeadersAndMetadata(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("objects")
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	body := randomBytes(1, 3<<20+17) // several blocks, not block aligned
	put, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("dir/file name+ü.bin"), Body: bytes.NewReader(body),
		ContentType: aws.String("application/x-test"), ContentEncoding: aws.String("identity"),
		ContentDisposition: aws.String(`attachment; filename="x.bin"`), ContentLanguage: aws.String("de"),
		CacheControl: aws.String("max-age=60"), Expires: aws.Time(expires),
		Metadata: map[string]string{"color": "blue", "Mixed-Case": "Value"},
	})
	require.NoError(t, err)
	require.NotEmpty(t, put.ETag)

	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/file name+ü.bin")})
	require.NoError(t, err)
	require.Equal(t, int64(len(body)), *head.ContentLength)
	require.Equal(t, "application/x-test", *head.ContentType)
	require.Equal(t, "identity", *head.ContentEncoding)
	require.Equal(t, `attachment; filename="x.bin"`, *head.ContentDisposition)
	require.Equal(t, "de", *head.ContentLanguage)
	require.Equal(t, "max-age=60", *head.CacheControl)
	require.NotNil(t, head.ExpiresString)
	require.Equal(t, expires.Format(http.TimeFormat), *head.ExpiresString)
	require.Equal(t, map[string]string{"color": "blue", "mixed-case": "Value"}, head.Metadata)
	require.Equal(t, *put.ETag, *head.ETag)

	got := e.get(b, "dir/file name+ü.bin")
	require.Equal(t, sha(body), sha(got))

	// Overwrite replaces the object whole.
	e.put(b, "dir/file name+ü.bin", []byte("short"))
	require.Equal(t, "short", string(e.get(b, "dir/file name+ü.bin")))
}

func TestEmptyAndInlineObjects(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("small")
	e.put(b, "empty", nil)
	require.Empty(t, e.get(b, "empty"))
	e.put(b, "tiny", []byte("hello"))
	require.Equal(t, "hello", string(e.get(b, "tiny")))
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("tiny")})
	require.NoError(t, err)
	require.Equal(t, `"5d41402abc4b2a76b9719d911017c592"`, *head.ETag) // MD5 of "hello"

	// An object stored without a Content-Type reads back as binary/octet-stream, as in S3.
	// (The SDK always sends one, so this PUT is signed by hand.)
	req, _ := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/untyped", nil)
	e.signedDo(req, []byte("no type"))
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("untyped")})
	require.NoError(t, err)
	require.Equal(t, "binary/octet-stream", *head.ContentType)
}

func TestMissingObjects(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("missing")
	_, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("nope")})
	requireCode(t, err, "NoSuchKey")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("nope")})
	requireCode(t, err, "NotFound")
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k")})
	requireCode(t, err, "NoSuchBucket")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String("no-such-bucket"), Key: aws.String("k"), Body: strings.NewReader("x")})
	requireCode(t, err, "NoSuchBucket")
	// Deleting a missing key succeeds, as in S3.
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("nope")})
	require.NoError(t, err)
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("nope"), VersionId: aws.String("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")})
	requireCode(t, err, "InvalidArgument") // not an id Cairn issues
}

func TestRanges(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("ranges")
	body := randomBytes(2, 2<<20+100)
	e.put(b, "obj", body)
	size := int64(len(body))
	cases := []struct {
		header     string
		start, end int64 // inclusive
	}{
		{"bytes=0-0", 0, 0},
		{"bytes=10-99", 10, 99},
		{"bytes=1048570-1048600", 1048570, 1048600}, // crosses a block edge
		{"bytes=2000000-", 2000000, size - 1},
		{"bytes=-100", size - 100, size - 1},
		{"bytes=-99999999", 0, size - 1},
		{"bytes=100-99999999", 100, size - 1},
	}
	for _, c := range cases {
		out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), Range: aws.String(c.header)})
		require.NoError(t, err, c.header)
		data, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.Equal(t, body[c.start:c.end+1], data, c.header)
		require.Equal(t, c.end-c.start+1, *out.ContentLength, c.header)
		require.Contains(t, *out.ContentRange, "/"+itoa(size), c.header)
	}
	_, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), Range: aws.String("bytes=99999999-")})
	requireCode(t, err, "InvalidRange")
}

func TestConditionalReads(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("conditional")
	put := e.put(b, "obj", []byte("content"))
	etag := *put.ETag
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	modified := *head.LastModified
	get := func(in *s3.GetObjectInput) error {
		in.Bucket, in.Key = aws.String(b), aws.String("obj")
		out, err := e.s3.GetObject(e.ctx, in)
		if err == nil {
			out.Body.Close()
		}
		return err
	}
	require.NoError(t, get(&s3.GetObjectInput{IfMatch: aws.String(etag)}))
	requireCode(t, get(&s3.GetObjectInput{IfMatch: aws.String(`"0000"`)}), "PreconditionFailed")
	requireCode(t, get(&s3.GetObjectInput{IfNoneMatch: aws.String(etag)}), "NotModified")
	require.NoError(t, get(&s3.GetObjectInput{IfNoneMatch: aws.String(`"0000"`)}))
	requireCode(t, get(&s3.GetObjectInput{IfModifiedSince: aws.Time(modified.Add(time.Hour))}), "NotModified")
	require.NoError(t, get(&s3.GetObjectInput{IfModifiedSince: aws.Time(modified.Add(-time.Hour))}))
	requireCode(t, get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(modified.Add(-time.Hour))}), "PreconditionFailed")
	require.NoError(t, get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(modified.Add(time.Hour))}))
	// If-Match true wins over a failing If-Unmodified-Since, as in S3.
	require.NoError(t, get(&s3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: aws.Time(modified.Add(-time.Hour))}))
	// If-None-Match false wins over a passing If-Modified-Since.
	requireCode(t, get(&s3.GetObjectInput{IfNoneMatch: aws.String(etag), IfModifiedSince: aws.Time(modified.Add(-time.Hour))}), "NotModified")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), IfMatch: aws.String(`"0000"`)})
	requireCode(t, err, "PreconditionFailed")
}

func TestResponseHeaderOverrides(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("overrides")
	e.put(b, "obj", []byte("x"))
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{
		Bucket: aws.String(b), Key: aws.String("obj"),
		ResponseContentType: aws.String("text/plain"), ResponseContentDisposition: aws.String("inline"),
		ResponseCacheControl: aws.String("no-cache"), ResponseContentLanguage: aws.String("fr"),
		ResponseContentEncoding: aws.String("identity"), ResponseExpires: aws.Time(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)),
	})
	require.NoError(t, err)
	out.Body.Close()
	require.Equal(t, "text/plain", *out.ContentType)
	require.Equal(t, "inline", *out.ContentDisposition)
	require.Equal(t, "no-cache", *out.CacheControl)
	require.Equal(t, "fr", *out.ContentLanguage)
	require.Equal(t, "identity", *out.ContentEncoding)
}

func TestCopyObject(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("copies")
	body := randomBytes(3, 2<<20)
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("src"), Body: bytes.NewReader(body),
		ContentType: aws.String("text/src"), Metadata: map[string]string{"a": "1"},
	})
	require.NoError(t, err)

	// COPY keeps metadata.
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst"), CopySource: aws.String(b + "/src")})
	require.NoError(t, err)
	require.Equal(t, sha(body), sha(e.get(b, "dst")))
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dst")})
	require.NoError(t, err)
	require.Equal(t, "text/src", *head.ContentType)
	require.Equal(t, map[string]string{"a": "1"}, head.Metadata)

	// Across buckets, with a key that needs escaping.
	other := e.bucket("copies-other")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(other), Key: aws.String("a b/ü"), CopySource: aws.String(b + "/src")})
	require.NoError(t, err)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("back"), CopySource: aws.String(other + "/a%20b/%C3%BC")})
	require.NoError(t, err)
	require.Equal(t, sha(body), sha(e.get(b, "back")))

	// Copying onto itself without REPLACE is refused; with REPLACE it changes metadata.
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src"), CopySource: aws.String(b + "/src")})
	requireCode(t, err, "InvalidRequest")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{
		Bucket: aws.String(b), Key: aws.String("src"), CopySource: aws.String(b + "/src"),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/new"),
		Metadata: map[string]string{"b": "2"},
	})
	require.NoError(t, err)
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("src")})
	require.NoError(t, err)
	require.Equal(t, "text/new", *head.ContentType)
	require.Equal(t, map[string]string{"b": "2"}, head.Metadata)
	require.Equal(t, sha(body), sha(e.get(b, "src")))

	// Copy conditions.
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c1"), CopySource: aws.String(b + "/src"), CopySourceIfMatch: aws.String(`"nope"`)})
	requireCode(t, err, "PreconditionFailed")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c2"), CopySource: aws.String(b + "/src"), CopySourceIfNoneMatch: head.ETag})
	requireCode(t, err, "PreconditionFailed")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c3"), CopySource: aws.String(b + "/src"), CopySourceIfModifiedSince: aws.Time(time.Now().Add(time.Hour))})
	requireCode(t, err, "PreconditionFailed")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c4"), CopySource: aws.String(b + "/src"), CopySourceIfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))})
	requireCode(t, err, "PreconditionFailed")
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c5"), CopySource: aws.String(b + "/src"), CopySourceIfMatch: head.ETag})
	require.NoError(t, err)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("c6"), CopySource: aws.String(b + "/missing")})
	requireCode(t, err, "NoSuchKey")
}

func TestKeyAndMetadataLimits(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("limits")
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")})
	requireCode(t, err, "KeyTooLongError")
	e.put(b, strings.Repeat("k", 1024), []byte("x"))
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("meta"), Body: strings.NewReader("x"),
		Metadata: map[string]string{"big": strings.Repeat("v", 2100)},
	})
	requireCode(t, err, "MetadataTooLarge")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("meta")})
	requireCode(t, err, "NotFound")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
