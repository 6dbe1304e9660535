package management

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

func bucketNamed(name string) meta.Bucket { return meta.Bucket{Name: name} }

func TestClientOverItsRateGets429(t *testing.T) {
	h := newFakeHarness(t, func(c *Config) { c.RateLimit, c.Burst = 1, 2 })
	for range 2 {
		status, _, _ := h.do(http.MethodGet, "/v1/s3/ping", "", "-")
		require.Equal(t, http.StatusOK, status)
	}
	// Failed authentications count too: a guesser is slowed down as much.
	status, hdr, body := h.do(http.MethodGet, "/v1/s3/cairn/buckets", "", "wrong")
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Equal(t, TooManyRequests, errorCode(t, body))
	require.Equal(t, "1", hdr.Get("Retry-After"))

	h.clock.advance(time.Second)
	status, _, _ = h.do(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusOK, status)
	status, _, _ = h.do(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusTooManyRequests, status)
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	l := newLimiter(Config{Now: clock, RateLimit: 2, Burst: 2, TotalRateLimit: 3, TotalBurst: 3, MaxClients: 2})
	ok, _ := l.allow("a")
	require.True(t, ok)
	ok, _ = l.allow("a")
	require.True(t, ok)
	ok, retry := l.allow("a")
	require.False(t, ok)
	require.Equal(t, 500*time.Millisecond, retry)
	ok, _ = l.allow("b")
	require.True(t, ok)
	ok, retry = l.allow("c") // b has tokens, but all clients together have none
	require.False(t, ok)
	require.Equal(t, time.Second/3, retry)
	require.LessOrEqual(t, len(l.clients), 2, "the client table stays bounded")

	now = now.Add(10 * time.Second)
	for i := range 10 {
		ok, _ := l.allow(fmt.Sprint("client-", i))
		require.True(t, ok || i >= 3)
	}
	require.LessOrEqual(t, len(l.clients), 2)

	unlimited := newLimiter(Config{Now: clock, RateLimit: -1, Burst: 1, TotalRateLimit: -1, TotalBurst: 1, MaxClients: 1})
	for range 100 {
		ok, _ := unlimited.allow("a")
		require.True(t, ok)
	}
}
