package admin

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

func TestMergeStatusSumsTheNodes(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	byNode := map[string][]meta.ReplicationStatus{
		"n1": {{Bucket: "b", ID: "r", Objects: 3, Bytes: 30, Backlog: 1, OldestUnsent: t0.Add(time.Minute), LagSeconds: 5,
			Failures: map[string]int64{"network": 2}, LastError: "old", LastErrAt: t0}},
		"n2": {{Bucket: "b", ID: "r", Objects: 4, Bytes: 40, Backlog: 2, OldestUnsent: t0, LagSeconds: 65,
			Failures: map[string]int64{"network": 1, "AccessDenied": 1}, LastError: "new", LastErrAt: t0.Add(time.Hour)},
			{Bucket: "a", ID: "r", Paused: true}},
	}
	got := mergeStatus(byNode)
	require.Len(t, got, 2)
	require.Equal(t, "a", got[0].Bucket, "by bucket, then id")
	require.True(t, got[0].Paused)
	m := got[1]
	require.EqualValues(t, 7, m.Objects)
	require.EqualValues(t, 70, m.Bytes)
	require.Equal(t, 3, m.Backlog)
	require.Equal(t, t0, m.OldestUnsent)
	require.InDelta(t, 65, m.LagSeconds, 0.001)
	require.Equal(t, map[string]int64{"network": 3, "AccessDenied": 1}, m.Failures)
	require.Equal(t, "new", m.LastError)
	require.Equal(t, map[string]int64{"network": 2}, byNode["n1"][0].Failures, "the inputs are not changed")
}
