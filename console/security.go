package console

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/cairnstore/cairn/s3api/audit"
)

// contentSecurityPolicy allows only the console's own scripts, styles and fetches:
// no inline script or style, no other origin, no plugin, no framing of the console.
// Previews load from the console's own /s3/ path (img, media, frame) or from blob:
// URLs the page made.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob:; frame-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

// securityHeaders sets the headers of every console page and asset.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "SAMEORIGIN")
		// No console URL is ever sent to another site. "same-origin" rather than
		// "no-referrer": with the latter, browsers send "Origin: null" on the
		// console's own form posts, which sameOrigin must refuse.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// secure reports whether the browser reached the console over TLS (directly or
// through a trusted proxy): the session cookie is then Secure.
func (c *Console) secure(r *http.Request) bool {
	return r.TLS != nil || audit.SecureTransport(r, c.cfg.TrustedProxies)
}

// sameOrigin reports whether a state-changing request came from the console's own
// pages: its Origin (or, without one, its Referer) names this host, and the
// browser's Sec-Fetch-Site, when sent, is not cross-site. A request with neither
// header is not from a current browser's page of another site (browsers send Origin
// on every cross-origin POST), so it passes this check and still needs the CSRF
// token.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return true
	}
	if from == "null" {
		return false
	}
	u, err := url.Parse(from)
	return err == nil && u.Host == r.Host
}

// validCSRF reports whether the request carries the session's CSRF token, in the
// X-CSRF-Token header (fetch) or the "csrf" form field (forms).
func validCSRF(r *http.Request, s *session) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

type ctxKey struct{}

// sessionOf returns the request's session, set by requireSession.
func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(ctxKey{}).(*session)
	return s
}

// requireSession lets through only a request with a live session; a state-changing
// one must also come from the console's own origin and carry the CSRF token. A page
// without a session is sent to the sign-in page; a fetch gets 401.
func (c *Console) requireSession(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s *session
		var cookie string
		if ck, err := r.Cookie(cookieName); err == nil {
			cookie = ck.Value
			s = c.sessions.get(cookie)
		}
		if ps, ok := c.proxySession(w, r, s, cookie); ok {
			if ps == nil {
				return // refused; the answer is written
			}
			s = ps
		}
		if s == nil {
			if r.Method == http.MethodGet && !isAPI(r) {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.fail(w, r, http.StatusUnauthorized, "NotSignedIn", "Sign in first; the session has ended or never began.")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// The console's own forms and JSON are small; the bytes of objects never
			// come here (they go to /s3/).
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !sameOrigin(r) {
				c.fail(w, r, http.StatusForbidden, "CrossSiteRequest", "Refused: the request did not come from the console's own pages.")
				return
			}
			if !validCSRF(r, s) {
				c.fail(w, r, http.StatusForbidden, "InvalidCSRFToken", "Refused: the request lacks the page's CSRF token; reload the page.")
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	})
}
