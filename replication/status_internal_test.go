package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

// TestBackfillTotalsAndETA: a backfill's ETA is what is left to compare at the
// rate compared so far, by bytes (by objects when they are empty); none while the
// totals are still counted, or once it is done.
func TestBackfillTotalsAndETA(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	start := now.Add(-100 * time.Second)
	cases := []struct {
		name     string
		p        meta.ReplicationProgress
		eta      float64
		counting bool
	}{
		{"by bytes", meta.ReplicationProgress{BackfillStarted: start, BackfillCounted: true, BackfillCompared: 10, BackfillComparedBytes: 250,
			BackfillTotalObjects: 1000, BackfillTotalBytes: 1000}, 300, false},
		{"by objects", meta.ReplicationProgress{BackfillStarted: start, BackfillCounted: true, BackfillCompared: 10, BackfillTotalObjects: 30}, 200, false},
		{"more than counted", meta.ReplicationProgress{BackfillStarted: start, BackfillCounted: true, BackfillCompared: 40, BackfillTotalObjects: 30}, 0, false},
		{"counting", meta.ReplicationProgress{BackfillStarted: start, BackfillCompared: 10, BackfillTotalObjects: 30}, 0, true},
		{"done", meta.ReplicationProgress{BackfillStarted: start, BackfillCounted: true, BackfillDone: true, BackfillCompared: 30, BackfillTotalObjects: 30}, 0, false},
		{"not started", meta.ReplicationProgress{}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s meta.ReplicationStatus
			backfillTotals(&s, c.p, now)
			require.InDelta(t, c.eta, s.BackfillETASeconds, 1e-9)
			require.Equal(t, c.counting, s.BackfillCounting)
			require.Equal(t, c.p.BackfillTotalObjects, s.BackfillTotalObjects)
		})
	}
}

// TestRuleRateOverTheLastMinute: a rule's rate counts what was sent within the
// last rateWindow seconds, and forgets it after.
func TestRuleRateOverTheLastMinute(t *testing.T) {
	st := &ruleStats{s: meta.ReplicationStatus{Failures: map[string]int64{}}}
	st.sent(600, false)
	st.sent(0, true)
	objects, bytes := st.rate(time.Now())
	require.InDelta(t, 2.0/rateWindow, objects, 1e-9)
	require.InDelta(t, 600.0/rateWindow, bytes, 1e-9)
	objects, bytes = st.rate(time.Now().Add(rateWindow * time.Second))
	require.Zero(t, objects)
	require.Zero(t, bytes)
}
