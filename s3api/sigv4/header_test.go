package sigv4

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

var testCreds = aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}

// s3Signer signs as the S3 client of aws-sdk-go-v2 does: the path is signed as sent.
var s3Signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })

// newRequest builds a request to the test server for bucket/key paths given decoded;
// the path is escaped the way the S3 SDKs escape object keys.
func newRequest(t *testing.T, ts *testServer, method, path, rawQuery string, body string) *http.Request {
	t.Helper()
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = path
	u.RawPath = uriEncode(path, false)
	u.RawQuery = rawQuery
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// sign signs req with the SDK signer; payloadHash "" means the SHA-256 of body.
func sign(t *testing.T, req *http.Request, body, payloadHash string, creds aws.Credentials, region string, at time.Time) {
	t.Helper()
	if payloadHash == "" {
		payloadHash = sha256Hex([]byte(body))
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	signer := s3Signer
	if creds.SecretAccessKey != testSecretKey {
		// The SDK caches derived keys by access key and date, not by secret.
		signer = v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	}
	if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, "s3", region, at); err != nil {
		t.Fatal(err)
	}
}

func TestHeaderSignatureSDK(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	for _, tc := range []struct {
		name, method, path, query, body string
		header                          http.Header
		host                            string
	}{
		{name: "get", method: "GET", path: "/bucket/key"},
		{name: "root", method: "GET", path: "/"},
		{name: "put with body", method: "PUT", path: "/bucket/photos/2024/cat.jpg", body: "meow"},
		{name: "space plus equals", method: "PUT", path: "/bucket/a b+c=d&e;f,g", body: "x"},
		{name: "unicode", method: "PUT", path: "/bucket/ünïcødé/日本語 ✓.txt", body: "x"},
		{name: "reserved characters", method: "GET", path: "/bucket/~tilde_(paren)!*'@$:%25"},
		{name: "double slash", method: "GET", path: "/bucket//a//b/"},
		{name: "list query", method: "GET", path: "/bucket", query: "list-type=2&prefix=a%20b%2Bc&delimiter=%2F&max-keys=10&encoding-type=url"},
		{name: "subresource without value", method: "GET", path: "/bucket", query: "uploads&prefix=x"},
		{name: "repeated query parameter", method: "GET", path: "/bucket", query: "b=2&a=1&b=1"},
		{name: "sort after encoding", method: "GET", path: "/bucket", query: "p=a-b&p=a%2Fb"},
		{name: "virtual host", method: "GET", path: "/key", host: "bucket.s3.example.com"},
		{name: "multi-valued and spaced headers", method: "PUT", path: "/bucket/k", body: "data", header: http.Header{
			"X-Amz-Meta-Multi":  {"one", "two"},
			"X-Amz-Meta-Spaces": {"  lots   of    spaces  "},
			"Content-Type":      {"text/plain;  charset=utf-8"},
		}},
		{name: "post with query", method: "POST", path: "/bucket/k", query: "uploadId=abc%2Fdef&x-id=CompleteMultipartUpload", body: "<xml/>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, ts, tc.method, tc.path, tc.query, tc.body)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			if tc.host != "" {
				req.Host = tc.host
			}
			sign(t, req, tc.body, "", testCreds, "us-east-1", now)
			o := ts.do(t, req)
			wantOK(t, o)
			if o.auth.AccessKeyID != testAccessKey || o.auth.Presigned || o.auth.Anonymous() {
				t.Errorf("auth %+v", o.auth)
			}
			if string(o.body) != tc.body {
				t.Errorf("body %q, want %q", o.body, tc.body)
			}
		})
	}
}

