package s3api_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

// minioV2 is a minio-go client that signs with Signature Version 2.
func minioV2(t *testing.T, e *env) *minio.Client {
	t.Helper()
	u, err := url.Parse(e.node.S3URL())
	require.NoError(t, err)
	access, secret := e.node.RootCredentials()
	c, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV2(access, secret, ""), Region: "us-east-1"})
	require.NoError(t, err)
	return c
}

// TestSigV2Client: a Signature Version 2 client creates a bucket, uploads, copies
// and reads objects.
func TestSigV2Client(t *testing.T) {
	e := newEnv(t)
	mc := minioV2(t, e)
	require.NoError(t, mc.MakeBucket(e.ctx, "v2bucket", minio.MakeBucketOptions{}))
	data := randomBytes(7, 3000)
	_, err := mc.PutObject(e.ctx, "v2bucket", "src key+ü", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	require.NoError(t, err)
	_, err = mc.CopyObject(e.ctx, minio.CopyDestOptions{Bucket: "v2bucket", Object: "dst"}, minio.CopySrcOptions{Bucket: "v2bucket", Object: "src key+ü"})
	require.NoError(t, err)
	obj, err := mc.GetObject(e.ctx, "v2bucket", "dst", minio.GetObjectOptions{})
	require.NoError(t, err)
	got, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, data, got)
}

// TestDenySigV2Policy: the standard bucket policy that denies Signature Version 2
// (s3:signatureversion "AWS") refuses V2 requests and lets V4 ones through.
func TestDenySigV2Policy(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("nov2")
	e.put(b, "k", []byte("data"))
	_, err := e.s3.PutBucketPolicy(e.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b), Policy: aws.String(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Sid": "DenySigV2", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
			"Resource": ["arn:aws:s3:::nov2", "arn:aws:s3:::nov2/*"],
			"Condition": {"StringEquals": {"s3:signatureversion": "AWS"}}
		}]
	}`)})
	require.NoError(t, err)
	require.Equal(t, []byte("data"), e.get(b, "k"), "V4")

	_, err = minioV2(t, e).StatObject(e.ctx, b, "k", minio.StatObjectOptions{})
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, minio.ToErrorResponse(err).StatusCode, "%v", err)
	obj, err := minioV2(t, e).GetObject(e.ctx, b, "k", minio.GetObjectOptions{})
	require.NoError(t, err)
	_, err = io.ReadAll(obj)
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code, "%v", err)
}
