package hlc

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClockIsMonotonicWhenWallTimeStandsStill(t *testing.T) {
	fixed := time.Unix(1700000000, 0)
	c := New(func() time.Time { return fixed })
	a, b := c.Now(), c.Now()
	require.Greater(t, b, a)
	require.Equal(t, fixed.UTC(), b.Time())
}

func TestClockNeverGoesBackwards(t *testing.T) {
	now := time.Unix(1700000000, 0)
	c := New(func() time.Time { return now })
	a := c.Now()
	now = now.Add(-time.Hour)
	require.Greater(t, c.Now(), a)
}

func TestObserveOrdersLaterEventsAfterRemote(t *testing.T) {
	c := New(func() time.Time { return time.Unix(1700000000, 0) })
	remote := FromTime(time.Unix(1800000000, 0)) + 5
	c.Observe(remote)
	require.Greater(t, c.Now(), remote)
}
