package peerlog

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(time.Minute)
	l.now = func() time.Time { return now }

	ok, n := l.Allow("node3")
	require.True(t, ok, "the first line of a kind goes out at once")
	require.Zero(t, n)
	for range 299 { // five minutes of failures every 200 ms, a minute at a time
		ok, _ = l.Allow("node3")
		require.False(t, ok)
	}
	ok, _ = l.Allow("node2")
	require.True(t, ok, "another kind is not held back by the first")

	now = now.Add(time.Minute)
	ok, n = l.Allow("node3")
	require.True(t, ok, "once an interval has passed")
	require.Equal(t, 299, n, "with the count held back")
	ok, _ = l.Allow("node3")
	require.False(t, ok)

	require.Equal(t, 1, l.Reset("node3"))
	ok, n = l.Allow("node3")
	require.True(t, ok, "after a reset, at once")
	require.Zero(t, n)
}

func TestLimiterIsBounded(t *testing.T) {
	l := New(time.Minute)
	for i := range 3 * maxKeys {
		l.Allow(fmt.Sprint(i))
	}
	require.LessOrEqual(t, len(l.keys), maxKeys)
}
