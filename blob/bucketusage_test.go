package blob

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
)

// TestClusterBucketUsageCountsEachObjectOnce: three owners reporting the same
// partition count once; an owner behind (or down) does not change the figure,
// whether it missed a write (too low) or a removal (too high); the partitions of a
// bucket add up.
func TestClusterBucketUsageCountsEachObjectOnce(t *testing.T) {
	at := func(u BucketUsage, latest uint64) index.PartUsage {
		return index.PartUsage{BucketUsage: u, Latest: latest}
	}
	full := BucketUsage{Objects: 2, Bytes: 20, Versions: 3, VersionBytes: 30, DeleteMarkers: 1}
	behind := BucketUsage{Objects: 1, Bytes: 10, Versions: 1, VersionBytes: 10}
	// missedRemoval still holds a version the others removed for good.
	missedRemoval := BucketUsage{Objects: 2, Bytes: 25, Versions: 4, VersionBytes: 35, DeleteMarkers: 1}
	other := BucketUsage{Objects: 5, Bytes: 50, Versions: 5, VersionBytes: 50}
	counts := []Counts{
		{Buckets: index.PartitionUsage{"b": {7: at(full, 30), 9: at(other, 5)}}},
		{Buckets: index.PartitionUsage{"b": {7: at(behind, 10), 8: at(missedRemoval, 20)}, "c": {1: at(behind, 10)}}},
		{Buckets: index.PartitionUsage{"b": {7: at(full, 30), 8: at(full, 25), 9: at(other, 5)}}},
		{}, // a node holding nothing
	}
	got := ClusterBucketUsage(counts)
	require.Equal(t, map[string]BucketUsage{
		"b": {Objects: 9, Bytes: 90, Versions: 11, VersionBytes: 110, DeleteMarkers: 2},
		"c": behind,
	}, got)
	require.Empty(t, ClusterBucketUsage(nil))
}
