package s3api_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"
)

var allAttributes = []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum,
	types.ObjectAttributesObjectParts, types.ObjectAttributesStorageClass, types.ObjectAttributesObjectSize}

func TestGetObjectAttributes(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("attrs")
	put, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("one"), Body: bytes.NewReader([]byte("hello")),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, StorageClass: types.StorageClassGlacier})
	require.NoError(t, err)
	got, err := e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("one"), ObjectAttributes: allAttributes})
	require.NoError(t, err)
	require.Equal(t, strings.Trim(*put.ETag, `"`), *got.ETag, "unquoted")
	require.EqualValues(t, 5, *got.ObjectSize)
	require.Equal(t, types.StorageClassGlacier, got.StorageClass)
	require.Equal(t, *put.ChecksumSHA256, *got.Checksum.ChecksumSHA256)
	require.Nil(t, got.ObjectParts, "a single PUT has no parts")
	require.NotNil(t, got.LastModified)

	// Only what was asked for.
	got, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("one"), ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}})
	require.NoError(t, err)
	require.EqualValues(t, 5, *got.ObjectSize)
	require.Nil(t, got.ETag)
	require.Empty(t, got.StorageClass)

	// A multipart object with CRC32 checksums: parts paged with max-parts and
	// part-number-marker, each with its checksum.
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	require.NoError(t, err)
	sizes := []int{5 * mib, 5 * mib, 1000}
	var done []types.CompletedPart
	for i, n := range sizes {
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(randomBytes(uint64(90+i), n)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		require.NoError(t, err)
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	}
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
	require.NoError(t, err)
	got, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("mp"), ObjectAttributes: allAttributes, MaxParts: aws.Int32(2)})
	require.NoError(t, err)
	require.EqualValues(t, 10*mib+1000, *got.ObjectSize)
	require.Equal(t, types.StorageClassStandard, got.StorageClass)
	require.NotNil(t, got.Checksum.ChecksumCRC32)
	op := got.ObjectParts
	require.NotNil(t, op)
	require.EqualValues(t, 3, *op.TotalPartsCount)
	require.True(t, *op.IsTruncated)
	require.Len(t, op.Parts, 2)
	require.Equal(t, "2", *op.NextPartNumberMarker)
	for i, p := range op.Parts {
		require.EqualValues(t, i+1, *p.PartNumber)
		require.EqualValues(t, sizes[i], *p.Size)
		require.Equal(t, *done[i].ChecksumCRC32, *p.ChecksumCRC32)
	}
	got, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("mp"), ObjectAttributes: allAttributes, PartNumberMarker: aws.String("2")})
	require.NoError(t, err)
	require.False(t, *got.ObjectParts.IsTruncated)
	require.Len(t, got.ObjectParts.Parts, 1)
	require.EqualValues(t, 3, *got.ObjectParts.Parts[0].PartNumber)
	require.EqualValues(t, 1000, *got.ObjectParts.Parts[0].Size)

	_, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("missing"), ObjectAttributes: allAttributes})
	requireCode(t, err, "NoSuchKey")
	_, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("one"), ObjectAttributes: []types.ObjectAttributes{"Colour"}})
	requireCode(t, err, "InvalidArgument")
	_, err = e.s3.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("one"), ObjectAttributes: allAttributes, VersionId: aws.String("null")})
	require.NoError(t, err, "versionId is accepted")

	mc := minioClient(t, e)
	oa, err := mc.GetObjectAttributes(context.Background(), b, "mp", minio.ObjectAttributesOptions{MaxParts: 1, PartNumberMarker: 1})
	require.NoError(t, err)
	require.Equal(t, 10*mib+1000, oa.ObjectSize)
	require.Equal(t, "STANDARD", oa.StorageClass)
	require.Equal(t, 3, oa.ObjectParts.PartsCount)
	require.True(t, oa.ObjectParts.IsTruncated)
	require.Len(t, oa.ObjectParts.Parts, 1)
	require.Equal(t, 2, oa.ObjectParts.Parts[0].PartNumber)
	require.Equal(t, *done[1].ChecksumCRC32, oa.ObjectParts.Parts[0].ChecksumCRC32)
}
