package s3api_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// lockedBucket creates a bucket with object lock enabled.
func (e *env) lockedBucket(name string) string {
	e.t.Helper()
	_, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String(name), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(e.t, err)
	return name
}

// putLocked writes a version with a retention (mode "" for none) and returns its id.
func (e *env) putLocked(bucket, key string, mode types.ObjectLockMode, until time.Time) string {
	e.t.Helper()
	in := putInput(bucket, key, "locked "+key)
	if mode != "" {
		in.ObjectLockMode, in.ObjectLockRetainUntilDate = mode, aws.Time(until)
	}
	out, err := e.s3.PutObject(e.ctx, in)
	require.NoError(e.t, err)
	require.NotEmpty(e.t, aws.ToString(out.VersionId))
	return aws.ToString(out.VersionId)
}

func (e *env) deleteVersion(c *s3.Client, bucket, key, vid string, bypass bool) error {
	in := &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(vid)}
	if bypass {
		in.BypassGovernanceRetention = aws.Bool(true)
	}
	_, err := c.DeleteObject(e.ctx, in)
	return err
}

func (e *env) retention(bucket, key, vid string, mode types.ObjectLockRetentionMode, until time.Time, bypass bool) error {
	in := &s3.PutObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(vid),
		Retention: &types.ObjectLockRetention{Mode: mode, RetainUntilDate: aws.Time(until)}}
	if bypass {
		in.BypassGovernanceRetention = aws.Bool(true)
	}
	_, err := e.s3.PutObjectRetention(e.ctx, in)
	return err
}

func TestObjectLockBucketConfiguration(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-config")
	v, err := e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, types.BucketVersioningStatusEnabled, v.Status, "object lock turns versioning on")
	_, err = e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
	requireCode(t, err, "InvalidBucketState")
	got, err := e.s3.GetObjectLockConfiguration(e.ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockEnabledEnabled, got.ObjectLockConfiguration.ObjectLockEnabled)
	require.Nil(t, got.ObjectLockConfiguration.Rule)

	// A default retention, read back.
	_, err = e.s3.PutObjectLockConfiguration(e.ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(b),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(2)}}}})
	require.NoError(t, err)
	got, err = e.s3.GetObjectLockConfiguration(e.ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockRetentionModeGovernance, got.ObjectLockConfiguration.Rule.DefaultRetention.Mode)
	require.Equal(t, int32(2), aws.ToInt32(got.ObjectLockConfiguration.Rule.DefaultRetention.Days))

	// Bad configurations.
	for _, dr := range []*types.DefaultRetention{
		{Mode: types.ObjectLockRetentionModeGovernance},                                          // no period
		{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1), Years: aws.Int32(1)}, // both
		{Days: aws.Int32(1)}, // no mode
	} {
		_, err = e.s3.PutObjectLockConfiguration(e.ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(b),
			ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
				Rule: &types.ObjectLockRule{DefaultRetention: dr}}})
		requireCode(t, err, "MalformedXML")
	}
	_, err = e.s3.PutObjectLockConfiguration(e.ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(b),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Days: aws.Int32(0)}}}})
	requireCode(t, err, "InvalidRetentionPeriod")

	// A bucket without object lock: none to read, none to write on, until versioning
	// is Enabled.
	plain := e.bucket("lock-plain")
	_, err = e.s3.GetObjectLockConfiguration(e.ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(plain)})
	requireCode(t, err, "ObjectLockConfigurationNotFoundError")
	in := putInput(plain, "k", "x")
	in.ObjectLockLegalHoldStatus = types.ObjectLockLegalHoldStatusOn
	_, err = e.s3.PutObject(e.ctx, in)
	requireCode(t, err, "InvalidRequest")
	e.put(plain, "k", []byte("x"))
	_, err = e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(plain), Key: aws.String("k")})
	requireCode(t, err, "InvalidRequest")
	enable := &s3.PutObjectLockConfigurationInput{Bucket: aws.String(plain),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}}
	_, err = e.s3.PutObjectLockConfiguration(e.ctx, enable)
	requireCode(t, err, "InvalidBucketState")
	e.versioning(plain, types.BucketVersioningStatusEnabled)
	_, err = e.s3.PutObjectLockConfiguration(e.ctx, enable)
	require.NoError(t, err)
	_, err = e.s3.GetObjectLockConfiguration(e.ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(plain)})
	require.NoError(t, err)
	// The null version written before can now be given a retention.
	require.NoError(t, e.retention(plain, "k", "null", types.ObjectLockRetentionModeCompliance, time.Now().Add(time.Hour), false))
	requireDenied(t, e.deleteVersion(e.s3, plain, "k", "null", true), "Access Denied because object protected by object lock.")
}

