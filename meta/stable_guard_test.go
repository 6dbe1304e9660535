package meta

import (
	"path/filepath"
	"testing"

	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/stretchr/testify/require"
)

// TestStableGuardDropsWritesAfterClose: before close the guard writes through; after
// it, with the database closed, a late write (raft's heartbeat path) is dropped
// instead of failing, which raft answers with a panic.
func TestStableGuardDropsWritesAfterClose(t *testing.T) {
	store, err := raftboltdb.NewBoltStore(filepath.Join(t.TempDir(), "raft.db"))
	require.NoError(t, err)
	g := &stableGuard{StableStore: store}
	require.NoError(t, g.SetUint64([]byte("CurrentTerm"), 7))
	term, err := store.GetUint64([]byte("CurrentTerm"))
	require.NoError(t, err)
	require.EqualValues(t, 7, term)

	g.close()
	require.NoError(t, store.Close())
	require.Error(t, store.SetUint64([]byte("CurrentTerm"), 8), "a closed store refuses writes")
	require.NoError(t, g.SetUint64([]byte("CurrentTerm"), 8))
	require.NoError(t, g.Set([]byte("k"), []byte("v")))
}
