package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// putCORS sets a bucket's CORS rules through the SDK.
func (e *env) putCORS(bucket string, rules ...types.CORSRule) {
	e.t.Helper()
	_, err := e.s3.PutBucketCors(e.ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket),
		CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}})
	require.NoError(e.t, err)
}

// TestBucketCORSConfiguration: Put/Get/DeleteBucketCors through the SDK, and S3's
// errors for what S3 refuses.
func TestBucketCORSConfiguration(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cors-config")
	_, err := e.s3.GetBucketCors(e.ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)})
	requireCode(t, err, "NoSuchCORSConfiguration")

	rules := []types.CORSRule{
		{ID: aws.String("upload"), AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"PUT", "POST"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag", "x-amz-version-id"}, MaxAgeSeconds: aws.Int32(3000)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}
	e.putCORS(b, rules...)
	got, err := e.s3.GetBucketCors(e.ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, rules, got.CORSRules)

	bad := func(code, msg string, rules ...types.CORSRule) {
		t.Helper()
		_, err := e.s3.PutBucketCors(e.ctx, &s3.PutBucketCorsInput{Bucket: aws.String(b),
			CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}})
		requireCode(t, err, code)
		require.ErrorContains(t, err, msg)
	}
	bad("InvalidRequest", "Unsupported method is PATCH", types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}})
	bad("InvalidRequest", "can not have more than one wildcard", types.CORSRule{AllowedOrigins: []string{"https://*.*.com"}, AllowedMethods: []string{"GET"}})
	bad("InvalidRequest", "can not have more than one wildcard", types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"*-*"}})
	many := make([]types.CORSRule, 101)
	for i := range many {
		many[i] = types.CORSRule{AllowedOrigins: []string{fmt.Sprint("https://", i)}, AllowedMethods: []string{"GET"}}
	}
	bad("InvalidRequest", "should not exceed allowed limit of 100 rules", many...)

	// What the SDK would not send: raw, signed, with Content-MD5.
	putRaw := func(body string) *http.Response {
		req, err := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"?cors", nil)
		require.NoError(t, err)
		sum := md5.Sum([]byte(body))
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		return e.signedResponse(req, []byte(body))
	}
	for _, body := range []string{
		`<CORSConfiguration></CORSConfiguration>`,
		`<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`,
		`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`,
		`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
		`<CORSConfiguration><CORSRule>`,
	} {
		resp := putRaw(body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		require.Equal(t, "MalformedXML", errorCode(t, resp), body)
	}
	big := `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ID>` +
		strings.Repeat("x", 65<<10) + `</ID></CORSRule></CORSConfiguration>`
	resp := putRaw(big)
	require.Equal(t, "MaxMessageLengthExceeded", errorCode(t, resp))

	got, err = e.s3.GetBucketCors(e.ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, rules, got.CORSRules, "nothing refused was stored")

	_, err = e.s3.DeleteBucketCors(e.ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.s3.GetBucketCors(e.ctx, &s3.GetBucketCorsInput{Bucket: aws.String(b)})
	requireCode(t, err, "NoSuchCORSConfiguration")
	_, err = e.s3.DeleteBucketCors(e.ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(b)})
	require.NoError(t, err, "deleting an absent configuration is no error")
}

// preflight sends an unsigned OPTIONS request as a browser does.
func (e *env) preflight(path, origin, method, headers string) *http.Response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodOptions, e.node.S3URL()+path, nil)
	require.NoError(e.t, err)
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method != "" {
		req.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// errorCodeMessage reads the S3 error code and message from an error response body.
func errorCodeMessage(t *testing.T, resp *http.Response) (code, message string) {
	t.Helper()
	var body struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &body), string(data))
	return body.Code, body.Message
}

// TestCORSPreflight: OPTIONS on a bucket and an object URL, answered from the rules:
// origin wildcards, methods, request headers matched without regard to case, and S3's
// refusals.
func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cors-preflight")

	resp := e.preflight("/"+b+"/k", "https://app.example.com", "PUT", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	code, msg := errorCodeMessage(t, resp)
	require.Equal(t, "AccessForbidden", code)
	require.Equal(t, "CORSResponse: CORS is not enabled for this bucket.", msg)

	e.putCORS(b,
		types.CORSRule{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"PUT", "POST", "DELETE"},
			AllowedHeaders: []string{"Content-Type", "x-amz-*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)},
		types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "HEAD"}},
	)
	resp = e.preflight("/"+b+"/dir/file.txt", "https://app.example.com", "PUT", "content-type, X-Amz-Date,x-amz-content-sha256")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	h := resp.Header
	require.Equal(t, "https://app.example.com", h.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", h.Get("Access-Control-Allow-Credentials"))
	require.Equal(t, "PUT, POST, DELETE", h.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-amz-date, x-amz-content-sha256", h.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "ETag", h.Get("Access-Control-Expose-Headers"))
	require.Equal(t, "600", h.Get("Access-Control-Max-Age"))
	require.Equal(t, "Origin, Access-Control-Request-Headers, Access-Control-Request-Method", h.Get("Vary"))

	resp = e.preflight("/"+b, "https://anyone.test", "GET", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the bucket URL too")
	require.Equal(t, "*", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Credentials"))

	for _, tc := range []struct{ origin, method, headers string }{
		{"https://example.com", "PUT", ""},                   // the wildcard needs a subdomain
		{"http://app.example.com", "PUT", ""},                // another scheme
		{"https://app.example.com", "PUT", "authorization"},  // a header no rule allows
		{"https://anyone.test", "DELETE", ""},                // a method only the first rule allows
		{"https://app.example.com", "PATCH", "content-type"}, // no rule allows the method
	} {
		resp := e.preflight("/"+b+"/k", tc.origin, tc.method, tc.headers)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "%+v", tc)
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "%+v", tc)
		code, msg := errorCodeMessage(t, resp)
		require.Equal(t, "AccessForbidden", code)
		require.True(t, strings.HasPrefix(msg, "CORSResponse: This CORS request is not allowed."), msg)
	}
	resp = e.preflight("/"+b+"/k", "", "PUT", "")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = e.preflight("/"+b+"/k", "https://app.example.com", "", "")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	resp = e.preflight("/no-such-bucket-here/k", "https://app.example.com", "GET", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// TestCORSActualRequests: a request with an Origin header gets the matching rule's
// Access-Control-* headers on success and on errors (a missing key, an anonymous
// request refused), and only Vary when no rule allows it.
func TestCORSActualRequests(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("cors-actual")
	e.put(b, "k", []byte("hello"))
	e.putCORS(b, types.CORSRule{AllowedOrigins: []string{"https://app.example.com"}, AllowedMethods: []string{"GET", "PUT"},
		ExposeHeaders: []string{"ETag"}})
	pc := s3.NewPresignClient(e.s3)
	get := func(key, origin string) *http.Response {
		t.Helper()
		p, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodGet, p.URL, nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := get("k", "https://app.example.com")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "https://app.example.com", resp.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "ETag", resp.Header.Get("Access-Control-Expose-Headers"))
	require.Equal(t, "GET, PUT", resp.Header.Get("Access-Control-Allow-Methods"))
	require.Contains(t, resp.Header.Get("Vary"), "Origin")

	resp = get("missing", "https://app.example.com")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "https://app.example.com", resp.Header.Get("Access-Control-Allow-Origin"), "error answers carry it too")

	resp = get("k", "https://evil.test")
	require.Equal(t, http.StatusOK, resp.StatusCode, "CORS does not refuse a request; the browser does")
	require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, resp.Header.Get("Vary"), "Origin")

	req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b+"/k", nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://app.example.com")
	anon, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer anon.Body.Close()
	require.Equal(t, http.StatusForbidden, anon.StatusCode)
	require.Equal(t, "https://app.example.com", anon.Header.Get("Access-Control-Allow-Origin"), "an anonymous refusal carries it too")

	other := e.bucket("cors-none")
	e.put(other, "k", []byte("x"))
	p, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(other), Key: aws.String("k")})
	require.NoError(t, err)
	req, err = http.NewRequest(http.MethodGet, p.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://app.example.com")
	plain, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer plain.Body.Close()
	require.Empty(t, plain.Header.Get("Access-Control-Allow-Origin"), "a bucket without rules answers no cross-origin request")
	require.Empty(t, plain.Header.Get("Vary"))
}
