package s3api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniotags "github.com/minio/minio-go/v7/pkg/tags"
	"github.com/stretchr/testify/require"
)

func (e *env) versioning(bucket string, status types.BucketVersioningStatus) {
	e.t.Helper()
	_, err := e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
	require.NoError(e.t, err)
}

func (e *env) getVersion(bucket, key, vid string) ([]byte, *s3.GetObjectOutput, error) {
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(vid)})
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	return data, out, err
}

// listVersions lists every version and delete marker of a bucket, page by page.
func (e *env) listVersions(bucket string, pageSize int32) (vs []types.ObjectVersion, dms []types.DeleteMarkerEntry) {
	e.t.Helper()
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(pageSize)}
	for {
		out, err := e.s3.ListObjectVersions(e.ctx, in)
		require.NoError(e.t, err)
		vs = append(vs, out.Versions...)
		dms = append(dms, out.DeleteMarkers...)
		if !aws.ToBool(out.IsTruncated) {
			return vs, dms
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
}

func TestBucketVersioningStates(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vstates")
	v, err := e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, v.Status, "a new bucket has never had versioning")
	out := e.put(b, "k", []byte("unversioned"))
	require.Nil(t, out.VersionId, "no version id in a bucket that never had versioning")

	e.versioning(b, types.BucketVersioningStatusEnabled)
	v, err = e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, types.BucketVersioningStatusEnabled, v.Status)
	e.versioning(b, types.BucketVersioningStatusSuspended)
	v, err = e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, types.BucketVersioningStatusSuspended, v.Status)

	// A bucket never returns to unversioned: anything but Enabled or Suspended is refused.
	body := []byte(`<VersioningConfiguration><Status>Disabled</Status></VersioningConfiguration>`)
	req, err := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"?versioning", bytes.NewReader(body))
	require.NoError(t, err)
	resp := e.signedResponse(req, body)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "MalformedXML", errorCode(t, resp))
	_, err = e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("no-such-bucket-v"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	requireCode(t, err, "NoSuchBucket")
}

func TestVersionedObjectLifecycle(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vlife")
	e.put(b, "k", []byte("null-before"))
	e.versioning(b, types.BucketVersioningStatusEnabled)

	v1 := e.put(b, "k", []byte("one"))
	v2 := e.put(b, "k", []byte("two"))
	require.NotNil(t, v1.VersionId)
	require.NotNil(t, v2.VersionId)
	require.NotEqual(t, *v1.VersionId, *v2.VersionId)
	require.Less(t, *v1.VersionId, *v2.VersionId, "version ids sort by creation")
	require.Equal(t, "two", string(e.get(b, "k")))

	for vid, want := range map[string]string{*v1.VersionId: "one", *v2.VersionId: "two", "null": "null-before"} {
		data, out, err := e.getVersion(b, "k", vid)
		require.NoError(t, err, vid)
		require.Equal(t, want, string(data))
		require.Equal(t, vid, aws.ToString(out.VersionId))
	}
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v1.VersionId})
	require.NoError(t, err)
	require.Equal(t, int64(3), aws.ToInt64(head.ContentLength))
	_, _, err = e.getVersion(b, "k", "00000000000000010000000a")
	requireCode(t, err, "NoSuchVersion")

	// DELETE without a version id: a delete marker, which hides the key.
	del, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	require.True(t, aws.ToBool(del.DeleteMarker))
	marker := aws.ToString(del.VersionId)
	require.NotEmpty(t, marker)
	_, err = e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	requireCode(t, err, "NoSuchKey")
	resp := e.rawGet(b, "k", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "true", resp.Header.Get("x-amz-delete-marker"))
	require.Equal(t, marker, resp.Header.Get("x-amz-version-id"))
	resp = e.rawGet(b, "k", marker)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "GET of a delete marker's version")
	require.Equal(t, "true", resp.Header.Get("x-amz-delete-marker"))
	_, _, err = e.getVersion(b, "k", *v1.VersionId)
	require.NoError(t, err, "older versions stay readable by id")
	list, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, list.Contents, "a key whose latest is a delete marker is not listed")

	// DELETE of the marker by id: the previous version is current again.
	del, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(marker)})
	require.NoError(t, err)
	require.True(t, aws.ToBool(del.DeleteMarker))
	require.Equal(t, marker, aws.ToString(del.VersionId))
	require.Equal(t, "two", string(e.get(b, "k")))

	// DELETE of a version by id removes it for good.
	_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v2.VersionId})
	require.NoError(t, err)
	require.Equal(t, "one", string(e.get(b, "k")))
	_, _, err = e.getVersion(b, "k", *v2.VersionId)
	requireCode(t, err, "NoSuchVersion")

	vs, dms := e.listVersions(b, 1000)
	require.Empty(t, dms)
	require.Len(t, vs, 2)
	require.Equal(t, *v1.VersionId, aws.ToString(vs[0].VersionId))
	require.True(t, aws.ToBool(vs[0].IsLatest))
	require.Equal(t, "null", aws.ToString(vs[1].VersionId))
	require.False(t, aws.ToBool(vs[1].IsLatest))

	// DeleteBucket refuses while any version remains.
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	requireCode(t, err, "BucketNotEmpty")
}

