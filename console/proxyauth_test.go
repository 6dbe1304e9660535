package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/s3api/admin"
)

// proxyEnv is a node whose console believes X-Forwarded-User from sources, with a
// user "jane" beside the read-only "reader".
func proxyEnv(t *testing.T, sources ...string) *env {
	e := newEnv(t, func(c *node.Config) {
		c.ConsoleTrustedHeader = "X-Forwarded-User"
		c.ConsoleTrustedHeaderSources = sources
	})
	_, err := e.adminClient(t).CreateUser(context.Background(), admin.CreateUserRequest{Name: "jane", Policies: []string{"console-read-only"}})
	require.NoError(t, err)
	return e
}

// TestTrustedHeader: behind a trusted proxy (here the test's own address), the
// header signs in the user it names with a session key, one per session; another
// name ends the session and starts the other user's; the user's policies apply and
// CSRF is still required; an unknown user and root are refused; sign-out deletes
// the session key.
func TestTrustedHeader(t *testing.T) {
	e := proxyEnv(t, "10.0.0.0/8", "127.0.0.1")
	b := e.browser(t)
	as := func(user string) map[string]string { return map[string]string{"X-Forwarded-User": user} }

	resp, _ := b.do(http.MethodGet, "/login?next=%2Fbuckets", "", as("jane"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "nothing to type behind the proxy")
	require.Equal(t, "/buckets", resp.Header.Get("Location"))
	resp, body := b.do(http.MethodGet, "/buckets", "", as("jane"))
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `id="who">jane<`)
	resp, body = b.do(http.MethodGet, "/buckets", "", as("jane"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Empty(t, resp.Cookies(), "the same session goes on")
	keys := e.sessionKeys(t, "jane")
	require.Len(t, keys, 1)
	janeKey := keys[0].AccessKeyID
	require.Regexp(t, "^"+console.SessionKeyPrefix, janeKey)

	// The user's policies apply; CSRF is still required.
	resp, _ = b.do(http.MethodPost, "/buckets", url.Values{"name": {"jane-bucket"}}.Encode(), map[string]string{"X-Forwarded-User": "jane", "X-CSRF-Token": ""})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, body = b.do(http.MethodPost, "/buckets", url.Values{"name": {"jane-bucket"}}.Encode(), as("jane"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")

	// Another name: jane's session ends (and her key goes), the reader's begins.
	resp, body = b.do(http.MethodGet, "/buckets", "", as("reader"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="who">reader<`)
	require.Eventually(t, func() bool { return len(e.sessionKeys(t, "jane")) == 0 }, 10*time.Second, 20*time.Millisecond)
	require.Len(t, e.sessionKeys(t, "reader"), 2, "the reader's own key and a session key")

	resp, _ = b.do(http.MethodPost, "/logout", "", as("reader"))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Eventually(t, func() bool { return len(e.sessionKeys(t, "reader")) == 1 }, 10*time.Second, 20*time.Millisecond)

	for _, user := range []string{"nobody", "root"} {
		resp, body = e.browser(t).do(http.MethodGet, "/buckets", "", as(user))
		require.Equal(t, http.StatusForbidden, resp.StatusCode, user)
		require.Contains(t, body, "does not know", user)
		require.Len(t, e.auditLines(t, `"action":"ConsoleTrustedHeaderSignIn"`, `"user":"`+user+`"`, `"result":"deny"`), 1, user)
	}
	// A disabled user is refused by the gate's WhoAmI, and the key made for the
	// attempt is deleted.
	_, err := e.adminClient(t).DisableUser(context.Background(), "jane")
	require.NoError(t, err)
	resp, _ = e.browser(t).do(http.MethodGet, "/buckets", "", as("jane"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, e.sessionKeys(t, "jane"))
}

// TestTrustedHeaderUntrustedSource: a request from an address that is not the
// proxy's is treated as if it had no header: sent to sign in, no key made.
func TestTrustedHeaderUntrustedSource(t *testing.T) {
	e := proxyEnv(t, "10.9.9.9", "192.168.0.0/16")
	b := e.browser(t)
	resp, _ := b.do(http.MethodGet, "/buckets", "", map[string]string{"X-Forwarded-User": "jane"})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2Fbuckets", resp.Header.Get("Location"))
	resp, body := b.do(http.MethodGet, "/login?next=%2Fbuckets", "", map[string]string{"X-Forwarded-User": "jane"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="login-form"`)
	// Nor does X-Forwarded-For make a request look like the proxy's.
	resp, _ = b.do(http.MethodGet, "/api/session", "", map[string]string{"X-Forwarded-User": "jane", "X-Forwarded-For": "10.9.9.9"})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Empty(t, e.sessionKeys(t, "jane"))
}

// TestParseSources: addresses and prefixes, IPv4 and IPv6; anything else refused.
func TestParseSources(t *testing.T) {
	got, err := console.ParseSources([]string{"10.1.2.3", " 10.0.0.0/8 ", "::1", "fd00::/8", "10.1.2.3/8"})
	require.NoError(t, err)
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	require.Equal(t, []string{"10.1.2.3/32", "10.0.0.0/8", "::1/128", "fd00::/8", "10.0.0.0/8"}, s)
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "10.0.0"} {
		_, err := console.ParseSources([]string{bad})
		require.Error(t, err, bad)
	}
}

// TestTrustedHeaderNeedsSources: the header without the proxy's addresses is a
// configuration error, not a header believed from anywhere.
func TestTrustedHeaderNeedsSources(t *testing.T) {
	cfg := console.DefaultConfig()
	cfg.ProxyAuth.Header = "X-Forwarded-User"
	require.ErrorContains(t, cfg.Validate(), "source addresses")
	cfg.OIDC.Issuer = "https://idp.example"
	require.ErrorContains(t, cfg.Validate(), "client id")
}

// TestSessionKeysDeletedAtClose: a node that stops ends its console sessions and
// deletes their session keys, so a restart leaves none behind; the user's own key
// stays.
func TestSessionKeysDeletedAtClose(t *testing.T) {
	dir := t.TempDir()
	opts := func(c *node.Config) {
		c.DataDir = dir
		c.ConsoleTrustedHeader = "X-Forwarded-User"
		c.ConsoleTrustedHeaderSources = []string{"127.0.0.1"}
	}
	e := newEnv(t, opts)
	resp, _ := e.browser(t).do(http.MethodGet, "/buckets", "", map[string]string{"X-Forwarded-User": "reader"})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, e.sessionKeys(t, "reader"), 2)
	require.NoError(t, e.n.Close())

	again := &env{n: nodetest.Start(t, opts)}
	keys := again.sessionKeys(t, "reader")
	require.Len(t, keys, 1)
	require.Equal(t, e.roKey, keys[0].AccessKeyID)
}
