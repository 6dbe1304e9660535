package s3api_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

func minioClient(t *testing.T, e *env) *minio.Client {
	t.Helper()
	u, err := url.Parse(e.node.S3URL())
	require.NoError(t, err)
	access, secret := e.node.RootCredentials()
	c, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(access, secret, ""), Secure: false, Region: "us-east-1"})
	require.NoError(t, err)
	return c
}

func TestMinioClient(t *testing.T) {
	e := newEnv(t)
	mc := minioClient(t, e)
	ctx := context.Background()
	require.NoError(t, mc.MakeBucket(ctx, "minio-bucket", minio.MakeBucketOptions{}))
	ok, err := mc.BucketExists(ctx, "minio-bucket")
	require.NoError(t, err)
	require.True(t, ok)

	small := randomBytes(50, 1000)
	_, err = mc.PutObject(ctx, "minio-bucket", "dir/small", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{ContentType: "text/plain", UserMetadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	// Large enough for minio-go's multipart path (its part size is 16 MiB minimum).
	big := randomBytes(51, 40*mib)
	info, err := mc.PutObject(ctx, "minio-bucket", "dir/big", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{PartSize: 16 * mib})
	require.NoError(t, err)
	require.Contains(t, info.ETag, "-3")

	obj, err := mc.GetObject(ctx, "minio-bucket", "dir/big", minio.GetObjectOptions{})
	require.NoError(t, err)
	got, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, sha(big), sha(got))

	opts := minio.GetObjectOptions{}
	require.NoError(t, opts.SetRange(100, 199))
	obj, err = mc.GetObject(ctx, "minio-bucket", "dir/small", opts)
	require.NoError(t, err)
	got, err = io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, small[100:200], got)

	stat, err := mc.StatObject(ctx, "minio-bucket", "dir/small", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "text/plain", stat.ContentType)
	require.Equal(t, "v", stat.UserMetadata["K"])

	var keys []string
	for o := range mc.ListObjects(ctx, "minio-bucket", minio.ListObjectsOptions{Prefix: "dir/", Recursive: true}) {
		require.NoError(t, o.Err)
		keys = append(keys, o.Key)
	}
	require.Equal(t, []string{"dir/big", "dir/small"}, keys)

	_, err = mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: "minio-bucket", Object: "copy"}, minio.CopySrcOptions{Bucket: "minio-bucket", Object: "dir/small"})
	require.NoError(t, err)

	u, err := mc.PresignedGetObject(ctx, "minio-bucket", "copy", time.Hour, nil)
	require.NoError(t, err)
	resp, err := http.Get(u.String())
	require.NoError(t, err)
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, small, got)

	for _, k := range []string{"dir/small", "dir/big", "copy"} {
		require.NoError(t, mc.RemoveObject(ctx, "minio-bucket", k, minio.RemoveObjectOptions{}))
	}
	require.NoError(t, mc.RemoveBucket(ctx, "minio-bucket"))
}

// postForm uploads file through a POST policy form made by minio-go, with extra
// fields overriding the signed ones.
func postForm(t *testing.T, target string, fields map[string]string, file []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	fw, err := w.CreateFormFile("file", "upload.txt")
	require.NoError(t, err)
	_, err = fw.Write(file)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	resp, err := http.Post(target, w.FormDataContentType(), &body)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestPostPolicyUploads(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("forms")
	mc := minioClient(t, e)
	ctx := context.Background()

	policy := minio.NewPostPolicy()
	require.NoError(t, policy.SetBucket(b))
	require.NoError(t, policy.SetKeyStartsWith("uploads/"))
	require.NoError(t, policy.SetExpires(time.Now().Add(time.Hour)))
	require.NoError(t, policy.SetContentLengthRange(1, 1000))
	require.NoError(t, policy.SetContentType("text/plain"))
	target, fields, err := mc.PresignedPostPolicy(ctx, policy)
	require.NoError(t, err)

	form := func(key string) map[string]string {
		out := map[string]string{}
		for k, v := range fields {
			out[k] = v
		}
		out["key"] = key
		return out
	}
	resp := postForm(t, target.String(), form("uploads/${filename}"), []byte("posted through a form"))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Equal(t, "posted through a form", string(e.get(b, "uploads/upload.txt")))

	withStatus := form("uploads/201")
	withStatus["success_action_status"] = "201"
	resp = postForm(t, target.String(), withStatus, []byte("x"))
	// success_action_status is not in the policy, so AWS refuses the form.
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))

	// A key outside the allowed prefix.
	resp = postForm(t, target.String(), form("elsewhere/x"), []byte("x"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))

	// A file larger than the content-length-range.
	resp = postForm(t, target.String(), form("uploads/big"), bytes.Repeat([]byte("x"), 1001))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "EntityTooLarge", errorCode(t, resp))

	// A tampered policy.
	tampered := form("uploads/tampered")
	tampered["policy"] = strings.ToUpper(tampered["policy"][:4]) + tampered["policy"][4:] + "="
	resp = postForm(t, target.String(), tampered, []byte("x"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	for _, key := range []string{"elsewhere/x", "uploads/big", "uploads/tampered", "uploads/201"} {
		_, err := mc.StatObject(ctx, b, key, minio.StatObjectOptions{})
		require.Error(t, err, key)
	}

	// An expired policy.
	expired := minio.NewPostPolicy()
	require.NoError(t, expired.SetBucket(b))
	require.NoError(t, expired.SetKey("uploads/late"))
	require.NoError(t, expired.SetExpires(time.Now().Add(-time.Minute)))
	target, fields, err = mc.PresignedPostPolicy(ctx, expired)
	require.NoError(t, err)
	resp = postForm(t, target.String(), fields, []byte("late"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))
}
