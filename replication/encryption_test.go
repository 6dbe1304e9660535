package replication_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// An object stored encrypted (SSE-S3) at the source is stored encrypted at the
// peer, into a bucket without default encryption; a plaintext one stays plaintext.
func TestEncryptedObjectIsReplicatedEncrypted(t *testing.T) {
	ctx := t.Context()
	src := nodetest.Start(t, func(c *node.Config) { c.Timings.SiteSync = 50 * time.Millisecond })
	peer := nodetest.Start(t)
	srcS3, peerS3 := s3Client(src), s3Client(peer)
	_, err := srcS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("secrets")})
	require.NoError(t, err)
	_, err = peerS3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("secrets-copy")})
	require.NoError(t, err)
	ak, sk := peer.RootCredentials()
	_, err = src.Meta().CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: strings.Replace(peer.S3URL(), "http://", "http://"+ak+":"+sk+"@", 1)})
	require.NoError(t, err)
	_, err = src.Meta().CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "secrets", ID: "all", Connection: "peer", TargetBucket: "secrets-copy", Mode: meta.ModeNewOnly})
	require.NoError(t, err)

	_, err = srcS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("secrets"), Key: aws.String("enc"), Body: strings.NewReader("encrypted at rest"), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err)
	_, err = srcS3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("secrets"), Key: aws.String("plain"), Body: strings.NewReader("in the clear")})
	require.NoError(t, err)
	// An encrypted object in parts: site sync sends it as a multipart upload.
	up, err := srcS3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("secrets"), Key: aws.String("parts"), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err)
	var done []types.CompletedPart
	for i, n := range []int{5 << 20, 1000} {
		p, err := srcS3.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("secrets"), Key: aws.String("parts"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(bytes.Repeat([]byte{'p'}, n))})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag})
	}
	_, err = srcS3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("secrets"), Key: aws.String("parts"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)
	for _, k := range []string{"enc", "plain", "parts"} {
		nodetest.WaitFor(t, k+" arrives", func() bool {
			_, ok, err := read(ctx, peerS3, "secrets-copy", k)
			return err == nil && ok
		})
	}
	got, _, err := read(ctx, peerS3, "secrets-copy", "enc")
	require.NoError(t, err)
	require.Equal(t, "encrypted at rest", got.body)
	head, err := peerS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("secrets-copy"), Key: aws.String("enc")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)
	head, err = peerS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("secrets-copy"), Key: aws.String("plain")})
	require.NoError(t, err)
	require.Empty(t, head.ServerSideEncryption)
	head, err = peerS3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("secrets-copy"), Key: aws.String("parts")})
	require.NoError(t, err)
	require.Equal(t, types.ServerSideEncryptionAes256, head.ServerSideEncryption)
	require.Equal(t, int64(5<<20+1000), aws.ToInt64(head.ContentLength))
}
