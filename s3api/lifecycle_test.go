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
	"github.com/minio/minio-go/v7"
	mlc "github.com/minio/minio-go/v7/pkg/lifecycle"
	"github.com/stretchr/testify/require"
)

func (e *env) putLifecycle(bucket string, rules ...types.LifecycleRule) error {
	_, err := e.s3.PutBucketLifecycleConfiguration(e.ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: aws.String(bucket), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}})
	return err
}

func TestLifecycleConfigRoundTrip(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("lifecycle-rt")

	_, err := e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	requireError(t, err, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	_, err = e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("no-such-bucket")})
	requireCode(t, err, "NoSuchBucket")
	_, err = e.s3.DeleteBucketLifecycle(e.ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("no-such-bucket")})
	requireCode(t, err, "NoSuchBucket")
	requireCode(t, e.putLifecycle("no-such-bucket", types.LifecycleRule{ID: aws.String("x"), Status: types.ExpirationStatusEnabled,
		Filter: &types.LifecycleRuleFilter{}, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}), "NoSuchBucket")

	date := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled,
			Filter:     &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(30)}},
		{ID: aws.String("tmp-tagged"), Status: types.ExpirationStatusDisabled,
			Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{
				Prefix: aws.String("tmp/"), Tags: tagSet("class", "scratch"), ObjectSizeGreaterThan: aws.Int64(10), ObjectSizeLessThan: aws.Int64(1 << 20)}},
			Expiration: &types.LifecycleExpiration{Date: &date}},
		{ID: aws.String("versions"), Status: types.ExpirationStatusEnabled,
			Filter:                         &types.LifecycleRuleFilter{},
			NoncurrentVersionExpiration:    &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7), NewerNoncurrentVersions: aws.Int32(2)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(3)}},
		{ID: aws.String("markers"), Status: types.ExpirationStatusEnabled,
			Filter:     &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
	}
	require.NoError(t, e.putLifecycle(b, rules...))
	out, err := e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, out.Rules, 4)
	require.Equal(t, "logs", *out.Rules[0].ID)
	require.Equal(t, "logs/", *out.Rules[0].Filter.Prefix)
	require.Equal(t, int32(30), *out.Rules[0].Expiration.Days)
	and := out.Rules[1].Filter.And
	require.Equal(t, types.ExpirationStatusDisabled, out.Rules[1].Status)
	require.Equal(t, "tmp/", *and.Prefix)
	require.Equal(t, tagSet("class", "scratch"), and.Tags)
	require.Equal(t, int64(10), *and.ObjectSizeGreaterThan)
	require.Equal(t, int64(1<<20), *and.ObjectSizeLessThan)
	require.True(t, date.Equal(*out.Rules[1].Expiration.Date))
	require.Equal(t, int32(7), *out.Rules[2].NoncurrentVersionExpiration.NoncurrentDays)
	require.Equal(t, int32(2), *out.Rules[2].NoncurrentVersionExpiration.NewerNoncurrentVersions)
	require.Equal(t, int32(3), *out.Rules[2].AbortIncompleteMultipartUpload.DaysAfterInitiation)
	require.Equal(t, "k", *out.Rules[3].Filter.Tag.Key)

	// x-amz-expiration on PUT, GET and HEAD of an object a rule expires; not on others.
	put, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("logs/a"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	require.NotNil(t, put.Expiration)
	require.Contains(t, *put.Expiration, `rule-id="logs"`)
	head, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("logs/a")})
	require.NoError(t, err)
	require.Equal(t, *put.Expiration, *head.Expiration)
	want := head.LastModified.UTC().AddDate(0, 0, 30).Truncate(24*time.Hour).AddDate(0, 0, 1)
	require.Equal(t, `expiry-date="`+want.Format(http.TimeFormat)+`", rule-id="logs"`, *head.Expiration)
	get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("logs/a")})
	require.NoError(t, err)
	get.Body.Close()
	require.Equal(t, *put.Expiration, *get.Expiration)
	other := e.put(b, "data/a", []byte("x"))
	require.Nil(t, other.Expiration)
	cp, err := e.s3.CopyObject(e.ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("logs/copy"), CopySource: aws.String(b + "/data/a")})
	require.NoError(t, err)
	require.Contains(t, aws.ToString(cp.Expiration), `rule-id="logs"`, "CopyObject too")
	up, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("logs/mp")})
	require.NoError(t, err)
	part, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("logs/mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")})
	require.NoError(t, err)
	done, err := e.s3.CompleteMultipartUpload(e.ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("logs/mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32}}}})
	require.NoError(t, err)
	require.Contains(t, aws.ToString(done.Expiration), `rule-id="logs"`, "CompleteMultipartUpload too")

	_, err = e.s3.DeleteBucketLifecycle(e.ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	requireCode(t, err, "NoSuchLifecycleConfiguration")
	_, err = e.s3.DeleteBucketLifecycle(e.ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String(b)})
	require.NoError(t, err, "deleting an absent configuration is no error, as in S3")
}

func TestLifecycleConfigValidation(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("lifecycle-bad")
	enabled := types.ExpirationStatusEnabled
	all := &types.LifecycleRuleFilter{}
	days := func(n int32) *types.LifecycleExpiration { return &types.LifecycleExpiration{Days: aws.Int32(n)} }
	cases := []struct {
		name string
		rule types.LifecycleRule
		code string
		msg  string
	}{
		{"no action", types.LifecycleRule{ID: aws.String("a"), Status: enabled, Filter: all},
			"InvalidRequest", "At least one action needs to be specified in a rule"},
		{"zero days", types.LifecycleRule{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: days(0)},
			"InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"date not midnight", types.LifecycleRule{ID: aws.String("a"), Status: enabled, Filter: all,
			Expiration: &types.LifecycleExpiration{Date: aws.Time(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC))}},
			"InvalidArgument", "'Date' must be at midnight GMT"},
		{"days and date", types.LifecycleRule{ID: aws.String("a"), Status: enabled, Filter: all,
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1), Date: aws.Time(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}},
			"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema."},
		{"noncurrent zero", types.LifecycleRule{ID: aws.String("a"), Status: enabled, Filter: all,
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(0)}},
			"InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"marker with tag", types.LifecycleRule{ID: aws.String("a"), Status: enabled,
			Filter:     &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			Expiration: &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
			"InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags or object size filters."},
		{"abort with tag", types.LifecycleRule{ID: aws.String("a"), Status: enabled,
			Filter:                         &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
			"InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags or object size filters."},
		{"size bounds crossed", types.LifecycleRule{ID: aws.String("a"), Status: enabled,
			Filter:     &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{ObjectSizeGreaterThan: aws.Int64(100), ObjectSizeLessThan: aws.Int64(10)}},
			Expiration: days(1)},
			"InvalidRequest", "Invalid Filter: ObjectSizeGreaterThan must be less than ObjectSizeLessThan."},
		{"long id", types.LifecycleRule{ID: aws.String(strings.Repeat("i", 256)), Status: enabled, Filter: all, Expiration: days(1)},
			"InvalidArgument", "ID length should not exceed allowed limit of 255"},
		{"transition", types.LifecycleRule{ID: aws.String("cold"), Status: enabled, Filter: all,
			Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}},
			"NotImplemented", `Rule "cold": Transition and NoncurrentVersionTransition are not supported by Cairn, which stores every storage class the same way; use Expiration instead.`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireError(t, e.putLifecycle(b, c.rule), c.code, c.msg)
		})
	}
	dup := types.LifecycleRule{ID: aws.String("same"), Status: enabled, Filter: all, Expiration: days(1)}
	requireError(t, e.putLifecycle(b, dup, dup), "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule")
	_, err := e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	requireCode(t, err, "NoSuchLifecycleConfiguration") // nothing refused was stored

	// Over 1000 rules.
	many := make([]types.LifecycleRule, 1001)
	for i := range many {
		many[i] = types.LifecycleRule{ID: aws.String(strings.Repeat("r", 1+i%200) + string(rune('a'+i/200))), Status: enabled, Filter: all, Expiration: days(1)}
	}
	requireError(t, e.putLifecycle(b, many...), "InvalidRequest", "Lifecycle configuration cannot have more than 1000 rules.")
}

