package console

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cairnstore/cairn/meta"
)

// SessionKeys is what the console needs from the metadata to sign in a user it did
// not get a secret from (single sign-on, the trusted proxy's header): it gives the
// user a session key of its own for the session's life and deletes it when the
// session ends. The session key is an ordinary access key of that user, so every
// request made with it passes the one gate as the user, with the user's policies.
// With a groups claim mapped (OIDC.GroupMap), it also keeps the user's membership of
// the mapped groups in step with the provider's claim at each sign-in.
type SessionKeys interface {
	User(ctx context.Context, name string) (meta.User, error)
	PutAccessKey(ctx context.Context, k meta.AccessKey) error
	DeleteAccessKey(ctx context.Context, id string) error
	AddUserToGroup(ctx context.Context, group, user string) error
	RemoveUserFromGroup(ctx context.Context, group, user string) error
}

// SessionKeyPrefix starts the id of every session key, so that an operator can
// tell them from a user's own keys (and delete one a crashed node left behind).
const SessionKeyPrefix = "CNSL"

// errUnknownUser refuses a sign-in that names no Cairn user.
var errUnknownUser = errors.New("no Cairn user of that name")

// keyAlphabet is the alphabet of session key ids (as meta's own ids: A–Z, 0–9).
const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomString returns n characters of alphabet from crypto/rand.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)] // 256 % 36 bias is negligible for a 16-char id; the secret uses 64
	}
	return string(b)
}

// sessionKeyMargin is how long a session key outlives the longest session it can
// serve, so that it is never refused while its session is still valid.
const sessionKeyMargin = time.Minute

// newSessionKey returns a fresh session key of user: a 20-character id starting
// with SessionKeyPrefix and a 40-character secret (240 random bits), expiring
// sessionKeyMargin after a session of life ttl would end. The console deletes the
// key when the session ends; if its node dies first, the key's expiry refuses it
// and the metadata leader deletes it (meta.ExpiredKeyGrace).
func newSessionKey(user string, ttl time.Duration) meta.AccessKey {
	const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	now := time.Now().UTC()
	expiry := now.Add(ttl + sessionKeyMargin)
	return meta.AccessKey{
		ID:        SessionKeyPrefix + randomString(16, keyAlphabet),
		Secret:    randomString(40, secretAlphabet),
		User:      user,
		CreatedAt: now,
		Expiry:    &expiry,
	}
}

// signInAs starts a session for the Cairn user name, whom single sign-on or the
// trusted header identified (via says which). The console makes the user a session
// key and checks it as every sign-in is checked, with an admin API WhoAmI through
// the gate: a disabled or expired user is refused there, and the attempt is in the
// audit log as "api":"console". The root user cannot be signed in this way (it is
// not an IAM user; only its own key signs as root). It returns the cookie value.
func (c *Console) signInAs(r *http.Request, name, via string, prepare func(meta.User) error) (string, error) {
	key, value, err := c.newSession(r, name, via, prepare)
	c.record(r, signInAction(via), name, key, "", err)
	return value, err
}

// newSession does signInAs's work and returns the session key's id (when one was
// made) and the cookie value.
func (c *Console) newSession(r *http.Request, name, via string, prepare func(meta.User) error) (string, string, error) {
	if c.deps.Keys == nil {
		return "", "", errors.New("console: no session keys configured")
	}
	if name == "" || name == meta.RootUser {
		return "", "", fmt.Errorf("%w: %q", errUnknownUser, name)
	}
	ctx := r.Context()
	u, err := c.deps.Keys.User(ctx, name)
	if err != nil {
		if errors.Is(err, meta.ErrNoSuchUser) {
			return "", "", fmt.Errorf("%w: %q", errUnknownUser, name)
		}
		return "", "", err
	}
	if prepare != nil {
		if err := prepare(u); err != nil {
			return "", "", err
		}
	}
	k := newSessionKey(name, c.cfg.SessionTTL)
	if err := c.deps.Keys.PutAccessKey(ctx, k); err != nil {
		return "", "", err
	}
	id, err := c.adminClient(r, k.ID, k.Secret).WhoAmI(ctx)
	if err != nil {
		c.deleteSessionKey(r, name, k.ID)
		return k.ID, "", err
	}
	c.log.Info("signed in", "user", id.User, "via", via, "access_key", k.ID)
	return k.ID, c.sessions.create(&session{accessKey: k.ID, secret: k.Secret, user: id.User, via: via}), nil
}

// sessionEnded deletes the session key of a session that ended, if it had one.
func (c *Console) sessionEnded(s *session) {
	if s.via != "" {
		go c.deleteSessionKey(nil, s.user, s.accessKey)
	}
}

// deleteSessionKey deletes user's session key id, for the browser's request r (nil
// when the session ended on its own), and records it; a failure is logged (the key
// is then left for an operator: its id starts with SessionKeyPrefix).
func (c *Console) deleteSessionKey(r *http.Request, user, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c.deleteKey(ctx, r, user, id)
}

// deleteKey deletes a session key within ctx and records it.
func (c *Console) deleteKey(ctx context.Context, r *http.Request, user, id string) {
	err := c.deps.Keys.DeleteAccessKey(ctx, id)
	if errors.Is(err, meta.ErrNoSuchAccessKey) {
		err = nil // already gone (the user, or the key, was deleted)
	}
	if err != nil {
		c.log.Warn("could not delete a console session key", "access_key", id, "error", err)
	}
	c.record(r, actDeleteSessionKey, user, id, "", err)
}
