package blob

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
)

// TestClusterBucketUsageCountsEachObjectOnce: three owners reporting the same
// partition count once; an owner behind (or down) does not lower the figure; the
// partitions of a bucket add up.
func TestClusterBucketUsageCountsEachObjectOnce(t *testing.T) {
	full := BucketUsage{Objects: 2, Bytes: 20, Versions: 3, VersionBytes: 30, DeleteMarkers: 1}
	behind := BucketUsage{Objects: 1, Bytes: 10, Versions: 1, VersionBytes: 10}
	other := BucketUsage{Objects: 5, Bytes: 50, Versions: 5, VersionBytes: 50}
	counts := []Counts{
		{Buckets: index.PartitionUsage{"b": {7: full, 9: other}}},
		{Buckets: index.PartitionUsage{"b": {7: behind}, "c": {1: behind}}},
		{Buckets: index.PartitionUsage{"b": {7: full, 9: other}}},
		{}, // a node holding nothing
	}
	got := ClusterBucketUsage(counts)
	require.Equal(t, map[string]BucketUsage{
		"b": {Objects: 7, Bytes: 70, Versions: 8, VersionBytes: 80, DeleteMarkers: 1},
		"c": behind,
	}, got)
	require.Empty(t, ClusterBucketUsage(nil))
}
