package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

// TestSignInSessionSignOut: a page without a session sends to the sign-in page; a
// wrong secret is refused; the right one sets an HttpOnly, SameSite=Strict cookie
// holding no credential; sign-out ends the session on the server, so the old
// cookie no longer works; the sign-in is in the audit log as "api":"console".
func TestSignInSessionSignOut(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)

	resp, _ := b.do(http.MethodGet, "/buckets", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2Fbuckets", resp.Header.Get("Location"))

	resp, body := b.do(http.MethodPost, "/login", url.Values{"accessKey": {e.roKey}, "secretKey": {"wrong-secret"}}.Encode(), nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, "The access key or the secret key is wrong.")
	require.Empty(t, resp.Cookies())

	resp = b.signIn(e.roKey, e.roSecret)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/buckets", resp.Header.Get("Location"))
	cookies := resp.Cookies()
	require.Len(t, cookies, 1)
	ck := cookies[0]
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	require.False(t, ck.Secure, "plain HTTP: no Secure flag")
	require.NotContains(t, ck.Value, e.roKey)
	require.NotContains(t, ck.Value, e.roSecret)
	require.GreaterOrEqual(t, len(ck.Value), 40)

	resp, body = b.do(http.MethodGet, "/buckets", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="who">reader<`)
	require.NotContains(t, body, e.roSecret)
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'self'")
	require.NotContains(t, csp, "unsafe-inline")
	require.NotContains(t, body, "<script>", "no inline script")

	resp, _ = b.do(http.MethodPost, "/logout", url.Values{"csrf": {b.csrf}}.Encode(), map[string]string{"X-CSRF-Token": ""})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login", resp.Header.Get("Location"))

	// The browser dropped the cookie; replaying its old value fails too.
	req, _ := http.NewRequest(http.MethodGet, e.base+"/api/session", nil)
	req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	old, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	old.Body.Close()
	require.Equal(t, http.StatusUnauthorized, old.StatusCode)

	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"WhoAmI"`, `"user":"reader"`, `"result":"allow"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"WhoAmI"`, `"result":"deny"`), "the failed sign-in is audited")
}

// TestCSRFRefused: a state-changing request from another site, or without the
// page's CSRF token, is refused before anything is done.
func TestCSRFRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("keep")})
	require.NoError(t, err)
	_, err = e.s3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("keep"), Key: aws.String("a.txt"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	ak, sk := e.n.RootCredentials()
	b := e.browser(t)
	require.Equal(t, http.StatusSeeOther, b.signIn(ak, sk).StatusCode)
	del := `{"bucket":"keep","keys":["a.txt"]}`

	cases := []struct {
		name   string
		header map[string]string
		code   string
	}{
		{"no token", map[string]string{"X-CSRF-Token": ""}, "InvalidCSRFToken"},
		{"wrong token", map[string]string{"X-CSRF-Token": "forged"}, "InvalidCSRFToken"},
		{"cross-site origin", map[string]string{"Origin": "http://evil.example"}, "CrossSiteRequest"},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}, "CrossSiteRequest"},
		{"null origin", map[string]string{"Origin": "null"}, "CrossSiteRequest"},
	}
	for _, c := range cases {
		resp, body := b.do(http.MethodPost, "/api/delete", del, c.header)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, c.name)
		require.Contains(t, body, c.code, c.name)
	}
	// A cross-site form post of the create-bucket form, token and all, is refused.
	resp, _ := b.do(http.MethodPost, "/buckets", url.Values{"name": {"evil"}, "csrf": {b.csrf}}.Encode(), map[string]string{"Origin": "http://evil.example", "X-CSRF-Token": ""})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	// A cross-site sign-in (login CSRF) is refused.
	resp, _ = b.do(http.MethodPost, "/login", url.Values{"accessKey": {ak}, "secretKey": {sk}}.Encode(), map[string]string{"Origin": "http://evil.example"})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	_, err = e.s3().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("keep"), Key: aws.String("a.txt")})
	require.NoError(t, err, "nothing was deleted")
	_, err = e.s3().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("evil")})
	require.Error(t, err, "no bucket was created")

	resp, body := b.do(http.MethodPost, "/api/delete", del, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.JSONEq(t, `{"deleted":1,"errors":null}`, body)
}

// TestSignInLockoutShared: failed sign-ins count in the lockout the S3 API uses;
// once the address is locked out for that key, the console refuses even the right
// secret and so does the S3 API.
func TestSignInLockoutShared(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.AuthLockout.MaxFailures = 3 })
	b := e.browser(t)
	for i := 0; i < 3; i++ {
		resp, _ := b.do(http.MethodPost, "/login", url.Values{"accessKey": {e.roKey}, "secretKey": {"guess"}}.Encode(), nil)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
	resp, body := b.do(http.MethodPost, "/login", url.Values{"accessKey": {e.roKey}, "secretKey": {e.roSecret}}.Encode(), nil)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, body, "Too many failed sign-ins from this address.")

	ro := s3.New(s3.Options{BaseEndpoint: aws.String(e.n.S3URL()), Region: "us-east-1", UsePathStyle: true,
		Credentials: staticCreds(e.roKey, e.roSecret), RetryMaxAttempts: 1})
	_, err := ro.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	require.ErrorContains(t, err, "SlowDown")
}

// TestSecureCookieAndConsoleAddr: behind a trusted proxy that ended TLS the session
// cookie is Secure (and aws:SecureTransport holds for the console's requests); with
// --console-addr the console has its own listener, which serves the console alone.
func TestSecureCookieAndConsoleAddr(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.TrustedProxies = 1; c.ConsoleAddr = "127.0.0.1:0" })
	require.NotEqual(t, e.n.AdminURL(), e.n.ConsoleURL())
	b := e.browser(t)
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"accessKey": {e.roKey}, "secretKey": {e.roSecret}}.Encode(),
		map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.True(t, resp.Cookies()[0].Secure)
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"WhoAmI"`, `"clientIp":"203.0.113.9"`), "the audit log has the client behind the proxy")

	resp, _ = b.do(http.MethodPost, "/login", url.Values{"accessKey": {e.roKey}, "secretKey": {e.roSecret}}.Encode(), nil)
	require.False(t, resp.Cookies()[0].Secure, "plain HTTP without the proxy's word")

	// The console's own address does not serve the admin API, health or metrics.
	for _, path := range []string{"/admin/v1/whoami", "/metrics", "/health/live"} {
		r := httpDo(t, http.MethodGet, e.base+path, "")
		require.NotEqual(t, http.StatusOK, r.status, path)
	}
	r := httpDo(t, http.MethodGet, e.n.AdminURL()+"/health/live", "")
	require.Equal(t, http.StatusOK, r.status)
	r = httpDo(t, http.MethodGet, e.n.AdminURL()+"/login", "")
	require.Equal(t, http.StatusOK, r.status, "the admin address serves the console too")
}

// TestOversizedBody: a console form or JSON body over 1 MiB is refused, not read
// into memory.
func TestOversizedBody(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, b.signIn(ak, sk).StatusCode)
	big := `{"bucket":"x","keys":["` + strings.Repeat("k", 2<<20) + `"]}`
	resp, body := b.do(http.MethodPost, "/api/delete", big, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body[:min(len(body), 300)])
	resp, _ = b.do(http.MethodPost, "/buckets", "name=x&pad="+strings.Repeat("p", 2<<20), map[string]string{"X-CSRF-Token": ""})
	require.NotEqual(t, http.StatusSeeOther, resp.StatusCode)
	_, err := e.s3().HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("x")})
	require.Error(t, err, "no bucket was created")
}
