package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/s3api/admin"
)

// ssoRedirect is the redirect URL the console registers at the provider. The node's
// port is chosen at start, after the configuration is built, so the test's browser
// maps this URL onto the console's real address when the provider sends it there.
const ssoRedirect = "http://console.test/sso/callback"

// ssoEnv is a node whose console signs in with a real OpenID Connect provider
// (mockoidc, on a real socket), and a user "jane" beside the read-only "reader".
func ssoEnv(t *testing.T, options ...func(*node.Config)) (*env, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	e := newEnv(t, func(c *node.Config) {
		c.ConsoleOIDC = console.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: ssoRedirect}
		for _, o := range options {
			o(c)
		}
	})
	_, err = e.adminClient(t).CreateUser(context.Background(), admin.CreateUserRequest{Name: "jane", Policies: []string{"console-read-only"}})
	require.NoError(t, err)
	return e, m
}

// ssoBegin starts single sign-on in b and follows it through the provider, which
// signs in user; it returns the callback URL on the console (not yet visited).
func ssoBegin(t *testing.T, e *env, b *browser, user *mockoidc.MockUser, m *mockoidc.MockOIDC) *url.URL {
	t.Helper()
	resp, _ := b.do(http.MethodGet, "/sso/start?next=%2Fbuckets", "", nil)
	require.Equal(t, http.StatusFound, resp.StatusCode)
	auth, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(auth.String(), m.Issuer()), auth.String())
	q := auth.Query()
	require.Equal(t, "S256", q.Get("code_challenge_method"), "PKCE")
	require.NotEmpty(t, q.Get("code_challenge"))
	require.NotEmpty(t, q.Get("state"))
	require.NotEmpty(t, q.Get("nonce"))
	require.Contains(t, q.Get("scope"), "openid")

	m.QueueUser(user)
	got, err := b.c.Get(auth.String())
	require.NoError(t, err)
	got.Body.Close()
	require.Equal(t, http.StatusFound, got.StatusCode)
	back, err := url.Parse(got.Header.Get("Location"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(back.String(), ssoRedirect), back.String())
	require.Equal(t, q.Get("state"), back.Query().Get("state"))
	return back
}

// onConsole returns the console path and query of the provider's redirect.
func onConsole(u *url.URL) string { return u.Path + "?" + u.RawQuery }

func (e *env) sessionKeys(t *testing.T, user string) []admin.AccessKey {
	keys, err := e.adminClient(t).AccessKeys(context.Background(), user)
	require.NoError(t, err)
	return keys
}

