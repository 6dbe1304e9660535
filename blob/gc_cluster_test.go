package blob

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/blob/index"
)

// gcCluster is a 3-node rpcCluster on a shared fake clock, grace periods of an hour
// (orphans: two minutes), no background collection.
func gcCluster(t *testing.T) (*rpcCluster, *fakeClock) {
	clock := newFakeClock()
	c := newRPCCluster(t, 3, clusterOptions{now: clock.Now})
	for _, nd := range c.nodes {
		c.stop(nd)
		nd.cfg.GCGrace, nd.cfg.OrphanGrace = time.Hour, 2*time.Minute
		c.start(nd)
	}
	return c, clock
}

// blockBytes is the size of a node's block files.
func blockBytes(t *testing.T, nd *rpcNode) int64 {
	t.Helper()
	st, err := nd.store.blocks.Stats()
	require.NoError(t, err)
	return st.Bytes
}

// settled waits until every node holds want bytes of blocks: with replication 3 on 3
// nodes every node holds every block, and a block's third copy may land after its write
// was acknowledged.
func (c *rpcCluster) settled(t *testing.T, want int64) []int64 {
	t.Helper()
	var got []int64
	require.Eventually(t, func() bool {
		got = got[:0]
		for _, nd := range c.nodes {
			st, err := nd.store.blocks.Stats()
			if err != nil || st.Bytes != want {
				return false
			}
			got = append(got, st.Bytes)
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)
	return got
}

// collectAll runs one collection on every running node.
func (c *rpcCluster) collectAll(ctx context.Context) (removed int) {
	c.t.Helper()
	for _, nd := range c.nodes {
		if nd.store != nil {
			n, err := nd.store.CollectGarbage(ctx)
			require.NoError(c.t, err)
			removed += n
		}
	}
	return removed
}

func TestClusterGCReclaimsDeletedObjects(t *testing.T) {
	c, clock := gcCluster(t)
	ctx := context.Background()
	s := c.nodes[0].store
	put(t, s, "b", "keep", randBytes(3*testBlock, 1))
	base := c.settled(t, 3*(testBlock+block.TrailerSize))
	for i := range 20 {
		put(t, c.nodes[i%3].store, "b", fmt.Sprint("k", i), randBytes(5*testBlock, uint64(100+i)))
	}
	c.settled(t, base[0]+20*5*(testBlock+block.TrailerSize))
	for i := range 20 {
		require.NoError(t, c.nodes[(i+1)%3].store.DeleteObject(ctx, "b", fmt.Sprint("k", i)))
	}

	require.Zero(t, c.collectAll(ctx), "nothing goes within the grace period")
	// A delete's third tombstone may land after it was acknowledged, so a block may
	// first look unreferenced one round late: allow a second grace period.
	removed := 0
	for range 2 {
		clock.Advance(61 * time.Minute)
		removed += c.collectAll(ctx)
	}
	require.Equal(t, 3*20*5, removed, "every block of every deleted object, on each of its 3 owners")
	for i, nd := range c.nodes {
		require.Equal(t, base[i], blockBytes(t, nd), "node %s is back to its baseline", nd.id)
	}
	require.Equal(t, randBytes(3*testBlock, 1), get(t, c.nodes[2].store, "b", "keep"))
	tot := c.nodes[1].store.GCTotals()
	require.EqualValues(t, 20*5, tot.BlocksRemoved)
	require.EqualValues(t, 20*5*(testBlock+block.TrailerSize), tot.BytesFreed)
}

// A block that only a node now down references (a lagging owner, a version kept by an
// older layout) stays until that node answers and says it no longer needs it.
func TestClusterGCSparesBlocksADownNodeReferences(t *testing.T) {
	c, clock := gcCluster(t)
	ctx := context.Background()
	lv := c.currentLayouts()[0].Version
	data := randBytes(2*testBlock, 7)
	stray := randBytes(testBlock, 8) // on every node, referenced by none
	h, h2 := block.Sum(data[:testBlock]), block.Sum(data[testBlock:])
	hs := block.Sum(stray)
	for _, nd := range c.nodes {
		for _, d := range [][]byte{data[:testBlock], data[testBlock:], stray} {
			require.NoError(t, nd.store.local.PutBlock(ctx, lv, block.Sum(d), d))
		}
	}
	// Only node-2 holds a record of the object.
	p := c.currentLayouts()[0].ObjectPartition("b", "lagging")
	rec := index.Record{Bucket: "b", Key: "lagging", HLC: uint64(c.nodes[2].store.cfg.Clock.Now()), Node: "node-2",
		Size: int64(len(data)), ETag: hex.EncodeToString(make([]byte, 16)),
		Blocks: []index.BlockRef{{Hash: h, Size: testBlock}, {Hash: h2, Size: testBlock}}}
	require.NoError(t, c.nodes[2].store.local.PutRecord(ctx, lv, p, rec))
	c.stop(c.nodes[2])

	clock.Advance(2 * time.Hour)
	for range 2 {
		require.Zero(t, c.collectAll(ctx), "no sweep without an answer from every node")
	}
	require.NotEmpty(t, c.nodes[0].store.LastGC().SweepSkipped)
	for _, nd := range c.nodes[:2] {
		require.True(t, hasBlock(nd, h) && hasBlock(nd, h2) && hasBlock(nd, hs))
	}

	c.start(c.nodes[2])
	// (A first try may meet a connection to node-2's previous server: wait until a dry
	// run reaches every node.)
	for _, nd := range c.nodes {
		require.Eventually(t, func() bool {
			r, err := nd.store.RunGC(ctx, true)
			return err == nil && r.SweepSkipped == ""
		}, 10*time.Second, 10*time.Millisecond)
	}
	require.Zero(t, c.collectAll(ctx), "the stray block's grace starts with the first complete mark")
	clock.Advance(61 * time.Minute)
	require.Equal(t, 3, c.collectAll(ctx), "the stray block goes from all three nodes")
	for _, nd := range c.nodes {
		require.True(t, hasBlock(nd, h) && hasBlock(nd, h2), "%s keeps the blocks node-2's record needs", nd.id)
		require.False(t, hasBlock(nd, hs))
	}
}

// The blocks of a write that failed (a body cut short, a bad checksum) are reported
// orphaned to their owners and reclaimed after OrphanGrace, not GCGrace.
func TestClusterGCReclaimsFailedWritesAfterOrphanGrace(t *testing.T) {
	c, clock := gcCluster(t)
	ctx := context.Background()
	put(t, c.nodes[0].store, "b", "keep", randBytes(2*testBlock, 1))
	base := c.settled(t, 2*(testBlock+block.TrailerSize))
	_, err := c.nodes[0].store.PutObject(ctx, PutInput{Bucket: "b", Key: "cut",
		Body: &failingReader{bytes.NewReader(randBytes(4*testBlock, 3)), errors.New("body cut short")}})
	require.Error(t, err)
	errBadDigest := errors.New("bad Content-MD5")
	_, err = c.nodes[1].store.PutObject(ctx, PutInput{Bucket: "b", Key: "md5", Body: bytes.NewReader(randBytes(3*testBlock, 4)),
		Seal: func([]byte, int64) (cs checksum.Checksum, err error) { return cs, errBadDigest }})
	require.ErrorIs(t, err, errBadDigest)
	for _, nd := range c.nodes {
		require.Greater(t, blockBytes(t, nd), base[0])
	}
	// The notes travel in the background; wait until every owner has them all.
	keep := map[[32]byte]bool{}
	for _, b := range blocksOf(t, c.nodes[0].store, "b", "keep") {
		keep[b.Hash] = true
	}
	require.Eventually(t, func() bool {
		for _, nd := range c.nodes {
			noted := map[[32]byte]bool{}
			for _, h := range nd.store.gc.orphans.list() {
				noted[h] = true
			}
			missing := 0
			require.NoError(t, nd.store.blocks.Walk(func(b block.Info) error {
				if !keep[b.Hash] && !noted[b.Hash] {
					missing++
				}
				return nil
			}))
			if missing > 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)

	atBase := func() bool {
		for i, nd := range c.nodes {
			if blockBytes(t, nd) != base[i] {
				return false
			}
		}
		return true
	}
	// A block's third copy may land after the write failed (the quorum answered
	// first): it is reclaimed one OrphanGrace after a round first sees it. So a few
	// rounds three minutes apart, far less than GCGrace (an hour).
	require.Zero(t, c.collectAll(ctx), "nothing goes before the orphan grace")
	for range 4 {
		clock.Advance(3 * time.Minute)
		c.collectAll(ctx)
		if atBase() {
			break
		}
	}
	for i, nd := range c.nodes {
		require.Equal(t, base[i], blockBytes(t, nd), "node %s is back to its baseline within minutes", nd.id)
	}
	require.Equal(t, randBytes(2*testBlock, 1), get(t, c.nodes[2].store, "b", "keep"))
}
