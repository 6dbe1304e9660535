package lockout

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a manual clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newLimiter(cfg Config) (*Limiter, *clock) {
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	return New(cfg, c.now), c
}

func TestLockoutAfterMaxFailures(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 3, Window: time.Minute, Duration: 30 * time.Second})
	l.Fail("ip:1", "key:A")
	l.Fail("ip:1", "key:A")
	_, locked := l.Locked("ip:1", "key:A")
	require.False(t, locked)
	l.Fail("ip:1", "key:B")
	until, locked := l.Locked("ip:1")
	require.True(t, locked, "the third failure from the address")
	require.Equal(t, c.t.Add(30*time.Second), until)
	_, locked = l.Locked("key:A")
	require.False(t, locked, "key A failed only twice")
	_, locked = l.Locked("ip:2", "key:A", "ip:1")
	require.True(t, locked, "any locked source locks the request")
	_, locked = l.Locked("ip:2", "")
	require.False(t, locked)

	// Failures while locked do not extend the lockout.
	c.advance(20 * time.Second)
	l.Fail("ip:1")
	c.advance(10 * time.Second)
	_, locked = l.Locked("ip:1")
	require.False(t, locked, "the lockout ends after Duration")

	// And the count starts again.
	l.Fail("ip:1")
	_, locked = l.Locked("ip:1")
	require.False(t, locked)
}

func TestFailuresOutsideTheWindowDoNotCount(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 3, Window: time.Minute, Duration: time.Minute})
	l.Fail("ip:1")
	l.Fail("ip:1")
	c.advance(time.Minute)
	l.Fail("ip:1")
	_, locked := l.Locked("ip:1")
	require.False(t, locked, "the window restarted")
	l.Fail("ip:1")
	l.Fail("ip:1")
	_, locked = l.Locked("ip:1")
	require.True(t, locked)
}

func TestMemoryIsBounded(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 2, Window: time.Hour, Duration: time.Hour, MaxSources: 100})
	l.Fail("victim")
	l.Fail("victim")
	for i := range 1000 {
		l.Fail(fmt.Sprintf("flood-%d", i))
		require.LessOrEqual(t, l.Len(), 100)
	}
	// The flood pushed the victim's record out: bounded memory wins over memory.
	_, locked := l.Locked("victim")
	require.False(t, locked)

	// Stale sources are dropped as failures arrive.
	c.advance(2 * time.Hour)
	l.Fail("late")
	require.Equal(t, 1, l.Len())
}

func TestDisabledAndNil(t *testing.T) {
	l, _ := newLimiter(Config{MaxFailures: -1})
	for range 100 {
		l.Fail("ip:1")
	}
	_, locked := l.Locked("ip:1")
	require.False(t, locked)
	var none *Limiter
	none.Fail("x")
	_, locked = none.Locked("x")
	require.False(t, locked)
}

func TestConfig(t *testing.T) {
	d := DefaultConfig()
	require.Equal(t, 10, d.MaxFailures)
	require.Equal(t, time.Minute, d.Window)
	require.Equal(t, time.Minute, d.Duration)
	require.NoError(t, d.Validate())
	require.Error(t, Config{Window: -1}.Validate())
	require.Equal(t, d, Config{}.withDefaults())
}
