package s3api_test

// Regression tests for differences from AWS that third-party S3 suites (ceph's
// s3-tests, MinIO's mint) and the SDKs' habits found in versioning, delete markers,
// ListObjectVersions and object lock.

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestMalformedVersionIDIsInvalidArgument: an id that is not of the form Cairn issues
// (an AWS-style one, a random word) is 400 InvalidArgument "Invalid version id
// specified", as S3 answers an id it could not have issued; a well-formed id that
// names nothing stays 404 NoSuchVersion.
func TestMalformedVersionIDIsInvalidArgument(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("compat-vid")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	e.put(b, "k", []byte("x"))
	for _, vid := range []string{"bogus", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", "NULL"} {
		_, _, err := e.getVersion(b, "k", vid)
		requireCode(t, err, "InvalidArgument")
		_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid)})
		require.Error(t, err, vid)
		_, err = e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid)})
		requireCode(t, err, "InvalidArgument")
		_, err = e.s3.GetObjectTagging(e.ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid)})
		requireCode(t, err, "InvalidArgument")
	}
	resp := e.rawGet(b, "k", "bogus")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	_, _, err := e.getVersion(b, "k", "00000000000000010000000a")
	requireCode(t, err, "NoSuchVersion")

	// In a batch, the key's own error is InvalidArgument too; the others are deleted.
	out, err := e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: aws.String("bogus")}, {Key: aws.String("k")},
	}}})
	require.NoError(t, err)
	require.Len(t, out.Errors, 1)
	require.Equal(t, "InvalidArgument", aws.ToString(out.Errors[0].Code))
	require.Equal(t, "Invalid version id specified", aws.ToString(out.Errors[0].Message))
	require.Len(t, out.Deleted, 1)
}

// TestDeleteMarkerByIDAnswers405WithLastModifiedAndAllow: GET and HEAD of a delete
// marker by its id are 405 MethodNotAllowed with x-amz-delete-marker, the marker's
// id, its Last-Modified and Allow: DELETE, as S3 documents.
func TestDeleteMarkerByIDAnswers405WithLastModifiedAndAllow(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("compat-dm405")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	e.put(b, "k", []byte("x"))
	before := time.Now().Add(-2 * time.Second)
	del, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	marker := aws.ToString(del.VersionId)

	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, err := http.NewRequest(method, e.node.S3URL()+"/"+b+"/k?versionId="+marker, nil)
		require.NoError(t, err)
		resp := e.signedResponse(req, nil)
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, method)
		require.Equal(t, "true", resp.Header.Get("x-amz-delete-marker"), method)
		require.Equal(t, marker, resp.Header.Get("x-amz-version-id"), method)
		require.Equal(t, http.MethodDelete, resp.Header.Get("Allow"), method)
		lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
		require.NoError(t, err, method)
		require.True(t, lm.After(before) && lm.Before(time.Now().Add(2*time.Second)), "Last-Modified %v", lm)
	}

	// The latest version being a marker is a 404, with neither header.
	resp := e.rawGet(b, "k", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "true", resp.Header.Get("x-amz-delete-marker"))
	require.Empty(t, resp.Header.Get("Allow"))
}

// TestDeleteObjectsOfAMarkerByIDNamesIt: removing a delete marker by its id in
// DeleteObjects reports DeleteMarker true and DeleteMarkerVersionId, the marker's
// id, as s3-tests expects of AWS.
func TestDeleteObjectsOfAMarkerByIDNamesIt(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("compat-dmbatch")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	v := aws.ToString(e.put(b, "k", []byte("x")).VersionId)
	del, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)
	marker := aws.ToString(del.VersionId)

	out, err := e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: aws.String(marker)},
	}}})
	require.NoError(t, err)
	require.Len(t, out.Deleted, 1)
	d := out.Deleted[0]
	require.Equal(t, marker, aws.ToString(d.VersionId))
	require.True(t, aws.ToBool(d.DeleteMarker))
	require.Equal(t, marker, aws.ToString(d.DeleteMarkerVersionId))

	// A version that is not a marker: its id only.
	out, err = e.s3.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: aws.String(v)},
	}}})
	require.NoError(t, err)
	require.Len(t, out.Deleted, 1)
	require.Equal(t, v, aws.ToString(out.Deleted[0].VersionId))
	require.False(t, aws.ToBool(out.Deleted[0].DeleteMarker))
	require.Empty(t, aws.ToString(out.Deleted[0].DeleteMarkerVersionId))
}

