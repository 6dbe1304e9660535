package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cairnstore/cairn/meta"
)

// OIDC configures single sign-on with OpenID Connect (the authorization code flow
// with PKCE). Off when Issuer is empty.
type OIDC struct {
	// Issuer is the provider's issuer URL; its /.well-known/openid-configuration is
	// read at the first sign-in. Flag --console-oidc-issuer.
	Issuer string
	// ClientID and ClientSecret are the console's client at the provider. Flags
	// --console-oidc-client-id and --console-oidc-client-secret-file (or
	// CAIRN_CONSOLE_OIDC_CLIENT_SECRET).
	ClientID, ClientSecret string
	// RedirectURL is the console's /sso/callback as the browser reaches it, as
	// registered at the provider. Flag --console-oidc-redirect-url.
	RedirectURL string
	// Scopes asked for besides "openid". Default: profile, email. Flag
	// --console-oidc-scopes.
	Scopes []string
	// UserClaim is the ID token's claim that names the Cairn user. Default
	// "preferred_username". Flag --console-oidc-user-claim.
	UserClaim string
	// GroupsClaim is the ID token's claim that lists the user's groups at the
	// provider (a list of strings, or one string). Used only with GroupMap.
	// Default "groups". Flag --console-oidc-groups-claim.
	GroupsClaim string
	// GroupMap maps a value of GroupsClaim to a Cairn group. At each sign-in the
	// user is added to each mapped Cairn group the claim names and removed from each
	// mapped one it does not; groups not in the map are never touched. Flag
	// --console-oidc-group-map CLAIM=GROUP, repeated.
	GroupMap map[string]string
	// HTTPClient reaches the provider; nil: http.DefaultClient.
	HTTPClient *http.Client
}

// enabled reports whether single sign-on is configured.
func (o OIDC) enabled() bool { return o.Issuer != "" }

// validate checks an OIDC configuration that is enabled.
func (o OIDC) validate() error {
	if !o.enabled() {
		return nil
	}
	if o.ClientID == "" || o.RedirectURL == "" {
		return errors.New("console: single sign-on needs a client id and a redirect URL")
	}
	return nil
}

// pendingTTL is how long a sign-in may take at the provider.
const pendingTTL = 10 * time.Minute

// maxPending bounds the sign-ins under way.
const maxPending = 10000

// ssoCookie binds a sign-in under way to the browser that began it.
const ssoCookie = "cairn_sso"

// pending is a sign-in under way: what the callback must find again.
type pending struct {
	state, nonce, verifier, next string
	created                      time.Time
}

// sso is the console's OpenID Connect client.
type sso struct {
	cfg OIDC
	now func() time.Time

	mu       sync.Mutex
	provider *oidc.Provider
	pending  map[[32]byte]pending
}

func newSSO(cfg OIDC, now func() time.Time) *sso {
	if cfg.UserClaim == "" {
		cfg.UserClaim = "preferred_username"
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.Scopes == nil {
		cfg.Scopes = []string{"profile", "email"}
	}
	return &sso{cfg: cfg, now: now, pending: map[[32]byte]pending{}}
}

// ctx carries the provider's HTTP client for go-oidc and oauth2.
func (s *sso) ctx(ctx context.Context) context.Context {
	if s.cfg.HTTPClient != nil {
		return oidc.ClientContext(ctx, s.cfg.HTTPClient)
	}
	return ctx
}

// oauth returns the provider (discovered once, retried after a failure) and the
// OAuth 2.0 configuration.
func (s *sso) oauth(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	s.mu.Lock()
	p := s.provider
	s.mu.Unlock()
	if p == nil {
		var err error
		if p, err = oidc.NewProvider(s.ctx(ctx), s.cfg.Issuer); err != nil {
			return nil, nil, fmt.Errorf("console: OpenID provider %s: %w", s.cfg.Issuer, err)
		}
		s.mu.Lock()
		s.provider = p
		s.mu.Unlock()
	}
	return p, &oauth2.Config{
		ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, RedirectURL: s.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{oidc.ScopeOpenID}, s.cfg.Scopes...),
	}, nil
}

