package index

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func versioned(r Record) Record {
	r.Versioned = true
	return r
}

func hlcsOf(es []Entry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.HLC
	}
	return out
}

// TestIndexKeepsEveryVersion: versioned records accumulate, newest first; a null
// record supersedes only the key's older null record; a tombstone in a version's slot
// wins over it whatever the order they arrive in; a later attribute change wins.
func TestIndexKeepsEveryVersion(t *testing.T) {
	x := openTest(t)
	ctx := context.Background()
	put := func(r Record) bool {
		t.Helper()
		ok, err := x.PutRecord(ctx, 1, r)
		require.NoError(t, err)
		return ok
	}
	require.True(t, put(rec("b", "k", 10, "n1")))            // null
	require.True(t, put(versioned(rec("b", "k", 20, "n1")))) // v20
	require.True(t, put(versioned(rec("b", "k", 20, "n2")))) // same HLC, other node: its own version
	require.True(t, put(versioned(rec("b", "k", 30, "n1"))))
	es, err := x.Versions(ctx, 1, "b", "k", VersionsQuery{All: true})
	require.NoError(t, err)
	require.Equal(t, []uint64{30, 20, 20, 10}, hlcsOf(es))
	require.Equal(t, "n2", es[1].Node, "a tie orders the greater node first, as Newer")

	require.False(t, put(rec("b", "k", 5, "n1")), "an older null record is superseded")
	require.True(t, put(rec("b", "k", 40, "n1")), "a newer null record supersedes the older")
	es, err = x.Versions(ctx, 1, "b", "k", VersionsQuery{All: true})
	require.NoError(t, err)
	require.Equal(t, []uint64{40, 30, 20, 20}, hlcsOf(es), "the null record at 10 is gone, the versions stay")

	// A tombstone in v30's slot, then the live copy arriving late: the tombstone stays.
	tomb := versioned(rec("b", "k", 30, "n1"))
	tomb.Tombstone, tomb.Changed, tomb.Inline, tomb.ETag, tomb.Size = true, 50, nil, "", 0
	require.True(t, put(tomb))
	require.False(t, put(versioned(rec("b", "k", 30, "n1"))), "the removed version does not come back")
	r, err := x.GetVersion(ctx, 1, "b", "k", 30, "n1")
	require.NoError(t, err)
	require.True(t, r.Tombstone)

	// Attribute changes: the later Changed wins, in either order.
	a := versioned(rec("b", "k", 20, "n2"))
	a.Changed, a.Meta = 60, []byte("tags-60")
	b := a
	b.Changed, b.Meta = 55, []byte("tags-55")
	require.True(t, put(a))
	require.False(t, put(b))
	r, err = x.GetVersion(ctx, 1, "b", "k", 20, "n2")
	require.NoError(t, err)
	require.Equal(t, "tags-60", string(r.Meta))
	require.Equal(t, uint64(60), r.Changed)

	// The current-version view stops at the first record that is not a tombstone.
	es, err = x.Versions(ctx, 1, "b", "k", VersionsQuery{})
	require.NoError(t, err)
	require.Equal(t, []uint64{40}, hlcsOf(es))
	es, err = x.Versions(ctx, 1, "b", "k", VersionsQuery{HLC: 20})
	require.NoError(t, err)
	require.Len(t, es, 2)

	// Listings: without Versions, a key's run down to its first live record; with
	// Versions every record, resumable within a key.
	bs, err := x.List(ctx, []int{1}, ListQuery{Bucket: "b"})
	require.NoError(t, err)
	require.Equal(t, []uint64{40}, hlcsOf(bs[0].Entries))
	bs, err = x.List(ctx, []int{1}, ListQuery{Bucket: "b", Versions: true, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []uint64{40, 30}, hlcsOf(bs[0].Entries))
	require.True(t, bs[0].More)
	last := bs[0].Entries[1]
	bs, err = x.List(ctx, []int{1}, ListQuery{Bucket: "b", Versions: true, Pos: Position{After: "k", HLC: last.HLC, Node: last.Node}})
	require.NoError(t, err)
	require.Equal(t, []uint64{20, 20}, hlcsOf(bs[0].Entries))
}

// TestIndexReadsRecordsOfThePreviousRelease: a record written before versioning (one
// per key, its key without the node) reads as the key's null version, and a new null
// write supersedes it.
func TestIndexReadsRecordsOfThePreviousRelease(t *testing.T) {
	x := openTest(t)
	ctx := context.Background()
	old := rec("b", "k", 10, "n1")
	require.NoError(t, x.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(versionsBucket).Put(legacyVersionKey(1, "b", "k", 10), encodeRecord(&old))
	}))
	r, err := x.GetRecord(ctx, 1, "b", "k")
	require.NoError(t, err)
	require.False(t, r.Versioned, "a record of the previous release is the null version")
	require.Equal(t, old.Inline, r.Inline)
	r, err = x.GetVersion(ctx, 1, "b", "k", 10, "n1")
	require.NoError(t, err)
	require.Equal(t, old.ETag, r.ETag)
	bs, err := x.List(ctx, []int{1}, ListQuery{Bucket: "b"})
	require.NoError(t, err)
	require.Len(t, bs[0].Entries, 1)

	// Its own copy, with an attribute change, replaces it in place.
	changed := old
	changed.Changed = 11
	require.True(t, mustPut(t, x, changed))
	es, err := x.Versions(ctx, 1, "b", "k", VersionsQuery{All: true})
	require.NoError(t, err)
	require.Len(t, es, 1)
	require.Equal(t, uint64(11), es[0].Changed)

	require.True(t, mustPut(t, x, versioned(rec("b", "k", 20, "n1"))))
	require.True(t, mustPut(t, x, rec("b", "k", 30, "n1")))
	es, err = x.Versions(ctx, 1, "b", "k", VersionsQuery{All: true})
	require.NoError(t, err)
	require.Equal(t, []uint64{30, 20}, hlcsOf(es), "the new null version superseded the old one")
}

func mustPut(t *testing.T, x *Index, r Record) bool {
	t.Helper()
	ok, err := x.PutRecord(context.Background(), 1, r)
	require.NoError(t, err)
	return ok
}