// TestListObjectVersionsEntriesHaveNoEmptyNamespace: the Version and DeleteMarker
// elements are in the document's namespace; an xmlns="" on them (which AWS never
// sends) puts them outside it for a namespace-aware parser.
func TestListObjectVersionsEntriesHaveNoEmptyNamespace(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("compat-ns")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	e.put(b, "k", []byte("x"))
	_, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	require.NoError(t, err)

	req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b+"?versions", nil)
	require.NoError(t, err)
	resp := e.signedResponse(req, nil)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	body := string(data)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "<DeleteMarker><Key>k</Key>")
	require.Contains(t, body, "<Version><Key>k</Key>")
	require.NotContains(t, body, `xmlns=""`)
	require.Less(t, strings.Index(body, "<DeleteMarker>"), strings.Index(body, "<Version>"), "newest first")

	// The SDK (which reads the namespace) sees both entries.
	vs, dms := e.listVersions(b, 1000)
	require.Len(t, vs, 1)
	require.Len(t, dms, 1)
}

// TestLegalHoldNeverSet: GetObjectLegalHold of a version that never had a legal hold
// is 404 NoSuchObjectLockConfiguration, and GET/HEAD leave out its header; once one
// was set, ON or OFF (by PutObjectLegalHold or x-amz-object-lock-legal-hold), both
// answer it.
func TestLegalHoldNeverSet(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("compat-hold")
	e.put(b, "plain", []byte("x"))
	_, err := e.s3.GetObjectLegalHold(e.ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("plain")})
	requireCode(t, err, "NoSuchObjectLockConfiguration")
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("plain")})
	require.NoError(t, err)
	require.Empty(t, head.ObjectLockLegalHoldStatus)

	for _, status := range []types.ObjectLockLegalHoldStatus{types.ObjectLockLegalHoldStatusOn, types.ObjectLockLegalHoldStatusOff} {
		_, err = e.s3.PutObjectLegalHold(e.ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("plain"),
			LegalHold: &types.ObjectLockLegalHold{Status: status}})
		require.NoError(t, err)
		got, err := e.s3.GetObjectLegalHold(e.ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("plain")})
		require.NoError(t, err)
		require.Equal(t, status, got.LegalHold.Status)
		head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("plain")})
		require.NoError(t, err)
		require.Equal(t, status, head.ObjectLockLegalHoldStatus)
	}

	// OFF in the header of the write counts as set.
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("off"), Body: strings.NewReader("x"),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOff})
	require.NoError(t, err)
	got, err := e.s3.GetObjectLegalHold(e.ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("off")})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockLegalHoldStatusOff, got.LegalHold.Status)
}

// TestSuspendedWritesSendNoVersionID: a PutObject, CopyObject or
// CompleteMultipartUpload in a bucket with versioning suspended writes the null
// version and, as S3 (ceph's s3-tests check it), answers without x-amz-version-id;
// a read of that version still names it "null".
func TestSuspendedWritesSendNoVersionID(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("compat-suspended")
	e.versioning(b, types.BucketVersioningStatusEnabled)
	require.NotEmpty(t, aws.ToString(e.put(b, "enabled", []byte("x")).VersionId))
	e.versioning(b, types.BucketVersioningStatusSuspended)

	put := e.put(b, "k", []byte("x"))
	require.Nil(t, put.VersionId)
	cp, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/k")})
	require.NoError(t, err)
	require.Nil(t, cp.VersionId)
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("z")})
	require.NoError(t, err)
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}})
	require.NoError(t, err)
	require.Nil(t, done.VersionId)

	for _, key := range []string{"k", "copy", "mp"} {
		head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
		require.Equal(t, "null", aws.ToString(head.VersionId), key)
	}
}

// TestGovernanceToComplianceNeedsBypass: turning a running GOVERNANCE retention into
// COMPLIANCE, even with the same date, overrides the GOVERNANCE setting and needs the
// bypass (s3-tests' test_object_lock_changing_mode_from_governance_*).
func TestGovernanceToComplianceNeedsBypass(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("compat-gov2comp")
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	vid := e.putLocked(b, "k", types.ObjectLockModeGovernance, until)
	err := e.retention(b, "k", vid, types.ObjectLockRetentionModeCompliance, until, false)
	requireCode(t, err, "AccessDenied")
	require.NoError(t, e.retention(b, "k", vid, types.ObjectLockRetentionModeGovernance, until.Add(time.Hour), false), "extending GOVERNANCE needs none")
	require.NoError(t, e.retention(b, "k", vid, types.ObjectLockRetentionModeCompliance, until.Add(time.Hour), true))
	got, err := e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid)})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockRetentionModeCompliance, got.Retention.Mode)
}