// begin records a sign-in under way and returns the browser's cookie value for it.
func (s *sso) begin(p pending) string {
	id := randomToken()
	now := s.now()
	p.created = now
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.pending {
		if now.Sub(v.created) >= pendingTTL {
			delete(s.pending, k)
		}
	}
	if len(s.pending) >= maxPending {
		return "" // refused: too many sign-ins under way
	}
	s.pending[sha256.Sum256([]byte(id))] = p
	return id
}

// take returns and forgets the sign-in under way of a cookie value, if it is live
// and its state is state: each is used once.
func (s *sso) take(id, state string) (pending, bool) {
	k := sha256.Sum256([]byte(id))
	s.mu.Lock()
	p, ok := s.pending[k]
	delete(s.pending, k)
	s.mu.Unlock()
	if !ok || s.now().Sub(p.created) >= pendingTTL {
		return pending{}, false
	}
	return p, subtle.ConstantTimeCompare([]byte(p.state), []byte(state)) == 1
}

// ssoStart sends the browser to the provider, with a fresh state, nonce and PKCE
// verifier kept on the server and a cookie that binds them to this browser.
func (c *Console) ssoStart(w http.ResponseWriter, r *http.Request) {
	_, oc, err := c.sso.oauth(r.Context())
	if err != nil {
		c.log.Error("single sign-on unavailable", "error", err)
		c.fail(w, r, http.StatusBadGateway, "SSOUnavailable", "The single sign-on provider could not be reached; try again, or sign in with an access key.")
		return
	}
	p := pending{state: randomToken(), nonce: randomToken(), verifier: oauth2.GenerateVerifier(), next: safeNext(r.URL.Query().Get("next"))}
	id := c.sso.begin(p)
	if id == "" {
		c.fail(w, r, http.StatusServiceUnavailable, "SlowDown", "Too many sign-ins are under way; try again in a few minutes.")
		return
	}
	// SameSite=Lax: the provider's redirect back is a cross-site navigation, which
	// a Strict cookie would not come back with.
	http.SetCookie(w, &http.Cookie{
		Name: ssoCookie, Value: id, Path: "/sso/", MaxAge: int(pendingTTL / time.Second),
		HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, oc.AuthCodeURL(p.state, oidc.Nonce(p.nonce), oauth2.S256ChallengeOption(p.verifier)), http.StatusFound)
}

// ssoCallback finishes a sign-in: the state must be the one this browser was given,
// the code is exchanged with the PKCE verifier, the ID token's signature, issuer,
// audience, expiry and nonce are checked, and the configured claim names the Cairn
// user, who is then signed in with a session key (signInAs).
func (c *Console) ssoCallback(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/sso/", MaxAge: -1, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode})
	refuse := func(status int, msg string) {
		c.render(w, r, status, "login", loginView{Error: msg, SSO: true})
	}
	q := r.URL.Query()
	ck, err := r.Cookie(ssoCookie)
	if err != nil {
		refuse(http.StatusBadRequest, "This sign-in was not begun in this browser, or took too long; sign in again.")
		return
	}
	p, ok := c.sso.take(ck.Value, q.Get("state"))
	if !ok {
		c.log.Warn("single sign-on refused: wrong or unknown state")
		refuse(http.StatusBadRequest, "This sign-in was not begun in this browser, or took too long; sign in again.")
		return
	}
	if e := q.Get("error"); e != "" {
		refuse(http.StatusUnauthorized, "The single sign-on provider refused: "+e)
		return
	}
	provider, oc, err := c.sso.oauth(r.Context())
	if err != nil {
		refuse(http.StatusBadGateway, "The single sign-on provider could not be reached; try again.")
		return
	}
	ctx := c.sso.ctx(r.Context())
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		c.log.Warn("single sign-on: code exchange failed", "error", err)
		refuse(http.StatusUnauthorized, "The single sign-on provider did not accept the sign-in; sign in again.")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: c.sso.cfg.ClientID, Now: c.now}).Verify(ctx, raw)
	if err != nil || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(p.nonce)) != 1 {
		c.log.Warn("single sign-on: ID token refused", "error", err)
		refuse(http.StatusUnauthorized, "The single sign-on provider's answer could not be verified; sign in again.")
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		refuse(http.StatusUnauthorized, "The single sign-on provider's answer could not be read.")
		return
	}
	name, _ := claims[c.sso.cfg.UserClaim].(string)
	var prepare func(meta.User) error
	if len(c.sso.cfg.GroupMap) > 0 {
		prepare = func(u meta.User) error {
			return c.syncGroups(r, u, claimStrings(claims[c.sso.cfg.GroupsClaim]))
		}
	}
	c.finishSignIn(w, r, name, "sso", p.next, prepare)
}

