package console_test

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/s3api/admin"
)

// TestBrowserSingleSignOn: single sign-on in a real Chromium, where the provider is
// another site (127.0.0.1) than the console (localhost), so the browser applies
// SameSite as it would in production: the sign-in cookie must come back on the
// provider's cross-site redirect (Lax), and the Strict session cookie must work on
// the page the sign-in lands on. The user clicks "Sign in with single sign-on" and
// arrives at the buckets page signed in. Like a real provider, this one shows its
// own page (a "Continue" link, standing for its login form) before it sends the
// browser back, so the navigation to the console's callback begins at the
// provider's site, where SameSite=Strict cookies are not sent on redirects.
func TestBrowserSingleSignOn(t *testing.T) {
	ctx := newChrome(t)
	m, err := mockoidc.NewServer(nil)
	require.NoError(t, err)
	require.NoError(t, m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.AuthorizationEndpoint && r.URL.Query().Get("confirmed") == "" {
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprintf(w, `<a id="continue" href="%s">Continue</a>`, html.EscapeString(r.URL.String()+"&confirmed=1"))
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, m.Start(ln, nil))
	t.Cleanup(func() { _ = m.Shutdown() })
	cfg := m.Config()
	port := strconv.Itoa(nodetest.FreeGossipPort(t)) // the redirect URL must name the port before the node starts
	base := "http://localhost:" + port
	e := newEnv(t, func(c *node.Config) {
		c.ConsoleAddr = "127.0.0.1:" + port
		c.ConsoleOIDC = console.OIDC{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: base + "/sso/callback"}
	})
	_, err = e.adminClient(t).CreateUser(context.Background(), admin.CreateUserRequest{Name: "jane", Policies: []string{"console-read-only"}})
	require.NoError(t, err)
	m.QueueUser(&mockoidc.MockUser{Subject: "s-jane", PreferredUsername: "jane"})

	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err = chromedp.Do(tctx,
		chromedp.Navigate(base+"/buckets"),
		chromedp.WaitVisible(chromedp.CSS("#sso")),
		chromedp.Click(chromedp.CSS("#sso")),
		chromedp.WaitVisible(chromedp.CSS("#continue")),
		chromedp.Click(chromedp.CSS("#continue")),
		chromedp.WaitVisible(chromedp.CSS("#who")))
	if err != nil {
		where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
		t.Fatalf("browser step failed: %v\npage: %s", err, where)
	}
	who, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("who").textContent`))
	require.NoError(t, err)
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	require.NoError(t, err)
	require.Equal(t, "jane", who)
	require.Equal(t, base+"/buckets", loc)
	require.True(t, strings.HasPrefix(e.sessionKeys(t, "jane")[0].AccessKeyID, console.SessionKeyPrefix))
}
