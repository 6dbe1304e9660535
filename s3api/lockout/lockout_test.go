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

func TestKeyLockedAtOneAddressOnly(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 3, MaxAddressFailures: 10, Window: time.Minute, Duration: 30 * time.Second})
	l.Fail("10.0.0.1", "AKID")
	l.Fail("10.0.0.1", "AKID")
	_, locked := l.Locked("10.0.0.1", "AKID")
	require.False(t, locked)
	l.Fail("10.0.0.1", "AKID")
	until, locked := l.Locked("10.0.0.1", "AKID")
	require.True(t, locked, "the third failure for the key from the address")
	require.Equal(t, c.t.Add(30*time.Second), until)

	// The key's owner elsewhere, and other keys at the same address, are not affected.
	_, locked = l.Locked("10.0.0.2", "AKID")
	require.False(t, locked, "another address using the same key")
	_, locked = l.Locked("10.0.0.1", "OTHER")
	require.False(t, locked, "another key at the same address")
	_, locked = l.Locked("10.0.0.1", "")
	require.False(t, locked, "an anonymous request from the address")

	// Failures while locked do not extend the lock.
	c.advance(20 * time.Second)
	l.Fail("10.0.0.1", "AKID")
	c.advance(10 * time.Second)
	_, locked = l.Locked("10.0.0.1", "AKID")
	require.False(t, locked, "the lock ends after Duration")

	// And the count starts again.
	l.Fail("10.0.0.1", "AKID")
	_, locked = l.Locked("10.0.0.1", "AKID")
	require.False(t, locked)
}

func TestAddressLockedAfterManyKeys(t *testing.T) {
	l, _ := newLimiter(Config{MaxFailures: 3, MaxAddressFailures: 5, Window: time.Minute, Duration: time.Minute})
	for i := range 5 {
		_, locked := l.Locked("10.0.0.1", "")
		require.False(t, locked, "after %d failures", i)
		l.Fail("10.0.0.1", fmt.Sprintf("KEY%d", i))
	}
	_, locked := l.Locked("10.0.0.1", "FRESH")
	require.True(t, locked, "five failures from one address, each for another key")
	_, locked = l.Locked("10.0.0.2", "KEY0")
	require.False(t, locked, "another address")
}

func TestFailuresOutsideTheWindowDoNotCount(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 3, Window: time.Minute, Duration: time.Minute})
	l.Fail("ip", "K")
	l.Fail("ip", "K")
	c.advance(time.Minute)
	l.Fail("ip", "K")
	_, locked := l.Locked("ip", "K")
	require.False(t, locked, "the window restarted")
	l.Fail("ip", "K")
	l.Fail("ip", "K")
	_, locked = l.Locked("ip", "K")
	require.True(t, locked)
}

func TestMemoryIsBounded(t *testing.T) {
	l, c := newLimiter(Config{MaxFailures: 2, Window: time.Hour, Duration: time.Hour, MaxSources: 100})
	l.Fail("victim", "K")
	l.Fail("victim", "K")
	for i := range 1000 {
		l.Fail(fmt.Sprintf("flood-%d", i), "")
		require.LessOrEqual(t, l.Len(), 100)
	}
	// The flood pushed the victim's counters out: bounded memory wins over memory.
	_, locked := l.Locked("victim", "K")
	require.False(t, locked)

	// Stale counters are dropped as failures arrive.
	c.advance(2 * time.Hour)
	l.Fail("late", "")
	require.Equal(t, 1, l.Len())
}

func TestDisabledAndNil(t *testing.T) {
	l, _ := newLimiter(Config{MaxFailures: -1})
	for range 200 {
		l.Fail("ip", "K")
	}
	_, locked := l.Locked("ip", "K")
	require.False(t, locked)
	var none *Limiter
	none.Fail("x", "K")
	_, locked = none.Locked("x", "K")
	require.False(t, locked)
}

func TestConfig(t *testing.T) {
	d := DefaultConfig()
	require.Equal(t, 10, d.MaxFailures)
	require.Equal(t, 100, d.MaxAddressFailures)
	require.Equal(t, time.Minute, d.Window)
	require.Equal(t, time.Minute, d.Duration)
	require.NoError(t, d.Validate())
	require.Error(t, Config{Window: -1}.Validate())
	require.Error(t, Config{MaxAddressFailures: -1}.Validate())
	require.Equal(t, d, Config{}.withDefaults())
	require.Equal(t, 200, Config{MaxFailures: 200}.withDefaults().MaxAddressFailures, "never below MaxFailures")
}