// A generic SigV4 signer (one that escapes the path again, as for services other than
// S3) must still be accepted when the path has characters the client sent unescaped.
func TestHeaderSignatureEscapedPathVariant(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	req, err := http.NewRequest("GET", ts.URL+"/bucket/a=b!c(d)", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, EmptySHA256, "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	wantOK(t, ts.do(t, req))
}

func TestHeaderSignatureFailures(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	get := func() *http.Request { return newRequest(t, ts, "GET", "/bucket/key", "", "") }

	t.Run("wrong secret", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: "wrong"}, "us-east-1", now)
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("unknown key", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: "x"}, "us-east-1", now)
		e := wantCode(t, ts.do(t, req).err, s3err.InvalidAccessKeyID)
		if e.Status != http.StatusForbidden {
			t.Errorf("status %d", e.Status)
		}
	})
	t.Run("signed header changed", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "body")
		req.Header.Set("X-Amz-Meta-Color", "red")
		sign(t, req, "body", "", testCreds, "us-east-1", now)
		req.Header.Set("X-Amz-Meta-Color", "blue")
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("path changed", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", testCreds, "us-east-1", now)
		req.URL.Path, req.URL.RawPath = "/bucket/other", ""
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("query changed", func(t *testing.T) {
		req := newRequest(t, ts, "GET", "/bucket", "prefix=a", "")
		sign(t, req, "", "", testCreds, "us-east-1", now)
		req.URL.RawQuery = "prefix=b"
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("unsigned x-amz header", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", testCreds, "us-east-1", now)
		req.Header.Set("X-Amz-Acl", "public-read")
		e := wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
		if e.Extra["HeadersNotSigned"] != "x-amz-acl" {
			t.Errorf("extra %v", e.Extra)
		}
	})
	t.Run("content sha256 swapped to unsigned", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "body")
		sign(t, req, "body", "", testCreds, "us-east-1", now)
		req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"14 minutes behind", now.Add(-14 * time.Minute), true},
		{"16 minutes behind", now.Add(-16 * time.Minute), false},
		{"16 minutes ahead", now.Add(16 * time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := get()
			sign(t, req, "", "", testCreds, "us-east-1", tc.at)
			o := ts.do(t, req)
			if tc.ok {
				wantOK(t, o)
				return
			}
			e := wantCode(t, o.err, s3err.RequestTimeTooSkewed)
			if e.Extra["MaxAllowedSkewMilliseconds"] != "900000" || e.Extra["RequestTime"] != tc.at.Format(iso8601Basic) {
				t.Errorf("extra %v", e.Extra)
			}
		})
	}
	t.Run("upper-case signature", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", testCreds, "us-east-1", now)
		authz := req.Header.Get("Authorization")
		i := strings.LastIndex(authz, "Signature=") + len("Signature=")
		req.Header.Set("Authorization", authz[:i]+strings.ToUpper(authz[i:]))
		wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
	})
	t.Run("mismatch details", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: "wrong"}, "us-east-1", now)
		e := wantCode(t, ts.do(t, req).err, s3err.SignatureDoesNotMatch)
		require.Equal(t, testAccessKey, e.Extra["AWSAccessKeyId"])
		require.True(t, strings.HasPrefix(e.Extra["CanonicalRequest"], "GET\n/bucket/key\n"), e.Extra["CanonicalRequest"])
		require.Equal(t, spacedHex(e.Extra["CanonicalRequest"]), e.Extra["CanonicalRequestBytes"])
		require.True(t, strings.HasPrefix(e.Extra["StringToSign"], "AWS4-HMAC-SHA256\n"), e.Extra["StringToSign"])
		require.Equal(t, spacedHex(e.Extra["StringToSign"]), e.Extra["StringToSignBytes"])
		require.Len(t, e.Extra["SignatureProvided"], 64)
	})
	t.Run("any region", func(t *testing.T) {
		req := get()
		sign(t, req, "", "", testCreds, "eu-central-1", now)
		wantOK(t, ts.do(t, req))
	})
	t.Run("wrong region", func(t *testing.T) {
		strict := newTestVerifier(now)
		strict.RegionStrict = true
		sts := newTestServer(t, strict)
		req := newRequest(t, sts, "GET", "/bucket/key", "", "")
		sign(t, req, "", "", testCreds, "eu-west-1", now)
		e := wantCode(t, sts.do(t, req).err, s3err.AuthorizationHeaderMalformed)
		if e.Message != "The authorization header is malformed; the region 'eu-west-1' is wrong; expecting 'us-east-1'" || e.Extra["Region"] != "us-east-1" {
			t.Errorf("%q %v", e.Message, e.Extra)
		}
	})
	t.Run("wrong service", func(t *testing.T) {
		req := get()
		req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
		if err := s3Signer.SignHTTP(context.Background(), testCreds, req, EmptySHA256, "iam", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		wantCode(t, ts.do(t, req).err, s3err.AuthorizationHeaderMalformed)
	})
	t.Run("payload hash mismatch", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "the real body")
		sign(t, req, "", sha256Hex([]byte("another body!")), testCreds, "us-east-1", now)
		o := ts.do(t, req)
		e := wantCode(t, o.err, s3err.XAmzContentSHA256Mismatch)
		if e.Extra["ClientComputedContentSHA256"] != sha256Hex([]byte("another body!")) || e.Extra["S3ComputedContentSHA256"] != sha256Hex([]byte("the real body")) {
			t.Errorf("extra %v", e.Extra)
		}
	})
	t.Run("malformed content sha256", func(t *testing.T) {
		req := get()
		sign(t, req, "", "not-a-hash", testCreds, "us-east-1", now)
		wantCode(t, ts.do(t, req).err, s3err.InvalidArgument)
	})
	t.Run("ecdsa streaming payload", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "x")
		sign(t, req, "", StreamingECDSAPayload, testCreds, "us-east-1", now)
		wantCode(t, ts.do(t, req).err, s3err.NotImplemented)
	})
}

