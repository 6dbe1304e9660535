package sigv4

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// presign returns a request for a URL presigned by the SDK signer at time at.
func presign(t *testing.T, ts *testServer, method, path, expires string, at time.Time, h http.Header, creds aws.Credentials, region string) *http.Request {
	t.Helper()
	req := newRequest(t, ts, method, path, "X-Amz-Expires="+expires+"&versionId=v%2B1", "")
	for k, v := range h {
		req.Header[k] = v
	}
	signed, hdr, err := s3Signer.PresignHTTP(context.Background(), creds, req, UnsignedPayload, "s3", region, at)
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(method, signed, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k != "Host" {
			out.Header[k] = v
		}
	}
	return out
}

func TestPresigned(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	ok := func(t *testing.T, req *http.Request) outcome {
		t.Helper()
		o := ts.do(t, req)
		wantOK(t, o)
		if !o.auth.Presigned || o.auth.AccessKeyID != testAccessKey {
			t.Errorf("auth %+v", o.auth)
		}
		return o
	}
	t.Run("get", func(t *testing.T) {
		ok(t, presign(t, ts, "GET", "/bucket/dir/ünï code+key=.txt", "3600", now, nil, testCreds, "us-east-1"))
	})
	t.Run("signed an hour ago", func(t *testing.T) {
		ok(t, presign(t, ts, "GET", "/bucket/key", "3601", now.Add(-time.Hour), nil, testCreds, "us-east-1"))
	})
	t.Run("a week", func(t *testing.T) {
		ok(t, presign(t, ts, "GET", "/bucket/key", "604800", now, nil, testCreds, "us-east-1"))
	})
	t.Run("a little in the future", func(t *testing.T) {
		ok(t, presign(t, ts, "GET", "/bucket/key", "60", now.Add(5*time.Minute), nil, testCreds, "us-east-1"))
	})
	t.Run("put with signed headers and a body", func(t *testing.T) {
		req := presign(t, ts, "PUT", "/bucket/key", "600", now, http.Header{"X-Amz-Meta-Owner": {"me"}, "Content-Type": {"text/plain"}}, testCreds, "us-east-1")
		req.Body, req.ContentLength = readCloser("presigned body"), int64(len("presigned body"))
		o := ok(t, req)
		if string(o.body) != "presigned body" || o.length != int64(len("presigned body")) {
			t.Errorf("body %q length %d", o.body, o.length)
		}
		if !strings.Contains(req.URL.RawQuery, "X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-owner") {
			t.Errorf("headers not signed as expected: %s", req.URL.RawQuery)
		}
	})

	t.Run("expired", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "3600", now.Add(-time.Hour-time.Second), nil, testCreds, "us-east-1")
		e := wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
		if e.Message != "Request has expired" || e.Extra["X-Amz-Expires"] != "3600" || e.Extra["Expires"] == "" || e.Extra["ServerTime"] == "" {
			t.Errorf("%q %v", e.Message, e.Extra)
		}
	})
	t.Run("longer than a week", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "604801", now, nil, testCreds, "us-east-1")
		e := wantCode(t, ts.do(t, req).err, s3err.AuthorizationQueryParametersError)
		if e.Message != "X-Amz-Expires must be less than a week (in seconds) that is; 604800" {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("not valid yet", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "3600", now.Add(20*time.Minute), nil, testCreds, "us-east-1")
		e := wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
		if e.Message != "Request is not valid yet" {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("expiry extended", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now.Add(-30*time.Second), nil, testCreds, "us-east-1")
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "X-Amz-Expires=60", "X-Amz-Expires=6000", 1)
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("other object", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "us-east-1")
		req.URL.Path = "/bucket/key2"
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("other method", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "us-east-1")
		req.Method = "DELETE"
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("unsigned x-amz header added", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "us-east-1")
		req.Header.Set("X-Amz-Acl", "public-read")
		e := wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
		if e.Extra["HeadersNotSigned"] != "x-amz-acl" {
			t.Errorf("extra %v", e.Extra)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: "s"}, "us-east-1")
		wantCode(t, ts.do(t, req).err, s3err.InvalidAccessKeyID)
	})
	t.Run("signed expires", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "+60", now, nil, testCreds, "us-east-1")
		wantCode(t, ts.do(t, req).err, s3err.AuthorizationQueryParametersError)
	})
	t.Run("upper-case signature", func(t *testing.T) {
		req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "us-east-1")
		q := req.URL.Query()
		q.Set("X-Amz-Signature", strings.ToUpper(q.Get("X-Amz-Signature")))
		req.URL.RawQuery = q.Encode()
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("any region", func(t *testing.T) {
		ok(t, presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "ap-south-1"))
	})
	t.Run("wrong region", func(t *testing.T) {
		strict := newTestVerifier(now)
		strict.RegionStrict = true
		sts := newTestServer(t, strict)
		req := presign(t, sts, "GET", "/bucket/key", "60", now, nil, testCreds, "ap-south-1")
		e := wantCode(t, sts.do(t, req).err, s3err.AuthorizationQueryParametersError)
		if e.Message != "Error parsing the X-Amz-Credential parameter; the region 'ap-south-1' is wrong; expecting 'us-east-1'" || e.Extra["Region"] != "us-east-1" {
			t.Errorf("%q %v", e.Message, e.Extra)
		}
	})
	for _, tc := range []struct {
		name, param, value string
	}{
		{"missing signed headers", "X-Amz-SignedHeaders", ""},
		{"expires not a number", "X-Amz-Expires", "soon"},
		{"negative expires", "X-Amz-Expires", "-1"},
		{"bad date", "X-Amz-Date", "2024-01-01"},
		{"other algorithm", "X-Amz-Algorithm", "AWS4-HMAC-SHA512"},
		{"bad credential", "X-Amz-Credential", "AKIAIOSFODNN7EXAMPLE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := presign(t, ts, "GET", "/bucket/key", "60", now, nil, testCreds, "us-east-1")
			q := req.URL.Query()
			if tc.value == "" {
				q.Del(tc.param)
			} else {
				q.Set(tc.param, tc.value)
			}
			req.URL.RawQuery = q.Encode()
			wantCode(t, ts.do(t, req).err, s3err.AuthorizationQueryParametersError)
		})
	}
	t.Run("sigv2 expired", func(t *testing.T) {
		req := newRequest(t, ts, "GET", "/bucket/key", "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1700000000&Signature="+url.QueryEscape("abc+/="), "")
		wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
	})
}

func TestPresignMaxExpiryConfigurable(t *testing.T) {
	now := time.Now().UTC()
	v := newTestVerifier(now)
	v.MaxPresignExpiry = time.Hour
	ts := newTestServer(t, v)
	wantOK(t, ts.do(t, presign(t, ts, "GET", "/b/k", "3600", now, nil, testCreds, "us-east-1")))
	e := wantCode(t, ts.do(t, presign(t, ts, "GET", "/b/k", "3601", now, nil, testCreds, "us-east-1")).err, s3err.AuthorizationQueryParametersError)
	if e.Message != "X-Amz-Expires must be at most 3600 seconds" {
		t.Errorf("message %q", e.Message)
	}
}