func (e *env) rawGet(bucket, key, vid string) *http.Response {
	e.t.Helper()
	u := e.node.S3URL() + "/" + bucket + "/" + key
	if vid != "" {
		u += "?versionId=" + vid
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(e.t, err)
	resp := e.signedResponse(req, nil)
	resp.Body.Close()
	return resp
}

func TestSuspendedVersioningWritesTheNullVersion(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vsusp")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	kept := e.put(b, "k", []byte("kept"))
	e.versioning(b, types.BucketVersioningStatusSuspended)
	out := e.put(b, "k", []byte("null-1"))
	require.Nil(t, out.VersionId, "S3 sends no version id for the null version a write makes")
	e.put(b, "k", []byte("null-2"))
	vs, _ := e.listVersions(b, 1000)
	require.Len(t, vs, 2, "the second null write replaced the first, and only it")
	require.Equal(t, "null", aws.ToString(vs[0].VersionId))
	require.Equal(t, *kept.VersionId, aws.ToString(vs[1].VersionId))

	del, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	require.True(t, aws.ToBool(del.DeleteMarker))
	require.Equal(t, "null", aws.ToString(del.VersionId), "a suspended bucket's delete marker is the null version")
	vs, dms := e.listVersions(b, 1000)
	require.Len(t, vs, 1, "the null delete marker replaced the null version")
	require.Len(t, dms, 1)
	require.True(t, aws.ToBool(dms[0].IsLatest))
	_, _, err = e.getVersion(b, "k", *kept.VersionId)
	require.NoError(t, err)
}

func TestListObjectVersionsPaging(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vpages")
	e.put(b, "a/null", []byte("x")) // written before versioning: the null version
	e.versioning(b, types.BucketVersioningStatusEnabled)
	want := map[string]int{}
	for i := range 4 {
		for _, k := range []string{"a/one", "b", "c d+e"} {
			e.put(b, k, []byte(fmt.Sprint(i)))
			want[k]++
		}
	}
	_, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("b")})
	require.NoError(t, err)
	for _, size := range []int32{1, 2, 5, 1000} {
		vs, dms := e.listVersions(b, size)
		require.Len(t, vs, 13, "page size %d", size)
		require.Len(t, dms, 1, "page size %d", size)
		latest := map[string]int{}
		for i, v := range vs {
			if aws.ToBool(v.IsLatest) {
				latest[*v.Key]++
			}
			if i > 0 && *vs[i-1].Key == *v.Key {
				require.Greater(t, *vs[i-1].VersionId, *v.VersionId, "newest first within a key")
			}
		}
		require.Equal(t, map[string]int{"a/null": 1, "a/one": 1, "c d+e": 1}, latest, "page size %d", size)
		require.True(t, aws.ToBool(dms[0].IsLatest))
	}
	out, err := e.s3.ListObjectVersions(e.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b), Delimiter: aws.String("/"), EncodingType: types.EncodingTypeUrl})
	require.NoError(t, err)
	require.Len(t, out.CommonPrefixes, 1)
	require.Equal(t, "a/", aws.ToString(out.CommonPrefixes[0].Prefix))
	require.Len(t, out.Versions, 8, "b's versions and c d+e's")
	require.Len(t, out.DeleteMarkers, 1)
	require.Equal(t, "c%20d%2Be", aws.ToString(out.Versions[len(out.Versions)-1].Key), "encoding-type=url encodes keys (the SDK hands them on as sent)")

	_, err = e.s3.ListObjectVersions(e.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b), VersionIdMarker: aws.String("null")})
	requireCode(t, err, "InvalidArgument")

	// An unversioned bucket lists every object as its null version.
	u := e.bucket("vunversioned")
	e.put(u, "x", []byte("1"))
	vs, _ := e.listVersions(u, 1000)
	require.Len(t, vs, 1)
	require.Equal(t, "null", aws.ToString(vs[0].VersionId))
	require.True(t, aws.ToBool(vs[0].IsLatest))
}