func TestMissingContentSHA256(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	// No body: accepted, signed as the empty payload (generic SigV4 signers).
	req := newRequest(t, ts, "GET", "/bucket/key", "", "")
	if err := s3Signer.SignHTTP(context.Background(), testCreds, req, EmptySHA256, "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	wantOK(t, ts.do(t, req))
	// With a body: AWS's InvalidRequest.
	req = newRequest(t, ts, "PUT", "/bucket/key", "", "data")
	if err := s3Signer.SignHTTP(context.Background(), testCreds, req, sha256Hex([]byte("data")), "s3", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	e := wantCode(t, ts.do(t, req).err, s3err.InvalidRequest)
	if e.Message != "Missing required header for this request: x-amz-content-sha256" {
		t.Errorf("message %q", e.Message)
	}
}

func TestAuthorizationHeaderForms(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	date := now.Format(iso8601Basic)
	day := now.Format(iso8601Date)
	for _, tc := range []struct {
		name, authz string
		code        s3err.Code
		message     string
	}{
		{"sigv2 without a date", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", s3err.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header"},
		{"sigv4a", "AWS4-ECDSA-P256-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/s3/aws4_request, SignedHeaders=host, Signature=00", s3err.InvalidRequest, ""},
		{"bearer", "Bearer abc", s3err.InvalidArgument, "Unsupported Authorization Type"},
		{"no signature", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=host", s3err.AuthorizationHeaderMalformed,
			"The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature."},
		{"bad credential", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abcd", s3err.AuthorizationHeaderMalformed, ""},
		{"bad terminal", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_reques, SignedHeaders=host, Signature=abcd", s3err.AuthorizationHeaderMalformed, ""},
		{"credential date differs", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=abcd", s3err.AuthorizationHeaderMalformed, ""},
		{"host not signed", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("ab", 32), s3err.AccessDenied, "There were headers present in the request which were not signed"},
		{"signature not hex", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=zz", s3err.SignatureDoesNotMatch, ""},
		{"unknown component", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + day + "/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=ab, Extra=1", s3err.AuthorizationHeaderMalformed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, ts, "GET", "/bucket/key", "", "")
			req.Header.Set("X-Amz-Date", date)
			req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
			req.Header.Set("Authorization", tc.authz)
			e := wantCode(t, ts.do(t, req).err, tc.code)
			if tc.message != "" && e.Message != tc.message {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
		})
	}

	t.Run("no date", func(t *testing.T) {
		req := newRequest(t, ts, "GET", "/bucket/key", "", "")
		sign(t, req, "", "", testCreds, "us-east-1", now)
		req.Header.Del("X-Amz-Date")
		e := wantCode(t, ts.do(t, req).err, s3err.AccessDenied)
		if e.Message != "AWS authentication requires a valid Date or x-amz-date header" {
			t.Errorf("message %q", e.Message)
		}
	})
	t.Run("header and query signature", func(t *testing.T) {
		req := newRequest(t, ts, "GET", "/bucket/key", "X-Amz-Algorithm=AWS4-HMAC-SHA256", "")
		sign(t, req, "", "", testCreds, "us-east-1", now)
		wantCode(t, ts.do(t, req).err, s3err.InvalidArgument)
	})
	t.Run("anonymous", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "anonymous data")
		o := ts.do(t, req)
		wantOK(t, o)
		if !o.auth.Anonymous() || string(o.body) != "anonymous data" {
			t.Errorf("auth %+v body %q", o.auth, o.body)
		}
	})
	t.Run("anonymous with a wrong content sha256", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "anonymous data")
		req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
		wantCode(t, ts.do(t, req).err, s3err.XAmzContentSHA256Mismatch)
	})
	t.Run("anonymous signed streaming", func(t *testing.T) {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", "0;chunk-signature=00\r\n\r\n")
		req.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
		wantCode(t, ts.do(t, req).err, s3err.InvalidRequest)
	})
}

// Date instead of X-Amz-Date: the string to sign uses it in ISO 8601 form.
func TestDateHeader(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	ts := newTestServer(t, newTestVerifier(now))
	req := newRequest(t, ts, "GET", "/bucket/key", "", "")
	req.Header.Set("Date", now.Format(http.TimeFormat))
	req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	key := testSigningKey(testSecretKey, now.Format(iso8601Date), "us-east-1", "s3")
	canon := "GET\n/bucket/key\n\ndate:" + now.Format(http.TimeFormat) + "\nhost:" + req.URL.Host + "\nx-amz-content-sha256:" + EmptySHA256 + "\n\ndate;host;x-amz-content-sha256\n" + EmptySHA256
	sts := "AWS4-HMAC-SHA256\n" + now.Format(iso8601Basic) + "\n" + now.Format(iso8601Date) + "/us-east-1/s3/aws4_request\n" + sha256Hex([]byte(canon))
	req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/%s/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256, Signature=%x",
		testAccessKey, now.Format(iso8601Date), hmacSHA256(key, sts)))
	wantOK(t, ts.do(t, req))
}

