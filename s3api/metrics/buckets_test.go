package metrics

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBucketTrafficLabelsStayMonotonic: the labelled set follows the traffic, and
// OtherBucket's counters never go down when a bucket joins or leaves it; every
// bucket's exact counts are kept; names beyond MaxTrackedBuckets go to OtherBucket
// only.
func TestBucketTrafficLabelsStayMonotonic(t *testing.T) {
	tr := newBucketTraffic(1, nil)
	tr.record("a", "PutObject", false, 10, 0)
	tr.record("b", "GetObject", true, 0, 5)
	tr.record("b", "GetObject", false, 0, 5)
	require.Equal(t, int64(3), tr.other.total())
	require.Equal(t, map[string]bool{"b": true}, tr.choose(), "b is the busiest")

	tr.record("b", "ListObjectsV2", false, 0, 0) // labelled: not in other
	tr.record("a", "PutObject", false, 0, 0)
	tr.record("a", "DeleteObject", false, 0, 0)
	require.Equal(t, int64(5), tr.other.total())
	require.Equal(t, map[string]bool{"a": true}, tr.choose(), "a was busier since the last choice")
	tr.record("b", "GetObject", false, 0, 0)
	require.Equal(t, int64(6), tr.other.total(), "b, no longer labelled, counts in other again")

	snap := tr.snapshot()
	require.Equal(t, BucketTraffic{Requests: map[string]int64{"read": 3, "write": 0, "list": 1, "other": 0}, Errors: 1, BytesOut: 10}, snap["b"])
	require.Equal(t, int64(3), snap["a"].Requests["write"])

	for i := range MaxTrackedBuckets + 10 {
		tr.record(fmt.Sprintf("n-%d", i), "HeadObject", false, 0, 0)
	}
	require.Len(t, tr.snapshot(), MaxTrackedBuckets)
	require.Equal(t, int64(6+MaxTrackedBuckets+10), tr.other.total())
}
