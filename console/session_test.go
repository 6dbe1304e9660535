package console

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSessionExpiry: a session ends after the idle timeout without use, and after
// its lifetime however much it is used; the oldest goes when the table is full.
func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	cfg.SessionTTL, cfg.IdleTimeout, cfg.MaxSessions = time.Hour, 10*time.Minute, 2
	cfg.Now = func() time.Time { return now }
	ss := newSessions(cfg)

	idle := ss.create(&session{user: "a"})
	busy := ss.create(&session{user: "b"})
	require.NotEqual(t, idle, busy)
	for i := 0; i < 5; i++ {
		now = now.Add(9 * time.Minute)
		require.NotNil(t, ss.get(busy), "used every 9 minutes: alive at %v", i)
	}
	require.Nil(t, ss.get(idle), "unused for 45 minutes")
	now = now.Add(9 * time.Minute) // 54 minutes
	require.NotNil(t, ss.get(busy))
	now = now.Add(6 * time.Minute) // 60 minutes: the lifetime is over
	require.Nil(t, ss.get(busy))

	a := ss.create(&session{user: "a"})
	now = now.Add(time.Minute)
	b := ss.create(&session{user: "b"})
	now = now.Add(time.Minute)
	c := ss.create(&session{user: "c", accessKey: "K"})
	require.Nil(t, ss.get(a), "the least recently used session made room")
	require.NotNil(t, ss.get(b))
	require.NotNil(t, ss.get(c))
	ss.endKey("K")
	require.Nil(t, ss.get(c))
	ss.end(b)
	require.Nil(t, ss.get(b))
	require.Nil(t, ss.get(""))
}

// TestSafeNext: the sign-in page redirects only to the console's own pages.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/b/photos/": "/b/photos/", "": "/buckets", "//evil.example/": "/buckets",
		"https://evil.example/": "/buckets", "/\\evil.example": "/buckets", "/s3/b/k?X-Amz-Signature=1": "/buckets",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}

// TestFoldName: search matches names as people type them.
func TestFoldName(t *testing.T) {
	require.Equal(t, foldName("café"), foldName("CAFE\u0301"))
	require.Equal(t, foldName("straße"), foldName("STRASSE"))
	require.Contains(t, foldName("Ünïcödé-Report.PDF"), foldName("ünïcödé"))
}
