package replication

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFailingRuleBacksOffAndRecovers(t *testing.T) {
	s := &ruleStats{}
	s.s.Failures = map[string]int64{}
	now := time.Unix(1000, 0)
	const iv = time.Second
	var waits []time.Duration
	for range 8 {
		require.True(t, s.beginRound(now))
		s.fail("network", errors.New("refused"))
		s.endRound(now, iv)
		waits = append(waits, s.until.Sub(now))
		require.False(t, s.beginRound(now.Add(s.until.Sub(now)-time.Millisecond)), "not before the back-off ends")
		now = s.until
	}
	require.Equal(t, []time.Duration{1 * iv, 2 * iv, 4 * iv, 8 * iv, 16 * iv, 32 * iv, 32 * iv, 32 * iv}, waits)
	require.EqualValues(t, 8, s.s.Failures["network"])

	require.True(t, s.beginRound(now))
	s.endRound(now, iv) // a round without a failure
	require.True(t, s.beginRound(now), "a success resets the back-off")
}