func TestDeleteObjectsWithVersions(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vdelmany")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	v1 := e.put(b, "k", []byte("1"))
	e.put(b, "k", []byte("2"))
	out, err := e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k")},
		{Key: aws.String("k"), VersionId: v1.VersionId},
	}}})
	require.NoError(t, err)
	require.Empty(t, out.Errors)
	require.Len(t, out.Deleted, 2)
	var marker string
	for _, d := range out.Deleted {
		if d.VersionId == nil {
			require.True(t, aws.ToBool(d.DeleteMarker))
			marker = aws.ToString(d.DeleteMarkerVersionId)
		} else {
			require.Equal(t, *v1.VersionId, *d.VersionId)
		}
	}
	require.NotEmpty(t, marker)
	vs, dms := e.listVersions(b, 1000)
	require.Len(t, vs, 1)
	require.Len(t, dms, 1)
	require.Equal(t, marker, aws.ToString(dms[0].VersionId))

	// Emptying the bucket the way every test suite's clean-up does lets it be deleted.
	var ids []types.ObjectIdentifier
	for _, v := range vs {
		ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
	}
	for _, d := range dms {
		ids = append(ids, types.ObjectIdentifier{Key: d.Key, VersionId: d.VersionId})
	}
	_, err = e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: ids}})
	require.NoError(t, err)
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	require.NoError(t, err)
}

func TestCopyFromAVersion(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vcopy")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	v1 := e.put(b, "k", []byte("first"))
	e.put(b, "k", []byte("second"))
	out, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("k"),
		CopySource: aws.String(b + "/k?versionId=" + *v1.VersionId)})
	require.NoError(t, err, "copying an old version onto its key restores it")
	require.Equal(t, *v1.VersionId, aws.ToString(out.CopySourceVersionId))
	require.NotEmpty(t, aws.ToString(out.VersionId))
	require.Equal(t, "first", string(e.get(b, "k")))
	vs, _ := e.listVersions(b, 1000)
	require.Len(t, vs, 3)

	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("other"),
		CopySource: aws.String(b + "/k?versionId=00000000000000010000000a")})
	requireCode(t, err, "NoSuchVersion")

	// UploadPartCopy from a version.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	pc, err := e.s3.UploadPartCopy(e.ctx, &s3.UploadPartCopyInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String(b + "/k?versionId=" + *v1.VersionId)})
	require.NoError(t, err)
	require.Equal(t, *v1.VersionId, aws.ToString(pc.CopySourceVersionId))
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: pc.CopyPartResult.ETag}}}})
	require.NoError(t, err)
	require.NotEmpty(t, aws.ToString(done.VersionId), "a completed upload is a new version")
	require.Equal(t, "first", string(e.get(b, "mp")))
}

