package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie's name. Its value is an opaque random id; the
// credentials it stands for never leave the server.
const cookieName = "cairn_console"

// session is one signed-in user. The secret is kept here, in memory only, to sign
// the user's requests; it is never sent to the browser, logged or stored.
type session struct {
	accessKey string
	secret    string
	user      string
	root      bool
	// via is how the user signed in: "" with their own key and secret, "sso" with
	// OpenID Connect, "header" through the trusted proxy's header. The latter two
	// sign with a session key the console made (sessionkeys.go), deleted when the
	// session ends.
	via      string
	csrf     string // the token every state-changing request must carry
	created  time.Time
	lastSeen time.Time
}

// sessions holds the signed-in users of this node, keyed by the SHA-256 of their
// cookie's value, so that the map holds nothing that a memory dump could replay as
// a cookie.
type sessions struct {
	ttl, idle time.Duration
	max       int
	now       func() time.Time
	// ended is called, outside the lock, with each session that ends (sign-out,
	// expiry, eviction, a deleted key), so that its session key can be deleted.
	ended func(*session)

	mu sync.Mutex
	m  map[[32]byte]*session
}

func newSessions(cfg Config) *sessions {
	return &sessions{ttl: cfg.SessionTTL, idle: cfg.IdleTimeout, max: cfg.MaxSessions, now: cfg.Now, m: map[[32]byte]*session{}}
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if it would)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for s and returns its cookie value.
func (ss *sessions) create(s *session) string {
	id := randomToken()
	now := ss.now()
	s.created, s.lastSeen, s.csrf = now, now, randomToken()
	ss.mu.Lock()
	gone := ss.sweepLocked(now)
	if len(ss.m) >= ss.max {
		gone = append(gone, ss.dropOldestLocked())
	}
	ss.m[sha256.Sum256([]byte(id))] = s
	ss.mu.Unlock()
	ss.notify(gone)
	return id
}

// notify reports ended sessions to ss.ended.
func (ss *sessions) notify(gone []*session) {
	if ss.ended == nil {
		return
	}
	for _, s := range gone {
		if s != nil {
			ss.ended(s)
		}
	}
}

// endAll ends every session and returns them (without calling ended: the caller
// deals with them).
func (ss *sessions) endAll() []*session {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	out := make([]*session, 0, len(ss.m))
	for k, s := range ss.m {
		delete(ss.m, k)
		out = append(out, s)
	}
	return out
}

// sweep ends every expired session.
func (ss *sessions) sweep() {
	ss.mu.Lock()
	gone := ss.sweepLocked(ss.now())
	ss.mu.Unlock()
	ss.notify(gone)
}

// get returns the live session of a cookie value and marks it used; nil if there is
// none, or it expired (then it is ended).
func (ss *sessions) get(id string) *session {
	if id == "" {
		return nil
	}
	key := sha256.Sum256([]byte(id))
	now := ss.now()
	ss.mu.Lock()
	s := ss.m[key]
	if s == nil {
		ss.mu.Unlock()
		return nil
	}
	if ss.expired(s, now) {
		delete(ss.m, key)
		ss.mu.Unlock()
		ss.notify([]*session{s})
		return nil
	}
	s.lastSeen = now
	// A copy: the caller reads it without the lock.
	c := *s
	ss.mu.Unlock()
	return &c
}

// end ends the session of a cookie value, if any.
func (ss *sessions) end(id string) {
	key := sha256.Sum256([]byte(id))
	ss.mu.Lock()
	s := ss.m[key]
	delete(ss.m, key)
	ss.mu.Unlock()
	ss.notify([]*session{s})
}

// endKey ends every session signed in with accessKey (after the key was deleted or
// rotated through the console).
func (ss *sessions) endKey(accessKey string) {
	var gone []*session
	ss.mu.Lock()
	for k, s := range ss.m {
		if s.accessKey == accessKey {
			delete(ss.m, k)
			gone = append(gone, s)
		}
	}
	ss.mu.Unlock()
	ss.notify(gone)
}

func (ss *sessions) expired(s *session, now time.Time) bool {
	return now.Sub(s.created) >= ss.ttl || now.Sub(s.lastSeen) >= ss.idle
}

// sweepLocked drops expired sessions and returns them; the caller holds mu.
func (ss *sessions) sweepLocked(now time.Time) []*session {
	var gone []*session
	for k, s := range ss.m {
		if ss.expired(s, now) {
			delete(ss.m, k)
			gone = append(gone, s)
		}
	}
	return gone
}

// dropOldestLocked ends the least recently used session and returns it; the caller
// holds mu.
func (ss *sessions) dropOldestLocked() *session {
	var oldest [32]byte
	var at time.Time
	for k, s := range ss.m {
		if at.IsZero() || s.lastSeen.Before(at) {
			oldest, at = k, s.lastSeen
		}
	}
	s := ss.m[oldest]
	delete(ss.m, oldest)
	return s
}

// setCookie sends the session cookie: HttpOnly (no script reads it), SameSite=Strict
// (no other site's page sends it), Secure when the console is reached over TLS, and
// no Max-Age, so it goes when the browser closes; the server ends it anyway at the
// session's expiry or idle timeout.
func setCookie(w http.ResponseWriter, value string, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: "/",
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	})
}

// clearCookie deletes the session cookie in the browser.
func clearCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	})
}
