package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// AWS's "Example: Browser-Based Upload using HTTP POST (Using AWS Signature Version 4)".
const (
	docPolicy    = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"
	docPolicySig = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
)

func docPostFields() map[string]string {
	return map[string]string{
		"key":                          "user/user1/photo.jpg",
		"acl":                          "public-read",
		"success_action_redirect":      "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html",
		"content-type":                 "image/jpeg",
		"x-amz-meta-uuid":              "14365123651274",
		"x-amz-server-side-encryption": "AES256",
		"x-amz-credential":             "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
		"x-amz-algorithm":              "AWS4-HMAC-SHA256",
		"x-amz-date":                   "20151229T000000Z",
		"x-amz-meta-tag":               "",
		"policy":                       docPolicy,
		"x-amz-signature":              docPolicySig,
	}
}

var docPostTime = time.Date(2015, 12, 29, 10, 0, 0, 0, time.UTC)

func TestPostPolicyDocExample(t *testing.T) {
	v := newTestVerifier(docPostTime)
	ctx := context.Background()
	pp, err := v.VerifyPostPolicy(ctx, "sigv4examplebucket", docPostFields())
	if err != nil {
		t.Fatal(err)
	}
	if pp.AccessKeyID != testAccessKey || pp.MinSize != 0 || pp.MaxSize != -1 || !pp.Expiration.Equal(time.Date(2015, 12, 30, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", pp)
	}

	msg := func(t *testing.T, err error, code s3err.Code, want string) {
		t.Helper()
		if e := wantCode(t, err, code); want != "" && e.Message != want {
			t.Errorf("message %q, want %q", e.Message, want)
		}
	}
	with := func(k, v string) map[string]string {
		f := docPostFields()
		f[k] = v
		return f
	}
	without := func(k string) map[string]string {
		f := docPostFields()
		delete(f, k)
		return f
	}
	for _, tc := range []struct {
		name   string
		bucket string
		fields map[string]string
		now    time.Time
		code   s3err.Code
		msg    string
	}{
		{"expired", "sigv4examplebucket", docPostFields(), time.Date(2015, 12, 30, 12, 0, 1, 0, time.UTC), s3err.AccessDenied, "Invalid according to Policy: Policy expired."},
		{"other bucket", "otherbucket", docPostFields(), docPostTime, s3err.AccessDenied, `Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "sigv4examplebucket"]`},
		{"key outside prefix", "sigv4examplebucket", with("key", "user/user2/photo.jpg"), docPostTime, s3err.AccessDenied, `Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "user/user1/"]`},
		{"other acl", "sigv4examplebucket", with("acl", "private"), docPostTime, s3err.AccessDenied, `Invalid according to Policy: Policy Condition failed: ["eq", "$acl", "public-read"]`},
		{"content type", "sigv4examplebucket", with("content-type", "text/html"), docPostTime, s3err.AccessDenied, `Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]`},
		{"one of several content types", "sigv4examplebucket", with("content-type", "image/png, text/html"), docPostTime, s3err.AccessDenied, ""},
		{"missing field of an eq", "sigv4examplebucket", without("x-amz-meta-uuid"), docPostTime, s3err.AccessDenied, `Invalid according to Policy: Policy Condition failed: ["eq", "$x-amz-meta-uuid", "14365123651274"]`},
		{"extra field", "sigv4examplebucket", with("x-amz-meta-extra", "1"), docPostTime, s3err.AccessDenied, "Invalid according to Policy: Extra input fields: x-amz-meta-extra"},
		{"tampered policy", "sigv4examplebucket", with("policy", docPolicy[:len(docPolicy)-4]+"fQ=="), docPostTime, s3err.SignatureDoesNotMatch, ""},
		{"wrong signature", "sigv4examplebucket", with("x-amz-signature", strings.Repeat("0", 64)), docPostTime, s3err.SignatureDoesNotMatch, ""},
		{"upper-case signature", "sigv4examplebucket", with("x-amz-signature", strings.ToUpper(docPolicySig)), docPostTime, s3err.SignatureDoesNotMatch, ""},
		{"unknown key", "sigv4examplebucket", with("x-amz-credential", "AKIAOTHER/20151229/us-east-1/s3/aws4_request"), docPostTime, s3err.InvalidAccessKeyID, ""},
		{"wrong region", "sigv4examplebucket", with("x-amz-credential", "AKIAIOSFODNN7EXAMPLE/20151229/eu-west-1/s3/aws4_request"), docPostTime, s3err.InvalidArgument, ""},
		{"no signature", "sigv4examplebucket", without("x-amz-signature"), docPostTime, s3err.InvalidArgument, "Bucket POST must contain a field named 'x-amz-signature'.  If it is specified, please check the order of the fields."},
		{"no credential", "sigv4examplebucket", without("x-amz-credential"), docPostTime, s3err.InvalidArgument, ""},
		{"other algorithm", "sigv4examplebucket", with("x-amz-algorithm", "AWS4-HMAC-SHA1"), docPostTime, s3err.InvalidArgument, ""},
		{"bad date", "sigv4examplebucket", with("x-amz-date", "yesterday"), docPostTime, s3err.InvalidArgument, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			strict := newTestVerifier(tc.now)
			strict.RegionStrict = true // for "wrong region"
			_, err := strict.VerifyPostPolicy(ctx, tc.bucket, tc.fields)
			msg(t, err, tc.code, tc.msg)
		})
	}

	// Fields AWS exempts from the conditions.
	f := docPostFields()
	f["x-ignore-submit"] = "Upload"
	f["file"] = "ignored"
	if _, err := v.VerifyPostPolicy(ctx, "sigv4examplebucket", f); err != nil {
		t.Errorf("exempt fields: %v", err)
	}
}