// TestObjectLockDefaultRetention: the bucket's default is given to new versions by
// PUT, copy and multipart upload, unless the request names its own.
func TestObjectLockDefaultRetention(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-default")
	_, err := e.s3.PutObjectLockConfiguration(e.ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(b),
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeCompliance, Years: aws.Int32(1)}}}})
	require.NoError(t, err)
	before := time.Now()
	vid := e.putLocked(b, "plain", "", time.Time{})
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("plain"), VersionId: aws.String(vid)})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockModeCompliance, head.ObjectLockMode)
	until := aws.ToTime(head.ObjectLockRetainUntilDate)
	require.WithinDuration(t, before.AddDate(1, 0, 0), until, time.Minute)
	ret, err := e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("plain")})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockRetentionModeCompliance, ret.Retention.Mode)
	require.True(t, until.Equal(aws.ToTime(ret.Retention.RetainUntilDate)))

	// Its own retention wins over the default.
	own := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	vid = e.putLocked(b, "own", types.ObjectLockModeGovernance, own)
	get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("own"), VersionId: aws.String(vid)})
	require.NoError(t, err)
	get.Body.Close()
	require.Equal(t, types.ObjectLockModeGovernance, get.ObjectLockMode)
	require.True(t, own.Equal(aws.ToTime(get.ObjectLockRetainUntilDate)))

	// A copy gets the default, not its source's lock.
	cp, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/own")})
	require.NoError(t, err)
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), VersionId: cp.VersionId})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockModeCompliance, head.ObjectLockMode)

	// A multipart upload: its own legal hold, and the default retention at completion.
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"),
		ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	require.NoError(t, err)
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32}}}})
	require.NoError(t, err)
	head, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("mp"), VersionId: done.VersionId})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockModeCompliance, head.ObjectLockMode)
	require.Equal(t, types.ObjectLockLegalHoldStatusOn, head.ObjectLockLegalHoldStatus)
	requireDenied(t, e.deleteVersion(e.s3, b, "mp", aws.ToString(done.VersionId), true), "Access Denied because object protected by object lock.")
}

// TestObjectLockRefusesEveryRemoval: each way of removing a locked version is
// refused: DELETE with a version id, DeleteObjects with version ids, DeleteBucket.
// A delete marker on top is allowed.
func TestObjectLockRefusesEveryRemoval(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-removal")
	hour := time.Now().Add(time.Hour)
	comp := e.putLocked(b, "comp", types.ObjectLockModeCompliance, hour)
	gov := e.putLocked(b, "gov", types.ObjectLockModeGovernance, hour)
	hold := e.putLocked(b, "hold", "", time.Time{})
	_, err := e.s3.PutObjectLegalHold(e.ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("hold"), VersionId: aws.String(hold),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
	require.NoError(t, err)
	lh, err := e.s3.GetObjectLegalHold(e.ctx, &s3.GetObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("hold")})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockLegalHoldStatusOn, lh.LegalHold.Status)

	const denied = "Access Denied because object protected by object lock."
	// Root, with or without the bypass, cannot remove COMPLIANCE or a legal hold.
	for _, bypass := range []bool{false, true} {
		requireDenied(t, e.deleteVersion(e.s3, b, "comp", comp, bypass), denied)
		requireDenied(t, e.deleteVersion(e.s3, b, "hold", hold, bypass), denied)
	}
	requireDenied(t, e.deleteVersion(e.s3, b, "gov", gov, false), denied)

	// DeleteObjects: each locked version is an AccessDenied item.
	del := func(bypass bool, ids ...[2]string) *s3.DeleteObjectsOutput {
		var objs []types.ObjectIdentifier
		for _, id := range ids {
			objs = append(objs, types.ObjectIdentifier{Key: aws.String(id[0]), VersionId: aws.String(id[1])})
		}
		in := &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: objs}}
		if bypass {
			in.BypassGovernanceRetention = aws.Bool(true)
		}
		out, err := e.s3.DeleteObjects(e.ctx, in)
		require.NoError(t, err)
		return out
	}
	out := del(false, [2]string{"comp", comp}, [2]string{"gov", gov}, [2]string{"hold", hold})
	require.Empty(t, out.Deleted)
	require.Len(t, out.Errors, 3)
	for _, er := range out.Errors {
		require.Equal(t, "AccessDenied", aws.ToString(er.Code))
	}
	out = del(true, [2]string{"comp", comp}, [2]string{"hold", hold})
	require.Len(t, out.Errors, 2, "the bypass does not reach COMPLIANCE or a legal hold")

	// DeleteBucket: refused while the versions remain.
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	requireCode(t, err, "BucketNotEmpty")

	// A DELETE without a version id makes a delete marker; the version stays.
	dm, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("comp")})
	require.NoError(t, err)
	require.True(t, aws.ToBool(dm.DeleteMarker))
	data, _, err := e.getVersion(b, "comp", comp)
	require.NoError(t, err)
	require.Equal(t, "locked comp", string(data))
	// The lock calls on a delete marker: the current one is 404, by its id 405.
	_, err = e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("comp")})
	requireCode(t, err, "NoSuchKey")
	_, err = e.s3.PutObjectLegalHold(e.ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("comp"), VersionId: dm.VersionId,
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOn}})
	requireCode(t, err, "MethodNotAllowed")
	// A version without a retention has none to read.
	_, err = e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("hold"), VersionId: aws.String(hold)})
	requireCode(t, err, "NoSuchObjectLockConfiguration")

	// COMPLIANCE cannot be shortened, weakened or removed by root, even with the
	// bypass; it can be extended.
	for _, bypass := range []bool{false, true} {
		requireDenied(t, e.retention(b, "comp", comp, types.ObjectLockRetentionModeCompliance, hour.Add(-time.Minute), bypass), denied)
		requireDenied(t, e.retention(b, "comp", comp, types.ObjectLockRetentionModeGovernance, hour.Add(time.Hour), bypass), denied)
	}
	_, err = e.s3.PutObjectRetention(e.ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("comp"), VersionId: aws.String(comp),
		Retention: &types.ObjectLockRetention{}, BypassGovernanceRetention: aws.Bool(true)})
	requireDenied(t, err, denied)
	require.NoError(t, e.retention(b, "comp", comp, types.ObjectLockRetentionModeCompliance, hour.Add(time.Hour), false))
	ret, err := e.s3.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("comp"), VersionId: aws.String(comp)})
	require.NoError(t, err)
	require.WithinDuration(t, hour.Add(time.Hour), aws.ToTime(ret.Retention.RetainUntilDate), time.Second)
	// A retention date in the past is refused.
	requireCode(t, e.retention(b, "gov", gov, types.ObjectLockRetentionModeGovernance, time.Now().Add(-time.Hour), true), "InvalidArgument")

	// Root bypasses GOVERNANCE with the header; the legal hold lifted, that version
	// goes too.
	require.NoError(t, e.deleteVersion(e.s3, b, "gov", gov, true))
	_, err = e.s3.PutObjectLegalHold(e.ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String(b), Key: aws.String("hold"), VersionId: aws.String(hold),
		LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	require.NoError(t, err)
	require.NoError(t, e.deleteVersion(e.s3, b, "hold", hold, false))
}

