package s3api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"
)

func TestStorageClassesStoredAndReturned(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("classes")
	for _, sc := range []types.StorageClass{types.StorageClassStandard, types.StorageClassReducedRedundancy,
		types.StorageClassStandardIa, types.StorageClassOnezoneIa, types.StorageClassIntelligentTiering,
		types.StorageClassGlacier, types.StorageClassGlacierIr, types.StorageClassDeepArchive,
		types.StorageClassExpressOnezone, types.StorageClassOutposts, types.StorageClassSnow} {
		key := "obj-" + string(sc)
		_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader([]byte("data")), StorageClass: sc})
		require.NoError(t, err, sc)
		head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
		get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
		data, err := io.ReadAll(get.Body)
		get.Body.Close()
		require.NoError(t, err)
		require.Equal(t, "data", string(data), "every class is readable at once")
		if sc == types.StorageClassStandard {
			require.Empty(t, head.StorageClass, "S3 leaves the header out for STANDARD")
			require.Empty(t, get.StorageClass)
		} else {
			require.Equal(t, string(sc), string(head.StorageClass))
			require.Equal(t, string(sc), string(get.StorageClass))
		}
	}
	list, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, list.Contents, 11)
	for _, o := range list.Contents {
		require.Equal(t, *o.Key, "obj-"+string(o.StorageClass))
	}

	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("bad"), Body: bytes.NewReader(nil), StorageClass: "COLD"})
	requireCode(t, err, "InvalidStorageClass")

	// Copy takes the request's class (default STANDARD); changing only the class of an
	// object in place is a valid copy.
	src := b + "/obj-GLACIER"
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(src)})
	require.NoError(t, err)
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy")})
	require.NoError(t, err)
	require.Empty(t, head.StorageClass)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("obj-GLACIER"), CopySource: aws.String(src), StorageClass: types.StorageClassStandardIa})
	require.NoError(t, err)
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj-GLACIER")})
	require.NoError(t, err)
	require.Equal(t, types.StorageClassStandardIa, head.StorageClass)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("x"), CopySource: aws.String(src), StorageClass: "COLD"})
	requireCode(t, err, "InvalidStorageClass")

	// Multipart: the class of CreateMultipartUpload, in ListMultipartUploads, ListParts
	// and on the completed object.
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), StorageClass: types.StorageClassDeepArchive})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
	require.NoError(t, err)
	ups, err := e.s3.ListMultipartUploads(e.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, ups.Uploads, 1)
	require.Equal(t, types.StorageClassDeepArchive, ups.Uploads[0].StorageClass)
	parts, err := e.s3.ListParts(e.ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId})
	require.NoError(t, err)
	require.Equal(t, types.StorageClassDeepArchive, parts.StorageClass)
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32}}}})
	require.NoError(t, err)
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	require.Equal(t, types.StorageClassDeepArchive, head.StorageClass)
	_, err = e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("bad"), StorageClass: "COLD"})
	requireCode(t, err, "InvalidStorageClass")
}

func TestStorageClassMinio(t *testing.T) {
	e := newEnv(t)
	mc := minioClient(t, e)
	ctx := context.Background()
	require.NoError(t, mc.MakeBucket(ctx, "mc-classes", minio.MakeBucketOptions{}))
	_, err := mc.PutObject(ctx, "mc-classes", "ia", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{StorageClass: "STANDARD_IA"})
	require.NoError(t, err)
	st, err := mc.StatObject(ctx, "mc-classes", "ia", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "STANDARD_IA", st.Metadata.Get("X-Amz-Storage-Class")) // minio-go's Stat leaves StorageClass empty
	for o := range mc.ListObjects(ctx, "mc-classes", minio.ListObjectsOptions{}) {
		require.NoError(t, o.Err)
		require.Equal(t, "STANDARD_IA", o.StorageClass)
	}
	_, err = mc.PutObject(ctx, "mc-classes", "bad", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{StorageClass: "COLD"})
	require.Error(t, err)
	require.Equal(t, "InvalidStorageClass", minio.ToErrorResponse(err).Code)
	require.Equal(t, http.StatusBadRequest, minio.ToErrorResponse(err).StatusCode)
}

func TestStorageClassPostObject(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("post-classes")
	mc := minioClient(t, e)
	post := func(class string) *http.Response {
		policy := minio.NewPostPolicy()
		require.NoError(t, policy.SetBucket(b))
		require.NoError(t, policy.SetKey("k-"+class))
		require.NoError(t, policy.SetExpires(time.Now().Add(time.Hour)))
		require.NoError(t, policy.SetUserData("storage-class", class)) // the x-amz-storage-class field, under a condition
		target, fields, err := mc.PresignedPostPolicy(context.Background(), policy)
		require.NoError(t, err)
		form := map[string]string{}
		for k, v := range fields {
			form[k] = v
		}
		return postForm(t, target.String(), form, []byte("x"))
	}
	resp := post("ONEZONE_IA")
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k-ONEZONE_IA")})
	require.NoError(t, err)
	require.Equal(t, types.StorageClassOnezoneIa, head.StorageClass)
	resp = post("COLD")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "InvalidStorageClass", errorCode(t, resp))
}