func TestObjectTagging(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("otags")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	v1, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		Tagging: aws.String("team=search&empty=")})
	require.NoError(t, err)
	v2 := e.put(b, "k", []byte("y"))

	got, err := e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v1.VersionId})
	require.NoError(t, err)
	require.Equal(t, tagSet("empty", "", "team", "search"), got.TagSet)
	require.Equal(t, *v1.VersionId, aws.ToString(got.VersionId))
	g, out, err := e.getVersion(b, "k", *v1.VersionId)
	require.NoError(t, err)
	require.Equal(t, "x", string(g))
	require.Equal(t, int32(2), aws.ToInt32(out.TagCount))

	// Tags belong to a version: the current one has none until it gets some.
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	require.Empty(t, got.TagSet)
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet("a", "1")}})
	require.NoError(t, err)
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v2.VersionId})
	require.NoError(t, err)
	require.Equal(t, tagSet("a", "1"), got.TagSet)
	require.Equal(t, "y", string(e.get(b, "k")), "a tag change keeps the bytes")
	vs, _ := e.listVersions(b, 1000)
	require.Len(t, vs, 2, "a tag change is not a new version")

	_, err = e.s3.DeleteObjectTagging(e.ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v1.VersionId})
	require.NoError(t, err)
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: v1.VersionId})
	require.NoError(t, err)
	require.Empty(t, got.TagSet)

	// S3's limits.
	eleven := make([]string, 0, 22)
	for i := range 11 {
		eleven = append(eleven, fmt.Sprint("k", i), "v")
	}
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet(eleven...)}})
	requireCode(t, err, "InvalidTag")
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet(strings.Repeat("k", 129), "v")}})
	requireCode(t, err, "InvalidTag")
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet("k", strings.Repeat("v", 257))}})
	requireCode(t, err, "InvalidTag")
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet("d", "1", "d", "2")}})
	requireCode(t, err, "InvalidTag")
	hdr := make([]string, 0, 11)
	for i := range 11 {
		hdr = append(hdr, fmt.Sprintf("k%d=v", i))
	}
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("many"), Body: strings.NewReader("x"), Tagging: aws.String(strings.Join(hdr, "&"))})
	requireCode(t, err, "BadRequest")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("dup"), Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")})
	requireCode(t, err, "InvalidArgument")
	_, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("missing")})
	requireCode(t, err, "NoSuchKey")

	// CopyObject: tags are copied, or replaced with REPLACE.
	_, err = e.s3.PutObjectTagging(e.ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet("src", "1")}})
	require.NoError(t, err)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy1"), CopySource: aws.String(b + "/k")})
	require.NoError(t, err)
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy1")})
	require.NoError(t, err)
	require.Equal(t, tagSet("src", "1"), got.TagSet)
	_, err = e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy2"), CopySource: aws.String(b + "/k"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("new=2")})
	require.NoError(t, err)
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy2")})
	require.NoError(t, err)
	require.Equal(t, tagSet("new", "2"), got.TagSet)

	// CreateMultipartUpload's tags land on the completed object.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), Tagging: aws.String("mp=yes")})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("p"))})
	require.NoError(t, err)
	_, err = e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32}}}})
	require.NoError(t, err)
	got, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	require.Equal(t, tagSet("mp", "yes"), got.TagSet)
}

