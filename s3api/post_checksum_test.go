package s3api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/checksum"
)

// TestPostPolicyChecksum posts real multipart forms made by minio-go's
// PresignedPostPolicy with its checksum option (x-amz-checksum-algorithm and
// x-amz-checksum-<alg> fields, each under an eq condition): the file is verified
// against the checksum, the checksum is stored and returned with checksum mode on, and
// a file that does not match is refused with BadDigest and stores nothing.
func TestPostPolicyChecksum(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("form-sums")
	mc := minioClient(t, e)
	ctx := context.Background()
	file := []byte("a file posted through a browser form, with its checksum")

	form := func(key string, ct minio.ChecksumType, data []byte) (string, map[string]string) {
		t.Helper()
		p := minio.NewPostPolicy()
		require.NoError(t, p.SetBucket(b))
		require.NoError(t, p.SetKey(key))
		require.NoError(t, p.SetExpires(time.Now().Add(time.Hour)))
		h := ct.Hasher()
		h.Write(data)
		require.NoError(t, p.SetChecksum(minio.NewChecksum(ct, h.Sum(nil))))
		target, fields, err := mc.PresignedPostPolicy(ctx, p)
		require.NoError(t, err)
		return target.String(), fields
	}
	for _, ct := range minioChecksums {
		alg, err := checksum.ParseAlgorithm(ct.String())
		require.NoError(t, err)
		t.Run(ct.String(), func(t *testing.T) {
			key := "posted-" + ct.String()
			target, fields := form(key, ct, file)
			resp := postForm(t, target, fields, file)
			require.Equal(t, http.StatusNoContent, resp.StatusCode, errorBody(t, resp))
			require.Equal(t, string(file), string(e.get(b, key)))
			head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			require.Equal(t, alg.Sum(file), sdkChecksum(alg, headFields(head)))

			// The form's checksum is of other data: BadDigest, nothing stored.
			bad := "bad-" + ct.String()
			target, fields = form(bad, ct, []byte("something else"))
			resp = postForm(t, target, fields, file)
			require.Equal(t, http.StatusBadRequest, resp.StatusCode)
			require.Equal(t, "BadDigest", errorCode(t, resp))
			_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(bad)})
			requireCode(t, err, "NotFound")
		})
	}
}

// errorBody returns a failed response's body for a test message.
func errorBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode < 300 {
		return ""
	}
	var b [4096]byte
	n, _ := resp.Body.Read(b[:])
	return string(b[:n])
}
