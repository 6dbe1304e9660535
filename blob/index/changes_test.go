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
