package s3api_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"
)

// putIf is a PutObject of body under the conditions given.
func (e *env) putIf(bucket, key, body string, ifNoneMatch, ifMatch *string) (*s3.PutObjectOutput, error) {
	return e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
		Body: strings.NewReader(body), IfNoneMatch: ifNoneMatch, IfMatch: ifMatch})
}

// TestConditionalPut: If-None-Match "*" writes only a new key, If-Match only over the
// ETag given (404 NoSuchKey with no object), as AWS documents; a failed condition
// changes nothing; If-None-Match with an ETag is NotImplemented.
func TestConditionalPut(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-put")

	first, err := e.putIf(b, "k", "one", aws.String("*"), nil)
	require.NoError(t, err)
	_, err = e.putIf(b, "k", "two", aws.String("*"), nil)
	requireCode(t, err, "PreconditionFailed")
	require.Equal(t, "one", string(e.get(b, "k")))

	_, err = e.putIf(b, "k", "two", nil, aws.String(`"00000000000000000000000000000000"`))
	requireCode(t, err, "PreconditionFailed")
	second, err := e.putIf(b, "k", "two", nil, first.ETag)
	require.NoError(t, err)
	require.Equal(t, "two", string(e.get(b, "k")))
	_, err = e.putIf(b, "k", "three", nil, first.ETag)
	requireCode(t, err, "PreconditionFailed")
	_, err = e.putIf(b, "k", "three", nil, aws.String(strings.Trim(aws.ToString(second.ETag), `"`)))
	require.NoError(t, err, "an unquoted ETag matches too")

	_, err = e.putIf(b, "missing", "x", nil, first.ETag)
	requireCode(t, err, "NoSuchKey")
	_, err = e.putIf(b, "k", "x", aws.String(aws.ToString(first.ETag)), nil)
	requireCode(t, err, "NotImplemented")
	require.Equal(t, "three", string(e.get(b, "k")))

	// A deleted key (unversioned) has no object: If-None-Match passes again.
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	_, err = e.putIf(b, "k", "again", aws.String("*"), nil)
	require.NoError(t, err)
}

// TestConditionalPutVersioned: in a versioned bucket a delete marker is no object:
// If-None-Match passes and If-Match is NoSuchKey.
func TestConditionalPutVersioned(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-put-versioned")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	put, err := e.putIf(b, "k", "one", aws.String("*"), nil)
	require.NoError(t, err)
	_, err = e.putIf(b, "k", "two", aws.String("*"), nil)
	requireCode(t, err, "PreconditionFailed")
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	_, err = e.putIf(b, "k", "two", nil, put.ETag)
	requireCode(t, err, "NoSuchKey")
	_, err = e.putIf(b, "k", "two", aws.String("*"), nil)
	require.NoError(t, err)
	require.Equal(t, "two", string(e.get(b, "k")))
}

// TestConditionalPutRace: many If-None-Match writes of one key at once: exactly one
// succeeds, every other is PreconditionFailed or ConditionalRequestConflict, and the
// object is the winner's.
func TestConditionalPutRace(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-race")
	for round := range 5 {
		key := "lock-" + string(rune('a'+round))
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = e.putIf(b, key, "writer-"+string(rune('A'+i)), aws.String("*"), nil)
			})
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, winner, "two writers of %s succeeded", key)
				winner = i
				continue
			}
			requireOneOf(t, err, "PreconditionFailed", "ConditionalRequestConflict")
		}
		require.NotEqual(t, -1, winner, "no writer of %s succeeded", key)
		require.Equal(t, "writer-"+string(rune('A'+winner)), string(e.get(b, key)))
	}
}

// TestConditionalCopy: CopyObject's If-None-Match and If-Match judge the destination.
func TestConditionalCopy(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-copy")
	e.put(b, "src", []byte("source"))
	dst := e.put(b, "dst", []byte("dest"))
	copyIf := func(key string, ifNoneMatch, ifMatch *string) error {
		_, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String(key),
			CopySource: aws.String(b + "/src"), IfNoneMatch: ifNoneMatch, IfMatch: ifMatch})
		return err
	}
	requireCode(t, copyIf("dst", aws.String("*"), nil), "PreconditionFailed")
	require.Equal(t, "dest", string(e.get(b, "dst")))
	require.NoError(t, copyIf("new", aws.String("*"), nil))
	require.Equal(t, "source", string(e.get(b, "new")))
	requireCode(t, copyIf("dst", nil, aws.String(`"ffffffffffffffffffffffffffffffff"`)), "PreconditionFailed")
	require.NoError(t, copyIf("dst", nil, dst.ETag))
	require.Equal(t, "source", string(e.get(b, "dst")))
	requireCode(t, copyIf("absent", nil, dst.ETag), "NoSuchKey")
}

