package blob

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCountsAreLocalCopiesAndCached(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := testConfig(t)
	cfg.Now = func() time.Time { return now }
	s := openStore(t, cfg)
	ctx := context.Background()
	put(t, s, "b", "small", []byte("inline"))
	put(t, s, "b", "large", bytes.Repeat([]byte("x"), 2*cfg.withDefaults().BlockSize+5))
	put(t, s, "b", "gone", []byte("soon deleted"))
	require.NoError(t, s.DeleteObject(ctx, "b", "gone"))

	c, err := s.Counts(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), c.Objects)
	require.Equal(t, int64(1), c.Tombstones)
	require.GreaterOrEqual(t, c.Blocks, int64(2)) // two distinct blocks at least (the full ones repeat)
	require.Positive(t, c.BlockBytes)

	// Within a minute the figures are reused; after it they are measured again.
	put(t, s, "b", "later", []byte("new"))
	again, err := s.Counts(ctx)
	require.NoError(t, err)
	require.Equal(t, c, again)
	now = now.Add(DefaultConfig().UsageMaxAge)
	fresh, err := s.Counts(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(3), fresh.Objects)
}