func TestMinioVersioningAndTagging(t *testing.T) {
	e := newEnv(t)
	mc := minioClient(t, e)
	ctx := context.Background()
	require.NoError(t, mc.MakeBucket(ctx, "minio-versions", minio.MakeBucketOptions{}))
	require.NoError(t, mc.EnableVersioning(ctx, "minio-versions"))
	cfg, err := mc.GetBucketVersioning(ctx, "minio-versions")
	require.NoError(t, err)
	require.True(t, cfg.Enabled())
	var ids []string
	for i := range 3 {
		info, err := mc.PutObject(ctx, "minio-versions", "k", strings.NewReader(fmt.Sprint(i)), 1, minio.PutObjectOptions{})
		require.NoError(t, err)
		ids = append(ids, info.VersionID)
	}
	obj, err := mc.GetObject(ctx, "minio-versions", "k", minio.GetObjectOptions{VersionID: ids[0]})
	require.NoError(t, err)
	data, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, "0", string(data))

	var listed []minio.ObjectInfo
	for o := range mc.ListObjects(ctx, "minio-versions", minio.ListObjectsOptions{WithVersions: true}) {
		require.NoError(t, o.Err)
		listed = append(listed, o)
	}
	require.Len(t, listed, 3)
	require.Equal(t, ids[2], listed[0].VersionID)
	require.True(t, listed[0].IsLatest)

	require.NoError(t, mc.RemoveObject(ctx, "minio-versions", "k", minio.RemoveObjectOptions{VersionID: ids[2]}))
	st, err := mc.StatObject(ctx, "minio-versions", "k", minio.StatObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, ids[1], st.VersionID)

	tags, err := miniotags.MapToObjectTags(map[string]string{"team": "search"})
	require.NoError(t, err)
	require.NoError(t, mc.PutObjectTagging(ctx, "minio-versions", "k", tags, minio.PutObjectTaggingOptions{VersionID: ids[0]}))
	got, err := mc.GetObjectTagging(ctx, "minio-versions", "k", minio.GetObjectTaggingOptions{VersionID: ids[0]})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"team": "search"}, got.ToMap())
	require.NoError(t, mc.RemoveObjectTagging(ctx, "minio-versions", "k", minio.RemoveObjectTaggingOptions{VersionID: ids[0]}))
	got, err = mc.GetObjectTagging(ctx, "minio-versions", "k", minio.GetObjectTaggingOptions{VersionID: ids[0]})
	require.NoError(t, err)
	require.Empty(t, got.ToMap())

	require.NoError(t, mc.RemoveObject(ctx, "minio-versions", "k", minio.RemoveObjectOptions{}))
	_, err = mc.StatObject(ctx, "minio-versions", "k", minio.StatObjectOptions{})
	require.Error(t, err)
	require.Equal(t, "NoSuchKey", minio.ToErrorResponse(err).Code)
	require.NoError(t, mc.SuspendVersioning(ctx, "minio-versions"))
}

// TestVersionPermissions: a request for one version needs the "Version" action, and
// the tag condition keys are evaluated.
func TestVersionPermissions(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("vperm")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	v1, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("public"), Body: strings.NewReader("p"), Tagging: aws.String("class=public")})
	require.NoError(t, err)
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("secret"), Body: strings.NewReader("s"), Tagging: aws.String("class=secret")})
	require.NoError(t, err)
	reader, _ := e.user("vreader", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::vperm/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}},
		{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::vperm/*","Condition":{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["team"]}}}]}`)
	out, err := reader.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("public")})
	require.NoError(t, err)
	out.Body.Close()
	_, err = reader.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("secret")})
	requireCode(t, err, "AccessDenied")
	_, err = reader.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("public"), VersionId: v1.VersionId})
	requireCode(t, err, "AccessDenied") // needs s3:GetObjectVersion
	_, err = reader.ListObjectVersions(e.ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b)})
	requireCode(t, err, "AccessDenied") // needs s3:ListBucketVersions
	_, err = reader.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("new"), Body: strings.NewReader("n"), Tagging: aws.String("team=x")})
	require.NoError(t, err)
	_, err = reader.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("new"), Body: strings.NewReader("n"), Tagging: aws.String("owner=x")})
	requireCode(t, err, "AccessDenied")
	_, err = reader.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("public"), VersionId: v1.VersionId})
	requireCode(t, err, "AccessDenied")

	// GetObjectAttributes needs s3:GetObjectAttributes, and of one version
	// s3:GetObjectVersionAttributes, as in AWS.
	attrs, _ := e.user("vattrs", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:GetObjectAttributes","Resource":"arn:aws:s3:::vperm/*"}]}`)
	size := []types.ObjectAttributes{types.ObjectAttributesObjectSize}
	_, err = attrs.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("public"), ObjectAttributes: size})
	require.NoError(t, err)
	_, err = attrs.GetObjectAttributes(e.ctx, &s3.GetObjectAttributesInput{Bucket: aws.String(b), Key: aws.String("public"), VersionId: v1.VersionId, ObjectAttributes: size})
	requireCode(t, err, "AccessDenied")
}