// TestObjectLockGovernanceBypassNeedsHeaderAndPermission: a user allowed to delete
// versions removes a GOVERNANCE version only with the header AND
// s3:BypassGovernanceRetention; the same holds for shortening its retention.
func TestObjectLockGovernanceBypassNeedsHeaderAndPermission(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-bypass")
	const base = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject*","s3:PutObject*","s3:DeleteObject*","s3:ListBucket*"],"Resource":["arn:aws:s3:::lock-bypass","arn:aws:s3:::lock-bypass/*"]}%s]}`
	without, _ := e.user("no-bypass", strings.Replace(base, "%s", "", 1))
	with, _ := e.user("bypasser", strings.Replace(base, "%s", `,{"Effect":"Allow","Action":"s3:BypassGovernanceRetention","Resource":"arn:aws:s3:::lock-bypass/*"}`, 1))
	const denied = "Access Denied because object protected by object lock."
	until := time.Now().Add(time.Hour)
	v1 := e.putLocked(b, "k", types.ObjectLockModeGovernance, until)
	v2 := e.putLocked(b, "k", types.ObjectLockModeGovernance, until)

	requireDenied(t, e.deleteVersion(without, b, "k", v1, false), denied)
	requireDenied(t, e.deleteVersion(without, b, "k", v1, true), denied) // header, no permission
	requireDenied(t, e.deleteVersion(with, b, "k", v1, false), denied)   // permission, no header
	_, err := without.PutObjectRetention(e.ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(v2),
		Retention:                 &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(until.Add(-time.Minute))},
		BypassGovernanceRetention: aws.Bool(true)})
	requireDenied(t, err, denied)
	out, err := without.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), BypassGovernanceRetention: aws.Bool(true),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k"), VersionId: aws.String(v2)}}}})
	require.NoError(t, err)
	require.Len(t, out.Errors, 1)

	// Both: the version goes, by DELETE and by DeleteObjects.
	require.NoError(t, e.deleteVersion(with, b, "k", v1, true))
	out, err = with.DeleteObjects(e.ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), BypassGovernanceRetention: aws.Bool(true),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k"), VersionId: aws.String(v2)}}}})
	require.NoError(t, err)
	require.Empty(t, out.Errors)
	require.Len(t, out.Deleted, 1)

	// Setting a retention needs s3:PutObjectRetention: a user without it cannot
	// write a locked version.
	reader, _ := e.user("lock-reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::lock-bypass/*"}]}`)
	in := putInput(b, "r", "x")
	in.ObjectLockMode, in.ObjectLockRetainUntilDate = types.ObjectLockModeCompliance, aws.Time(until)
	_, err = reader.PutObject(e.ctx, in)
	requireCode(t, err, "AccessDenied")
	_, err = reader.PutObject(e.ctx, putInput(b, "r", "x"))
	require.NoError(t, err, "a plain PUT is still allowed")

	// GET and HEAD show the lock only to callers allowed to read it.
	locked := e.putLocked(b, "shown", types.ObjectLockModeGovernance, until)
	getter, _ := e.user("getter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject*","Resource":"arn:aws:s3:::lock-bypass/*"}]}`)
	plainReader, _ := e.user("plain-reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::lock-bypass/*"}]}`)
	head, err := getter.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("shown"), VersionId: aws.String(locked)})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockModeGovernance, head.ObjectLockMode)
	head, err = plainReader.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("shown"), VersionId: aws.String(locked)})
	require.NoError(t, err)
	require.Empty(t, head.ObjectLockMode)
	require.Nil(t, head.ObjectLockRetainUntilDate)
}

// TestObjectLockWritesNeedIntegrity: a lock write whose body is protected by neither
// Content-MD5, a checksum nor a signed payload hash is refused, as S3 refuses one
// without Content-MD5 or a checksum.
func TestObjectLockWritesNeedIntegrity(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-integrity")
	vid := e.putLocked(b, "k", "", time.Time{})
	send := func(method, target string, body []byte, withMD5 bool, extra map[string]string) *http.Response {
		req, err := http.NewRequest(method, e.node.S3URL()+target, bytes.NewReader(body))
		require.NoError(t, err)
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		if withMD5 {
			sum := md5.Sum(body)
			req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		}
		req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
		access, secret := e.node.RootCredentials()
		require.NoError(t, v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	hold := []byte(`<LegalHold><Status>ON</Status></LegalHold>`)
	resp := send(http.MethodPut, "/"+b+"/k?legal-hold&versionId="+vid, hold, false, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "InvalidRequest", errorCode(t, resp))
	resp = send(http.MethodPut, "/"+b+"/k?legal-hold&versionId="+vid, hold, true, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	until := map[string]string{"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}
	resp = send(http.MethodPut, "/"+b+"/p", []byte("x"), false, until)
	require.Equal(t, "InvalidRequest", errorCode(t, resp))
	resp = send(http.MethodPut, "/"+b+"/p", []byte("x"), true, until)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// Malformed lock headers.
	for _, h := range []map[string]string{
		{"x-amz-object-lock-mode": "GOVERNANCE"},
		{"x-amz-object-lock-mode": "FOREVER", "x-amz-object-lock-retain-until-date": "2099-01-01T00:00:00Z"},
		{"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "tomorrow"},
		{"x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-retain-until-date": "2001-01-01T00:00:00Z"},
		{"x-amz-object-lock-legal-hold": "MAYBE"},
	} {
		resp = send(http.MethodPut, "/"+b+"/bad", []byte("x"), true, h)
		require.Equal(t, "InvalidArgument", errorCode(t, resp), "%v", h)
	}
}

// TestObjectLockConditionKeys: s3:object-lock-remaining-retention-days caps the
// retention a user may set, on PutObject (from the headers) and PutObjectRetention
// (from the body).
func TestObjectLockConditionKeys(t *testing.T) {
	e := newEnv(t)
	b := e.lockedBucket("lock-conditions")
	c, _ := e.user("capped", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:PutObject","s3:PutObjectRetention","s3:GetObject*"],"Resource":"arn:aws:s3:::lock-conditions/*"},
		{"Effect":"Deny","Action":["s3:PutObject","s3:PutObjectRetention"],"Resource":"arn:aws:s3:::lock-conditions/*",
		 "Condition":{"NumericGreaterThan":{"s3:object-lock-remaining-retention-days":"30"}}}]}`)
	put := func(days int) (*s3.PutObjectOutput, error) {
		in := putInput(b, "k", "x")
		in.ObjectLockMode, in.ObjectLockRetainUntilDate = types.ObjectLockModeGovernance, aws.Time(time.Now().AddDate(0, 0, days))
		return c.PutObject(e.ctx, in)
	}
	_, err := put(60)
	requireCode(t, err, "AccessDenied")
	out, err := put(10)
	require.NoError(t, err)
	_, err = c.PutObjectRetention(e.ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: out.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().AddDate(0, 0, 60))}})
	requireCode(t, err, "AccessDenied")
	_, err = c.PutObjectRetention(e.ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: out.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().AddDate(0, 0, 20))}})
	require.NoError(t, err, "an extension within the cap")
}
