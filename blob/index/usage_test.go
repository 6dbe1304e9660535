package index

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStatsUsage: the stats walk counts, per bucket and partition, the current
// versions that hold data (objects), every version that holds data, and the delete
// markers, skipping tombstones (but taking their time as the latest change); a key whose newest version is a delete marker is no
// object, and a removed current version makes the next one current.
func TestStatsUsage(t *testing.T) {
	x := openTest(t)
	ctx := context.Background()
	put := func(p int, r Record) {
		t.Helper()
		_, err := x.PutRecord(ctx, p, r)
		require.NoError(t, err)
	}
	sized := func(r Record, n int64) Record { r.Size = n; return r }

	// Bucket a, partition 1: "k" has two versions (100 current, 40 noncurrent).
	put(1, versioned(sized(rec("a", "k", 10, "n"), 40)))
	put(1, versioned(sized(rec("a", "k", 20, "n"), 100)))
	// "gone": a version behind a delete marker.
	put(1, versioned(sized(rec("a", "gone", 10, "n"), 7)))
	put(1, Record{Bucket: "a", Key: "gone", HLC: 30, Node: "n", Versioned: true, DeleteMarker: true})
	// "removed": its newest version removed for good, the older one is current.
	put(1, versioned(sized(rec("a", "removed", 10, "n"), 5)))
	put(1, versioned(sized(rec("a", "removed", 20, "n"), 9)))
	put(1, Record{Bucket: "a", Key: "removed", HLC: 20, Node: "n", Versioned: true, Tombstone: true, Changed: 25})
	// Partition 2 of bucket a, and bucket "ab" (a prefix of no other name's key).
	put(2, sized(rec("a", "x", 10, "n"), 3))
	put(2, sized(rec("ab", "x", 10, "n"), 11))
	// A deleted null version: a tombstone only.
	put(2, sized(rec("ab", "y", 10, "n"), 13))
	put(2, Record{Bucket: "ab", Key: "y", HLC: 11, Node: "n", Tombstone: true})

	st, err := x.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, PartitionUsage{
		"a": {
			1: {BucketUsage{Objects: 2, Bytes: 105, Versions: 4, VersionBytes: 152, DeleteMarkers: 1}, 30},
			2: {BucketUsage{Objects: 1, Bytes: 3, Versions: 1, VersionBytes: 3}, 10},
		},
		// The tombstone of y is the newest change there.
		"ab": {2: {BucketUsage{Objects: 1, Bytes: 11, Versions: 1, VersionBytes: 11}, 11}},
	}, st.Usage)
}
