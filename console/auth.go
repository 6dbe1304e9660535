package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/cairnstore/cairn/s3api/admin/client"
)

// maxFormBytes bounds a form or JSON body the console reads itself.
const maxFormBytes = 1 << 20

// loginPage shows the sign-in form.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.cfg.ProxyAuth.fromProxy(r); ok {
		// Behind the trusted proxy there is nothing to type: the next page signs in.
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "login", loginView{Next: safeNext(r.URL.Query().Get("next")), SSO: c.sso != nil})
}

type loginView struct {
	Next, AccessKey, Error string
	SSO                    bool // offer single sign-on
}

// login checks an access key and secret the way every surface does: it signs an
// admin API WhoAmI request with them and sends it, in process, through the gate, so
// the lockout shared with the S3 and admin APIs refuses an address that guesses,
// every failure counts against it, a disabled or expired user is refused, and the
// attempt is in the audit log as "api":"console". On success the key and secret
// stay in a server-side session; the browser gets only the session cookie.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		c.fail(w, r, http.StatusForbidden, "CrossSiteRequest", "Refused: the sign-in did not come from the console's own page.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		c.fail(w, r, http.StatusBadRequest, "InvalidRequest", "The sign-in form could not be read.")
		return
	}
	key := strings.TrimSpace(r.PostFormValue("accessKey"))
	secret := r.PostFormValue("secretKey")
	view := loginView{Next: safeNext(r.PostFormValue("next")), AccessKey: key, SSO: c.sso != nil}
	if key == "" || secret == "" {
		view.Error = "Give an access key and its secret key."
		c.render(w, r, http.StatusBadRequest, "login", view)
		return
	}
	id, err := c.adminClient(r, key, secret).WhoAmI(r.Context())
	if err != nil {
		status, msg := http.StatusUnauthorized, "The access key or the secret key is wrong."
		var ae *client.Error
		switch {
		case errors.As(err, &ae) && ae.Code == "SlowDown":
			status, msg = http.StatusServiceUnavailable, "Too many failed sign-ins from this address. "+retryIn(ae.Message)
		case errors.As(err, &ae) && ae.Code == "AccessDenied":
			status, msg = http.StatusForbidden, ae.Message
		case errors.As(err, &ae) && (ae.Code == "SignatureDoesNotMatch" || ae.Code == "InvalidAccessKeyId"):
		case errors.As(err, &ae):
			status, msg = ae.Status, ae.Message
		default:
			c.log.Error("sign-in failed", "error", err)
			status, msg = http.StatusInternalServerError, "The console could not check the credentials; try again."
		}
		view.Error = msg
		c.render(w, r, status, "login", view)
		return
	}
	value := c.sessions.create(&session{accessKey: key, secret: secret, user: id.User, root: id.Root})
	setCookie(w, value, c.secure(r))
	c.log.Info("signed in", "user", id.User, "access_key", key)
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}

// retryIn returns the "retry in N seconds" part of the lockout's message.
func retryIn(msg string) string {
	if _, after, ok := strings.Cut(msg, "; "); ok {
		return strings.ToUpper(after[:1]) + after[1:]
	}
	return "Retry later."
}

// logout ends the session on the server and deletes the cookie.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(cookieName); err == nil {
		c.sessions.end(ck.Value)
	}
	clearCookie(w, c.secure(r))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// sessionInfo answers who is signed in (for the script), without any secret.
func (c *Console) sessionInfo(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	writeJSON(w, http.StatusOK, map[string]any{"user": s.user, "accessKey": s.accessKey, "root": s.root})
}

// safeNext returns next if it is a path on this console, else "/buckets": the
// sign-in page never redirects to another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/s3/") {
		return "/buckets"
	}
	return next
}
