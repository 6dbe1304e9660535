package meta

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A key with an expiry works until then, is refused from then on (Principal.Check),
// and the leader deletes it ExpiredKeyGrace later; a key without one is kept.
func TestAccessKeyExpiry(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	require.NoError(t, m.CreateUser(ctx, UserInput{Name: "alice"}))

	past := time.Now().Add(-time.Second)
	require.ErrorIs(t, m.PutAccessKey(ctx, AccessKey{ID: "CNSLPAST", User: "alice", Secret: "s", Expiry: &past}), ErrInvalid)

	expiry := time.Now().Add(time.Hour)
	require.NoError(t, m.PutAccessKey(ctx, AccessKey{ID: "CNSLSESSION", User: "alice", Secret: "s", Expiry: &expiry}))
	require.NoError(t, m.PutAccessKey(ctx, AccessKey{ID: "AKIDFOREVER", User: "alice", Secret: "s"}))
	k, err := m.AccessKey(ctx, "CNSLSESSION")
	require.NoError(t, err)
	require.NotNil(t, k.Expiry)
	require.True(t, k.Expiry.Equal(expiry))
	keys, err := m.AccessKeys(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, keys, 2)

	p, err := m.Principal(ctx, "CNSLSESSION")
	require.NoError(t, err)
	require.NoError(t, p.Check(time.Now()), "valid before its expiry")
	require.ErrorIs(t, p.Check(expiry), ErrAccessKeyExpired, "refused from its expiry on")
	p, err = m.Principal(ctx, "AKIDFOREVER")
	require.NoError(t, err)
	require.NoError(t, p.Check(expiry.Add(24*time.Hour)))

	m.deleteExpiredKeys(ctx, expiry.Add(ExpiredKeyGrace-time.Second))
	_, err = m.AccessKey(ctx, "CNSLSESSION")
	require.NoError(t, err, "kept within the grace")
	m.deleteExpiredKeys(ctx, expiry.Add(ExpiredKeyGrace+time.Second))
	_, err = m.AccessKey(ctx, "CNSLSESSION")
	require.ErrorIs(t, err, ErrNoSuchAccessKey, "deleted after the grace")
	_, err = m.AccessKey(ctx, "AKIDFOREVER")
	require.NoError(t, err, "a key without an expiry stays")
}