// rawRequest writes a request by hand, for bodies no well-behaved client sends.
func rawRequest(t *testing.T, ts *testServer, head, body string) outcome {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.last
}

func TestShortPlainBody(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	req := newRequest(t, ts, "PUT", "/bucket/key", "", strings.Repeat("x", 100))
	sign(t, req, "", UnsignedPayload, testCreds, "us-east-1", now)
	var head strings.Builder
	fmt.Fprintf(&head, "PUT /bucket/key HTTP/1.1\r\nHost: %s\r\n", req.URL.Host)
	req.Header.Write(&head)
	head.WriteString("Content-Length: 100\r\n")
	o := rawRequest(t, ts, head.String(), strings.Repeat("x", 60))
	if o.auth == nil {
		t.Fatalf("verify failed: %v", o.err)
	}
	wantCode(t, o.err, s3err.IncompleteBody)
}

func TestHeaderChecksums(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	body := "checksummed body"
	put := func(h http.Header, payloadHash string) outcome {
		req := newRequest(t, ts, "PUT", "/bucket/key", "", body)
		for k, v := range h {
			req.Header[k] = v
		}
		sign(t, req, body, payloadHash, testCreds, "us-east-1", now)
		return ts.do(t, req)
	}
	for _, alg := range checksum.Algorithms() {
		for _, mode := range []string{"", UnsignedPayload} {
			o := put(http.Header{http.CanonicalHeaderKey(alg.HeaderName()): {alg.Sum([]byte(body))}}, mode)
			wantOK(t, o)
			want := checksum.Checksum{Algorithm: alg, Value: alg.Sum([]byte(body)), Type: checksum.FullObject}
			if o.sum != want {
				t.Errorf("%s: checksum %+v, want %+v", alg, o.sum, want)
			}
			o = put(http.Header{http.CanonicalHeaderKey(alg.HeaderName()): {alg.Sum([]byte("other"))}}, mode)
			e := wantCode(t, o.err, s3err.BadDigest)
			if want := "The " + string(alg) + " you specified did not match the calculated checksum."; e.Message != want {
				t.Errorf("message %q, want %q", e.Message, want)
			}
		}
	}
	// Only the algorithm, no value: nothing to verify.
	o := put(http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"CRC32"}}, "")
	wantOK(t, o)
	if !o.sum.IsZero() {
		t.Errorf("checksum %+v", o.sum)
	}
	wantCode(t, put(http.Header{"X-Amz-Checksum-Crc32": {"not base64!"}}, "").err, s3err.InvalidRequest)
	wantCode(t, put(http.Header{"X-Amz-Checksum-Crc32": {checksum.SHA256.Sum(nil)}}, "").err, s3err.InvalidRequest)
	wantCode(t, put(http.Header{
		"X-Amz-Checksum-Crc32":  {checksum.CRC32.Sum([]byte(body))},
		"X-Amz-Checksum-Sha256": {checksum.SHA256.Sum([]byte(body))},
	}, "").err, s3err.InvalidRequest)
	wantCode(t, put(http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"SHA384"}}, "").err, s3err.InvalidRequest)
	wantOK(t, put(http.Header{"X-Amz-Sdk-Checksum-Algorithm": {"XXHASH128"}}, ""))
	wantCode(t, put(http.Header{"X-Amz-Trailer": {"x-amz-checksum-crc32"}}, "").err, s3err.InvalidRequest)
}