// signPolicy returns form fields signed for a policy document.
func signPolicy(policyJSON string, at time.Time, extra map[string]string) map[string]string {
	b64 := base64.StdEncoding.EncodeToString([]byte(policyJSON))
	key := testSigningKey(testSecretKey, at.Format(iso8601Date), "us-east-1", "s3")
	f := map[string]string{
		"policy":           b64,
		"x-amz-algorithm":  "AWS4-HMAC-SHA256",
		"x-amz-credential": testAccessKey + "/" + at.Format(iso8601Date) + "/us-east-1/s3/aws4_request",
		"x-amz-date":       at.Format(iso8601Basic),
		"x-amz-signature":  hex.EncodeToString(hmacSHA256(key, b64)),
	}
	maps.Copy(f, extra)
	return f
}

func TestPostPolicyConditions(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	v := newTestVerifier(now)
	ctx := context.Background()
	const signedFields = `{"x-amz-algorithm":"AWS4-HMAC-SHA256"},["starts-with","$x-amz-credential",""],["eq","$x-amz-date","20240601T120000Z"]`
	pol := func(conds string) string {
		return `{"expiration":"2024-06-02T00:00:00Z","conditions":[` + signedFields + `,` + conds + `]}`
	}

	pp, err := v.VerifyPostPolicy(ctx, "b", signPolicy(pol(`{"bucket":"b"},["eq","$key","k"],["content-length-range",10,"2048"],["content-length-range",0,4096],["starts-with","$success_action_status",""]`), now,
		map[string]string{"key": "k", "success_action_status": "201"}))
	if err != nil {
		t.Fatal(err)
	}
	if pp.MinSize != 10 || pp.MaxSize != 2048 {
		t.Errorf("sizes %d..%d, want 10..2048", pp.MinSize, pp.MaxSize)
	}

	for _, tc := range []struct {
		name, policy string
		code         s3err.Code
	}{
		{"not base64", "", s3err.InvalidPolicyDocument},
		{"not json", "{", s3err.InvalidPolicyDocument},
		{"no expiration", `{"conditions":[]}`, s3err.InvalidPolicyDocument},
		{"bad expiration", `{"expiration":"tomorrow","conditions":[]}`, s3err.InvalidPolicyDocument},
		{"unknown operator", pol(`["matches","$key","k"]`), s3err.InvalidPolicyDocument},
		{"field without $", pol(`["eq","key","k"]`), s3err.InvalidPolicyDocument},
		{"bad range", pol(`["content-length-range",10,5]`), s3err.InvalidPolicyDocument},
		{"condition not a string", pol(`{"key":5}`), s3err.InvalidPolicyDocument},
		{"no conditions, fields uncovered", `{"expiration":"2024-06-02T00:00:00Z"}`, s3err.AccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := signPolicy(tc.policy, now, map[string]string{"key": "k"})
			if tc.name == "not base64" {
				f["policy"] = "%%%"
				key := testSigningKey(testSecretKey, "20240601", "us-east-1", "s3")
				f["x-amz-signature"] = hex.EncodeToString(hmacSHA256(key, "%%%"))
			}
			_, err := v.VerifyPostPolicy(ctx, "b", f)
			wantCode(t, err, tc.code)
		})
	}

	// Condition names are case-insensitive; values are not.
	if _, err := v.VerifyPostPolicy(ctx, "b", signPolicy(pol(`{"Bucket":"b"},["EQ","$Key","K"]`), now, map[string]string{"key": "K"})); err != nil {
		t.Errorf("case-insensitive names: %v", err)
	}
	if _, err := v.VerifyPostPolicy(ctx, "b", signPolicy(pol(`{"bucket":"b"},["eq","$key","K"]`), now, map[string]string{"key": "k"})); err == nil {
		t.Error("value compared without case")
	}
}

func TestPostPolicyAnonymousAndV2(t *testing.T) {
	v := newTestVerifier(time.Now())
	pp, err := v.VerifyPostPolicy(context.Background(), "b", map[string]string{"key": "k", "acl": "public-read"})
	if err != nil || pp.AccessKeyID != "" || pp.MaxSize != -1 {
		t.Errorf("anonymous form: %+v, %v", pp, err)
	}
	_, err = v.VerifyPostPolicy(context.Background(), "b", map[string]string{"key": "k", "awsaccesskeyid": testAccessKey, "signature": "abc=", "policy": docPolicy})
	wantCode(t, err, s3err.SignatureDoesNotMatch)

	// A Signature Version 2 form, as boto3's generate_presigned_post makes by default.
	doc := base64.StdEncoding.EncodeToString([]byte(`{"expiration":"` + time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z") +
		`","conditions":[{"bucket":"b"},["starts-with","$key","up/"],["content-length-range",1,100]]}`))
	v2 := func(key, secret string) map[string]string {
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(doc))
		return map[string]string{"key": key, "awsaccesskeyid": testAccessKey, "policy": doc, "signature": base64.StdEncoding.EncodeToString(m.Sum(nil))}
	}
	pp, err = v.VerifyPostPolicy(context.Background(), "b", v2("up/file", testSecretKey))
	if err != nil || pp.AccessKeyID != testAccessKey || pp.MaxSize != 100 {
		t.Errorf("V2 form: %+v, %v", pp, err)
	}
	_, err = v.VerifyPostPolicy(context.Background(), "b", v2("elsewhere", testSecretKey))
	wantCode(t, err, s3err.AccessDenied)
	_, err = v.VerifyPostPolicy(context.Background(), "b", v2("up/file", "not the secret"))
	wantCode(t, err, s3err.SignatureDoesNotMatch)
	_, err = v.VerifyPostPolicy(context.Background(), "b", map[string]string{"key": "k", "policy": docPolicy})
	wantCode(t, err, s3err.InvalidArgument)
}
