package s3api_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// adminClient is a root client of the node's admin API.
func (e *env) adminClient() *client.Client {
	e.t.Helper()
	access, secret := e.node.RootCredentials()
	c, err := client.New(client.Config{Endpoint: e.node.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")})
	require.NoError(e.t, err)
	return c
}

// requireQuotaExceeded asserts that err is QuotaExceeded with HTTP 403, naming the
// bucket's quota in its message.
func requireQuotaExceeded(t *testing.T, err error) {
	t.Helper()
	requireCode(t, err, "QuotaExceeded")
	var re *awshttp.ResponseError
	require.True(t, errors.As(err, &re))
	require.Equal(t, http.StatusForbidden, re.HTTPStatusCode())
	require.Contains(t, err.Error(), "of its quota of")
}

// TestBucketQuota sets a bucket's quota through the admin API and writes through
// aws-sdk-go-v2 and a minio-go POST form: each kind of write that would pass the
// quota is refused with QuotaExceeded (403) and stores nothing, writes that fit are
// stored, and once the quota is cleared the refused writes go through.
func TestBucketQuota(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("quota")
	adm := e.adminClient()
	const mib = 1 << 20
	q, err := adm.SetBucketQuota(e.ctx, b, admin.BucketQuota{Bytes: 10 * mib})
	require.NoError(t, err)
	require.EqualValues(t, 10*mib, q.Quota.Bytes)

	// 6 + 3 fit in 10 MiB; a further 3 does not. The usage figures are measured at
	// most once a minute: the node counts its own writes since.
	e.put(b, "six", randomBytes(1, 6*mib))
	e.put(b, "three", randomBytes(2, 3*mib))
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("over"), Body: bytes.NewReader(randomBytes(3, 3*mib))})
	requireQuotaExceeded(t, err)
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("over")})
	requireCode(t, err, "NotFound")

	// CopyObject of the 3 MiB object.
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/three")})
	requireQuotaExceeded(t, err)

	// A part that does not fit is refused at once.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("multi")})
	require.NoError(t, err)
	_, err = e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("multi"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(randomBytes(4, 5*mib))})
	requireQuotaExceeded(t, err)

	// A POST form's file, whose size is known only once it is read.
	mc := minioClient(t, e)
	policy := minio.NewPostPolicy()
	require.NoError(t, policy.SetBucket(b))
	require.NoError(t, policy.SetKey("posted"))
	require.NoError(t, policy.SetExpires(time.Now().Add(time.Hour)))
	target, fields, err := mc.PresignedPostPolicy(context.Background(), policy)
	require.NoError(t, err)
	resp := postForm(t, target.String(), fields, randomBytes(5, 2*mib))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "QuotaExceeded", errorCode(t, resp))

	// Parts that fit one by one but not together: the completion is refused, and the
	// upload is still there to be aborted (or completed once there is room).
	_, err = adm.SetBucketQuota(e.ctx, b, admin.BucketQuota{Bytes: 19 * mib})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for i := range 2 {
		n := int32(i + 1)
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("multi"), UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(randomBytes(uint64(10+i), 6*mib))})
		require.NoError(t, err, "part %d fits", n)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	complete := func() error {
		_, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("multi"), UploadId: up.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	requireQuotaExceeded(t, complete())
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("multi")})
	requireCode(t, err, "NotFound")

	// An objects limit: two objects are stored, a third is refused.
	_, err = adm.SetBucketQuota(e.ctx, b, admin.BucketQuota{Objects: 2})
	require.NoError(t, err)
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("tiny"), Body: bytes.NewReader([]byte("x"))})
	requireQuotaExceeded(t, err)

	// Cleared: everything refused above goes through.
	require.NoError(t, adm.DeleteBucketQuota(e.ctx, b))
	got, err := adm.BucketQuota(e.ctx, b)
	require.NoError(t, err)
	require.Zero(t, got.Quota)
	e.put(b, "over", randomBytes(3, 3*mib))
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/three")})
	require.NoError(t, err)
	require.NoError(t, complete())
	resp = postForm(t, target.String(), fields, randomBytes(5, 2*mib))
	require.Equal(t, http.StatusNoContent, resp.StatusCode, errorBody(t, resp))
	e.put(b, "tiny", []byte("x"))
}

// TestBucketQuotaAdmin: the admin API refuses a negative limit and a missing bucket,
// and shows the quota on the bucket.
func TestBucketQuotaAdmin(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("quota-admin")
	adm := e.adminClient()
	_, err := adm.SetBucketQuota(e.ctx, b, admin.BucketQuota{Bytes: -1})
	require.ErrorContains(t, err, "InvalidRequest")
	_, err = adm.SetBucketQuota(e.ctx, "no-such-bucket", admin.BucketQuota{Bytes: 1})
	require.ErrorContains(t, err, "NoSuchBucket")
	_, err = adm.SetBucketQuota(e.ctx, b, admin.BucketQuota{Bytes: 5 << 30, Objects: 100})
	require.NoError(t, err)
	bk, err := adm.Bucket(e.ctx, b)
	require.NoError(t, err)
	require.Equal(t, &admin.BucketQuota{Bytes: 5 << 30, Objects: 100}, bk.Quota)
	q, err := adm.BucketQuota(e.ctx, b)
	require.NoError(t, err)
	require.NotNil(t, q.Usage, "the node reports usage")
}
