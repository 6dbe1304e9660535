package blob

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
)

// blockFile is the path of block h in a store rooted at dir.
func blockFile(dir string, h [32]byte) string {
	name := hex.EncodeToString(h[:])
	return filepath.Join(dir, "blocks", name[:2], name[2:4], name)
}

func TestScrubFindsWhatReadsCannot(t *testing.T) {
	s := newStore(t)
	data := randBytes(3*testBlock, 31)
	put(t, s, "b", "k", data)
	ref := blocksOf(t, s, "b", "k")[1]
	res, err := s.Scrub(context.Background())
	require.NoError(t, err)
	require.Equal(t, 3, res.Checked)
	require.EqualValues(t, 3*(testBlock+block.TrailerSize), res.Bytes)
	require.Zero(t, res.Corrupt+res.InlineCorrupt)

	// Other bytes with a matching trailer under the block's name (a write that
	// stored the wrong bytes): the fast check passes, the SHA-256 does not.
	other := randBytes(testBlock, 32)
	wrong := block.AppendTrailer(ref.Hash, other)
	require.NoError(t, os.WriteFile(blockFile(s.cfg.Dir, ref.Hash), wrong, 0o600))
	_, err = s.blocks.Get(ref.Hash)
	require.NoError(t, err, "a read checks only the fast checksum")

	res, err = s.Scrub(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.Corrupt)
	require.Equal(t, 1, res.Unrepaired, "a single node has no other copy")
	has, err := s.blocks.Has(ref.Hash)
	require.NoError(t, err)
	require.False(t, has, "quarantined")
	entries, err := os.ReadDir(filepath.Join(s.cfg.Dir, "corrupt"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}

func TestScrubIsRateLimited(t *testing.T) {
	cfg := testConfig(t)
	cfg.ScrubRate = 1 // byte a second: the first block's bytes take hours
	s := openStore(t, cfg)
	put(t, s, "b", "k", randBytes(3*testBlock, 33))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := s.Scrub(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 1, res.Checked, "paused after the first block")
}

func TestClusterScrubRepairsFromAnotherOwner(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	data := randBytes(3*testBlock, 34)
	put(t, c.nodes[1].store, "bk", "obj", data)
	nd := c.nodes[0]
	ref := blocksOf(t, nd.store, "bk", "obj")[0]
	require.Eventually(t, func() bool { return hasBlock(nd, ref.Hash) }, 10*time.Second, 10*time.Millisecond)
	file := blockFile(nd.cfg.Dir, ref.Hash)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	raw[7] ^= 0x01
	require.NoError(t, os.WriteFile(file, raw, 0o600))

	res, err := nd.store.Scrub(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, res.Corrupt)
	require.Equal(t, 1, res.Repaired)
	require.True(t, hasBlock(nd, ref.Hash))
	require.NoError(t, nd.store.blocks.Verify(ref.Hash, nil))
}

// The scanner checks block files and inline records; a dry run reports a bad copy of
// each and changes nothing, a real run repairs both from another owner.
func TestClusterScrubDryRunThenRepairsBlocksAndInline(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	small := randBytes(testInline/2, 41)
	nd := corruptInlineOn(t, c, small) // node-0's copy of bk/small is bad
	data := randBytes(2*testBlock, 42)
	put(t, c.nodes[1].store, "bk", "obj", data)
	ref := blocksOf(t, nd.store, "bk", "obj")[0]
	require.Eventually(t, func() bool { return hasBlock(nd, ref.Hash) }, 10*time.Second, 10*time.Millisecond)
	file := blockFile(nd.cfg.Dir, ref.Hash)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	raw[5] ^= 0x02
	require.NoError(t, os.WriteFile(file, raw, 0o600))

	dry, err := nd.store.RunScrub(ctx, true)
	require.NoError(t, err)
	require.True(t, dry.DryRun)
	require.Equal(t, 1, dry.Corrupt)
	require.Equal(t, 1, dry.InlineCorrupt)
	require.Zero(t, dry.Repaired+dry.InlineRepaired)
	after, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, raw, after, "a dry run leaves the bad block where it is")
	require.False(t, inlineIntact(c, nd, small), "and the bad inline copy too")
	require.Equal(t, dry, nd.store.LastScrub())

	res, err := nd.store.RunScrub(ctx, false)
	require.NoError(t, err)
	require.Equal(t, 1, res.Corrupt)
	require.Equal(t, 1, res.Repaired)
	require.Equal(t, 1, res.InlineCorrupt)
	require.Equal(t, 1, res.InlineRepaired)
	require.GreaterOrEqual(t, res.InlineChecked, 1)
	require.NoError(t, nd.store.blocks.Verify(ref.Hash, nil))
	require.True(t, inlineIntact(c, nd, small))
	tot := nd.store.ScrubTotals()
	require.Equal(t, 1, tot.Repaired)
	require.Equal(t, 1, tot.InlineRepaired)

	again, err := nd.store.RunScrub(ctx, false)
	require.NoError(t, err)
	require.Zero(t, again.Corrupt+again.InlineCorrupt)
}