// TestConditionalComplete: a CompleteMultipartUpload whose condition fails changes
// nothing and leaves the upload, which completes once the condition holds.
func TestConditionalComplete(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-complete")
	first := e.put(b, "k", []byte("x"))
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("z")})
	require.NoError(t, err)
	complete := &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"), UploadId: up.UploadId, IfNoneMatch: aws.String("*"),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}
	_, err = e.s3.CompleteMultipartUpload(e.ctx, complete)
	requireCode(t, err, "PreconditionFailed")
	require.Equal(t, "x", string(e.get(b, "k")), "nothing changed")
	complete.IfNoneMatch, complete.IfMatch = nil, aws.String(`"ffffffffffffffffffffffffffffffff"`)
	_, err = e.s3.CompleteMultipartUpload(e.ctx, complete)
	requireCode(t, err, "PreconditionFailed")
	complete.IfMatch = first.ETag
	_, err = e.s3.CompleteMultipartUpload(e.ctx, complete)
	require.NoError(t, err, "the upload is still there")
	require.Equal(t, "z", string(e.get(b, "k")))

	// Conditions belong on the completion, not the creation.
	_, err = e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k2")},
		func(o *s3.Options) { o.APIOptions = append(o.APIOptions, withHeader("If-None-Match", "*")) })
	requireCode(t, err, "NotImplemented")
}

// TestConditionalDelete: DeleteObject's If-Match ("*" or an ETag; 404 NoSuchKey with
// no object), x-amz-if-match-size and x-amz-if-match-last-modified-time (an absent
// object passes), and DeleteObjects' per-key ETag and Size.
func TestConditionalDelete(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cond-delete")
	put := e.put(b, "k", []byte("12345"))
	del := func(in s3.DeleteObjectInput) error {
		in.Bucket, in.Key = aws.String(b), aws.String("k")
		_, err := e.s3.DeleteObject(e.ctx, &in)
		return err
	}
	requireCode(t, del(s3.DeleteObjectInput{IfMatch: aws.String(`"ffffffffffffffffffffffffffffffff"`)}), "PreconditionFailed")
	requireCode(t, del(s3.DeleteObjectInput{IfMatchSize: aws.Int64(4)}), "PreconditionFailed")
	requireCode(t, del(s3.DeleteObjectInput{IfMatchLastModifiedTime: aws.Time(time.Unix(1, 0))}), "PreconditionFailed")
	require.Equal(t, "12345", string(e.get(b, "k")), "nothing deleted")
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	require.NoError(t, del(s3.DeleteObjectInput{IfMatch: put.ETag, IfMatchSize: aws.Int64(5), IfMatchLastModifiedTime: head.LastModified}))
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.Error(t, err, "deleted")
	requireCode(t, del(s3.DeleteObjectInput{IfMatch: aws.String("*")}), "NoSuchKey")
	require.NoError(t, del(s3.DeleteObjectInput{IfMatchSize: aws.Int64(5)}), "no object passes a size condition")

	e.put(b, "k", []byte("again"))
	require.NoError(t, del(s3.DeleteObjectInput{IfMatch: aws.String("*")}))

	// DeleteObjects: each key's condition is its own.
	a := e.put(b, "a", []byte("aaa"))
	e.put(b, "c", []byte("ccc"))
	out, err := e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("a"), ETag: a.ETag},
		{Key: aws.String("c"), ETag: a.ETag},
		{Key: aws.String("c"), Size: aws.Int64(2)},
	}}})
	require.NoError(t, err)
	require.Len(t, out.Deleted, 1)
	require.Equal(t, "a", aws.ToString(out.Deleted[0].Key))
	require.Len(t, out.Errors, 2)
	for _, er := range out.Errors {
		require.Equal(t, "c", aws.ToString(er.Key))
		require.Equal(t, "PreconditionFailed", aws.ToString(er.Code))
	}
	require.Equal(t, "ccc", string(e.get(b, "c")))
}

// requireOneOf asserts that err is an S3 error with one of the codes.
func requireOneOf(t *testing.T, err error, codes ...string) {
	t.Helper()
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an API error: %v", err)
	require.Contains(t, codes, apiErr.ErrorCode(), "message: %s", apiErr.ErrorMessage())
}

// withHeader adds a header to a request the SDK sends.
func withHeader(name, value string) func(*middleware.Stack) error {
	return smithyhttp.AddHeaderValue(name, value)
}