// claimStrings reads a claim that is a list of strings or one string.
func claimStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// syncGroups makes user u a member of exactly those mapped Cairn groups that the
// provider's groups claim names, leaving every group outside the map as it is.
func (c *Console) syncGroups(r *http.Request, u meta.User, claimed []string) error {
	ctx := r.Context()
	want := map[string]bool{}
	for _, g := range claimed {
		if cg, ok := c.sso.cfg.GroupMap[g]; ok {
			want[cg] = true
		}
	}
	has := map[string]bool{}
	for _, g := range u.Groups {
		has[g] = true
	}
	done := map[string]bool{}
	for _, cg := range c.sso.cfg.GroupMap {
		if done[cg] {
			continue
		}
		done[cg] = true
		var err error
		switch {
		case want[cg] && !has[cg]:
			err = c.deps.Keys.AddUserToGroup(ctx, cg, u.Name)
		case !want[cg] && has[cg]:
			err = c.deps.Keys.RemoveUserFromGroup(ctx, cg, u.Name)
		default:
			continue
		}
		action := actRemoveFromGroup
		if want[cg] {
			action = actAddToGroup
		}
		c.record(r, action, u.Name, "", cg, err)
		if err != nil {
			return fmt.Errorf("console: group %s of %s: %w", cg, u.Name, err)
		}
		c.log.Info("single sign-on group membership", "user", u.Name, "group", cg, "member", want[cg])
	}
	return nil
}

// finishSignIn signs in user name (identified by via) and sends the browser on to
// next, or shows the sign-in page with the refusal.
func (c *Console) finishSignIn(w http.ResponseWriter, r *http.Request, name, via, next string, prepare func(meta.User) error) {
	value, err := c.signInAs(r, name, via, prepare)
	if err != nil {
		status, _, msg := signInRefusal(err)
		if errors.Is(err, errUnknownUser) {
			msg = "You are signed in at the provider, but there is no Cairn user for you here; ask an administrator."
		} else if status >= 500 {
			c.log.Error("single sign-on failed", "user", name, "error", err)
			msg = "The console could not sign you in; try again."
		}
		c.log.Warn("sign-in refused", "user", name, "via", via, "error", err)
		c.render(w, r, status, "login", loginView{Error: msg, SSO: c.sso != nil})
		return
	}
	setCookie(w, value, c.secure(r))
	// Not a redirect: the session cookie is SameSite=Strict and this answer ends a
	// navigation that began at the provider's site, so a browser would not send the
	// cookie on a redirect from here. A page that refreshes to next is a new,
	// same-site navigation.
	c.render(w, r, http.StatusOK, "signedin", signedInView{Next: next})
}

// signedInView is the page shown after single sign-on.
type signedInView struct{ Next string }

// ParseGroupMap reads "CLAIM=GROUP" entries: a value of the groups claim and the
// Cairn group it maps to. Several values may map to one group.
func ParseGroupMap(entries []string) (map[string]string, error) {
	out := map[string]string{}
	for _, e := range entries {
		claim, group, ok := strings.Cut(e, "=")
		claim, group = strings.TrimSpace(claim), strings.TrimSpace(group)
		if !ok || claim == "" || group == "" {
			return nil, fmt.Errorf("console: group map entry %q is not CLAIM=GROUP", e)
		}
		if _, dup := out[claim]; dup {
			return nil, fmt.Errorf("console: the group map names %q twice", claim)
		}
		out[claim] = group
	}
	return out, nil
}