// TestLifecycleConfigRaw sends documents no SDK would: without a digest, legacy
// and V2 rules mixed, unparseable.
func TestLifecycleConfigRaw(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("lifecycle-raw")
	send := func(body string, md5sum bool) *http.Response {
		req, err := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"?lifecycle", strings.NewReader(body))
		require.NoError(t, err)
		if !md5sum {
			return e.unsignedPayload(req)
		}
		sum := md5.Sum([]byte(body))
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		return e.signedResponse(req, []byte(body))
	}
	legacy := `<LifecycleConfiguration><Rule><ID>old</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	resp := send(legacy, false)
	require.Equal(t, "InvalidRequest", errorCode(t, resp), "Content-MD5 or a checksum is required")
	resp = send(legacy, true)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp.Body.Close()
	out, err := e.s3.GetBucketLifecycleConfiguration(e.ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, "logs/", *out.Rules[0].Prefix, "a legacy rule comes back in its own form")
	require.Nil(t, out.Rules[0].Filter)

	mixed := `<LifecycleConfiguration><Rule><ID>old</ID><Prefix>a/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>` +
		`<Rule><ID>new</ID><Filter><Prefix>b/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	require.Equal(t, "InvalidRequest", errorCode(t, send(mixed, true)))
	both := `<LifecycleConfiguration><Rule><Prefix>a/</Prefix><Filter><Prefix>b/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	require.Equal(t, "MalformedXML", errorCode(t, send(both, true)))
	require.Equal(t, "MalformedXML", errorCode(t, send(`<LifecycleConfiguration>`, true)))
	require.Equal(t, "MalformedXML", errorCode(t, send(`<LifecycleConfiguration></LifecycleConfiguration>`, true)))
	noStatus := `<LifecycleConfiguration><Rule><Filter/><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	require.Equal(t, "MalformedXML", errorCode(t, send(noStatus, true)))
	twoConds := `<LifecycleConfiguration><Rule><Filter><Prefix>a</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	require.Equal(t, "MalformedXML", errorCode(t, send(twoConds, true)))
	badMD5 := httpReq(t, http.MethodPut, e.node.S3URL()+"/"+b+"?lifecycle", legacy)
	badMD5.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(make([]byte, 16)))
	require.Equal(t, "BadDigest", errorCode(t, e.signedResponse(badMD5, []byte(legacy))))
}

// unsignedPayload signs req with UNSIGNED-PAYLOAD (no digest of its body at all)
// and sends it.
func (e *env) unsignedPayload(req *http.Request) *http.Response {
	e.t.Helper()
	access, secret := e.node.RootCredentials()
	req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	require.NoError(e.t, v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func httpReq(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	return req
}

func TestLifecycleConfigMinio(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("lifecycle-minio")
	mc := minioClient(t, e)
	cfg := mlc.NewConfiguration()
	cfg.Rules = []mlc.Rule{{
		ID:         "expire-tmp",
		Status:     "Enabled",
		RuleFilter: mlc.Filter{Prefix: "tmp/"},
		Expiration: mlc.Expiration{Days: 5},
	}, {
		ID:                             "old-versions",
		Status:                         "Enabled",
		RuleFilter:                     mlc.Filter{Prefix: ""},
		NoncurrentVersionExpiration:    mlc.NoncurrentVersionExpiration{NoncurrentDays: 3},
		AbortIncompleteMultipartUpload: mlc.AbortIncompleteMultipartUpload{DaysAfterInitiation: 2},
	}}
	require.NoError(t, mc.SetBucketLifecycle(e.ctx, b, cfg))
	got, err := mc.GetBucketLifecycle(e.ctx, b)
	require.NoError(t, err)
	require.Len(t, got.Rules, 2)
	require.Equal(t, "expire-tmp", got.Rules[0].ID)
	require.Equal(t, "tmp/", got.Rules[0].RuleFilter.Prefix)
	require.Equal(t, mlc.ExpirationDays(5), got.Rules[0].Expiration.Days)
	require.Equal(t, mlc.ExpirationDays(3), got.Rules[1].NoncurrentVersionExpiration.NoncurrentDays)
	require.Equal(t, mlc.ExpirationDays(2), got.Rules[1].AbortIncompleteMultipartUpload.DaysAfterInitiation)

	info, err := mc.PutObject(e.ctx, b, "tmp/x", strings.NewReader("abc"), 3, minio.PutObjectOptions{})
	require.NoError(t, err)
	require.Equal(t, "expire-tmp", info.ExpirationRuleID)

	require.NoError(t, mc.SetBucketLifecycle(e.ctx, b, mlc.NewConfiguration()), "an empty configuration deletes it")
	_, err = mc.GetBucketLifecycle(e.ctx, b)
	require.Error(t, err)
	require.Equal(t, "NoSuchLifecycleConfiguration", minio.ToErrorResponse(err).Code)
}
