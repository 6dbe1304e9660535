package index

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestChangeFeedRecordsEveryStoredRecord: each record the index stores, and only
// those, is in its partition's feed, in arrival order, across a reopen; a record
// arriving late with an old HLC still comes after what came before it.
func TestChangeFeedRecordsEveryStoredRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	x, err := Open(path)
	require.NoError(t, err)
	ctx := context.Background()
	put := func(p int, r Record) bool {
		t.Helper()
		ok, err := x.PutRecord(ctx, p, r)
		require.NoError(t, err)
		return ok
	}
	require.True(t, put(1, rec("b", "k1", 50, "n1")))
	require.True(t, put(1, rec("b", "k2", 60, "n1")))
	require.True(t, put(2, rec("b", "other", 70, "n1")))
	require.False(t, put(1, rec("b", "k1", 40, "n1")), "an older null version is not stored")
	require.True(t, put(1, rec("c", "late", 1, "n2")), "a record with an old HLC, arriving late")

	ch, err := x.Changes(ctx, 1, 0, 0)
	require.NoError(t, err)
	require.Len(t, ch, 3, "what was not stored is not in the feed")
	require.Equal(t, []string{"k1", "k2", "late"}, []string{ch[0].Key, ch[1].Key, ch[2].Key})
	require.Equal(t, "c", ch[2].Bucket)
	for i := 1; i < len(ch); i++ {
		require.Greater(t, ch[i].Seq, ch[i-1].Seq)
	}
	after, err := x.Changes(ctx, 1, ch[0].Seq, 1)
	require.NoError(t, err)
	require.Equal(t, []Change{ch[1]}, after, "resumes after a checkpoint, up to limit")

	require.NoError(t, x.Close())
	x, err = Open(path)
	require.NoError(t, err)
	defer x.Close()
	require.Equal(t, ch[2].Seq, x.LastSeq(), "the stamp survives a reopen")
	require.True(t, put(1, rec("b", "k3", 80, "n1")))
	more, err := x.Changes(ctx, 1, ch[2].Seq, 0)
	require.NoError(t, err)
	require.Len(t, more, 1)
	require.Greater(t, more[0].Seq, ch[2].Seq, "stamps never go back")

	n, err := x.TrimChanges(ctx, 1, ch[1].Seq)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	left, err := x.Changes(ctx, 1, 0, 0)
	require.NoError(t, err)
	require.Equal(t, []string{"late", "k3"}, []string{left[0].Key, left[1].Key})
	other, err := x.Changes(ctx, 2, 0, 0)
	require.NoError(t, err)
	require.Len(t, other, 1, "other partitions are untouched")
}

// TestChangesTellARemovalForGood: a versioned tombstone (a version removed by its
// id) is in the feed with the removed version's slot, which site sync replicates
// the removal by; other records, a null tombstone included, carry none.
func TestChangesTellARemovalForGood(t *testing.T) {
	ctx := t.Context()
	x, err := Open(filepath.Join(t.TempDir(), "index.db"))
	require.NoError(t, err)
	defer x.Close()
	v := Record{Bucket: "b", Key: "k\x01x", HLC: 50, Node: "\x01site\x01etag\x01abcd0123", Versioned: true, ETag: "e"}
	_, err = x.PutRecord(ctx, 1, v)
	require.NoError(t, err)
	gone := Record{Bucket: "b", Key: v.Key, HLC: 50, Node: v.Node, Versioned: true, Tombstone: true, Changed: 60}
	_, err = x.PutRecord(ctx, 1, gone)
	require.NoError(t, err)
	_, err = x.PutRecord(ctx, 1, Record{Bucket: "b", Key: "n", HLC: 70, Node: "n1", Tombstone: true})
	require.NoError(t, err)

	ch, err := x.Changes(ctx, 1, 0, 0)
	require.NoError(t, err)
	require.Len(t, ch, 3)
	require.False(t, ch[0].Removed, "a version stored")
	require.Equal(t, Change{Seq: ch[1].Seq, Bucket: "b", Key: v.Key, Removed: true, HLC: 50, Node: v.Node}, ch[1])
	require.False(t, ch[2].Removed, "a null version's tombstone is no removal by id")
	require.Equal(t, "n", ch[2].Key)
}