// TestSingleSignOn: the full authorization code flow with a real provider over
// HTTP, a cookie jar and no browser: the console sends the browser to the provider
// with state, nonce and a PKCE challenge; the callback signs in the user the claim
// names, with a session key that is an ordinary key of that user (so the user's
// policies apply: the reader's bucket creation is refused), never shown, and
// deleted at sign-out. A user the claim names that Cairn does not know, the root
// user, a tampered state, a replayed callback and a callback in another browser
// are refused.
func TestSingleSignOn(t *testing.T) {
	e, m := ssoEnv(t)
	b := e.browser(t)

	_, body := b.do(http.MethodGet, "/login", "", nil)
	require.Contains(t, body, `href="/sso/start?next=%2fbuckets"`)

	back := ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane", Email: "jane@example.com"}, m)
	resp, body := b.do(http.MethodGet, onConsole(back), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `<meta http-equiv="refresh" content="0; url=/buckets">`)
	var ck *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "cairn_console" {
			ck = c
		}
	}
	require.NotNil(t, ck, "a session cookie")
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, ck.SameSite)

	resp, body = b.do(http.MethodGet, "/buckets", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="who">jane<`)
	keys := e.sessionKeys(t, "jane")
	require.Len(t, keys, 1)
	require.True(t, strings.HasPrefix(keys[0].AccessKeyID, console.SessionKeyPrefix), keys[0].AccessKeyID)
	require.Empty(t, keys[0].SecretKey)
	require.NotContains(t, body, keys[0].AccessKeyID+`"`, "the session key is not in the page")
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"WhoAmI"`, `"user":"jane"`))
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"ConsoleSingleSignOn"`, `"user":"jane"`, `"accessKey":"`+keys[0].AccessKeyID+`"`, `"result":"allow"`), 1)

	// The user's own policies apply: the reader policy has no s3:CreateBucket.
	resp, body = b.do(http.MethodPost, "/buckets", url.Values{"name": {"jane-bucket"}}.Encode(), nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")

	resp, _ = b.do(http.MethodPost, "/logout", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Eventually(t, func() bool { return len(e.sessionKeys(t, "jane")) == 0 }, 10*time.Second, 20*time.Millisecond, "the session key is deleted at sign-out")
	require.Eventually(t, func() bool {
		return len(e.auditLines(t, `"action":"ConsoleDeleteSessionKey"`, `"accessKey":"`+keys[0].AccessKeyID+`"`, `"result":"allow"`)) == 1
	}, 10*time.Second, 20*time.Millisecond, "the deletion is audited")
	resp, _ = b.do(http.MethodGet, "/buckets", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	t.Run("unknown user", func(t *testing.T) {
		b := e.browser(t)
		back := ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-x", PreferredUsername: "nobody"}, m)
		resp, body := b.do(http.MethodGet, onConsole(back), "", nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Contains(t, body, "there is no Cairn user for you here")
		require.Len(t, e.auditLines(t, `"action":"ConsoleSingleSignOn"`, `"user":"nobody"`, `"result":"deny"`, `"errorCode":"UnknownUser"`), 1)
		resp, _ = b.do(http.MethodGet, "/buckets", "", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "no session")
	})

	t.Run("root", func(t *testing.T) {
		b := e.browser(t)
		back := ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-r", PreferredUsername: "root"}, m)
		resp, _ := b.do(http.MethodGet, onConsole(back), "", nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	})

	t.Run("tampered state", func(t *testing.T) {
		b := e.browser(t)
		back := ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane"}, m)
		q := back.Query()
		good := q.Get("state")
		q.Set("state", good[:len(good)-2]+"xx")
		back.RawQuery = q.Encode()
		resp, body := b.do(http.MethodGet, onConsole(back), "", nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		require.Contains(t, body, "was not begun in this browser")
		// The attempt is used up: the right state afterwards is refused too.
		q.Set("state", good)
		back.RawQuery = q.Encode()
		resp, _ = b.do(http.MethodGet, onConsole(back), "", nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		require.Empty(t, e.sessionKeys(t, "jane"))
	})

	t.Run("another browser", func(t *testing.T) {
		// Login CSRF: an attacker's callback URL opened in the victim's browser,
		// which never began that sign-in.
		attacker := e.browser(t)
		back := ssoBegin(t, e, attacker, &mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane"}, m)
		victim := e.browser(t)
		resp, _ := victim.do(http.MethodGet, onConsole(back), "", nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

// TestSingleSignOnGroups: with a group map, each sign-in makes the user a member of
// exactly the mapped Cairn groups its groups claim names: added to one, removed from
// another, and a group outside the map left as it was. The claim's other values
// grant nothing.
func TestSingleSignOnGroups(t *testing.T) {
	e, m := ssoEnv(t, func(c *node.Config) {
		c.ConsoleOIDCGroupMap = []string{"engineering=cairn-eng", "operations=cairn-ops"}
		c.ConsoleOIDC.Scopes = []string{"profile", "groups"} // the provider puts groups in the token for this scope
	})
	ctx := context.Background()
	ac := e.adminClient(t)
	for _, g := range []string{"cairn-eng", "cairn-ops", "unmapped"} {
		_, err := ac.CreateGroup(ctx, admin.CreateGroupRequest{Name: g})
		require.NoError(t, err)
	}
	for _, g := range []string{"cairn-ops", "unmapped"} {
		_, err := ac.AddUserToGroup(ctx, g, "jane")
		require.NoError(t, err)
	}
	b := e.browser(t)
	back := ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane", Groups: []string{"engineering", "design"}}, m)
	resp, body := b.do(http.MethodGet, onConsole(back), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	u, err := ac.User(ctx, "jane")
	require.NoError(t, err)
	require.Equal(t, []string{"cairn-eng", "unmapped"}, u.Groups)
	require.Len(t, e.auditLines(t, `"action":"ConsoleAddUserToGroup"`, `"key":"cairn-eng"`, `"user":"jane"`), 1)
	require.Len(t, e.auditLines(t, `"action":"ConsoleRemoveUserFromGroup"`, `"key":"cairn-ops"`, `"user":"jane"`), 1)
	require.Empty(t, e.auditLines(t, `"key":"unmapped"`))

	// The next sign-in follows the claim again.
	b = e.browser(t)
	back = ssoBegin(t, e, b, &mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane", Groups: []string{"operations"}}, m)
	resp, _ = b.do(http.MethodGet, onConsole(back), "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	u, err = ac.User(ctx, "jane")
	require.NoError(t, err)
	require.Equal(t, []string{"cairn-ops", "unmapped"}, u.Groups)
}

// TestParseGroupMap: CLAIM=GROUP entries; malformed and repeated ones refused.
func TestParseGroupMap(t *testing.T) {
	got, err := console.ParseGroupMap([]string{"engineering=cairn-eng", " ops = cairn-ops ", "sre=cairn-ops"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"engineering": "cairn-eng", "ops": "cairn-ops", "sre": "cairn-ops"}, got)
	for _, bad := range [][]string{{"engineering"}, {"=g"}, {"c="}, {"a=b", "a=c"}} {
		_, err := console.ParseGroupMap(bad)
		require.Error(t, err, bad)
	}
}
