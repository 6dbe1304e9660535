package blob

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReadAheadIsBoundedAcrossReaders: many readers that read one byte and stop (a
// stalled download each) hold at most the store's read-ahead budget of blocks
// fetched ahead, not readAhead each; another reader still reads the whole object
// (it fetches on demand once the budget is spent); and closing the stalled readers
// gives every token back.
func TestReadAheadIsBoundedAcrossReaders(t *testing.T) {
	s := newStore(t)
	data := randBytes(6*testBlock, 3)
	put(t, s, "bk", "big", data)
	ctx := context.Background()
	var stalled []io.ReadCloser
	for range readAheadBudget {
		o, err := s.OpenObject(ctx, "bk", "big")
		require.NoError(t, err)
		r, err := o.NewReader(ctx, 0, -1)
		require.NoError(t, err)
		one := make([]byte, 1)
		_, err = io.ReadFull(r, one)
		require.NoError(t, err)
		stalled = append(stalled, r)
	}
	// Each stalled reader consumed its first block; what it fetched beyond that is
	// on the budget, which is now spent (readAheadBudget readers × readAhead blocks
	// would want twice as many).
	deadline := time.Now().Add(10 * time.Second)
	for len(s.readAhead) < readAheadBudget {
		require.True(t, time.Now().Before(deadline), "read ahead never used the budget: %d", len(s.readAhead))
		time.Sleep(10 * time.Millisecond)
	}
	require.Equal(t, readAheadBudget, len(s.readAhead))

	got := readRange(t, s, "bk", "big", 0, -1)
	require.True(t, bytes.Equal(data, got), "a reader without budget read %d bytes, not the object", len(got))

	for _, r := range stalled {
		require.NoError(t, r.Close())
	}
	require.Zero(t, len(s.readAhead), "closed readers kept read-ahead tokens")
}
