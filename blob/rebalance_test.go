package blob

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/cluster/layout"
)

// holding is one copy of an item: a record, upload or part (by identity), or a block,
// on one node.
type holding struct {
	node string
	item string
}

// holdings lists what every running node of c holds, by partition (records) and block
// partition (blocks) of layout l.
func holdings(t *testing.T, c *rpcCluster, l *layout.Layout) (records, blocks map[holding]int) {
	t.Helper()
	ctx := context.Background()
	records, blocks = map[holding]int{}, map[holding]int{}
	for _, nd := range c.nodes {
		if nd.store == nil {
			continue
		}
		for p := range l.Partitions {
			sum, err := nd.store.idx.Summary(ctx, p)
			require.NoError(t, err)
			for _, v := range sum.Versions {
				records[holding{nd.id, "v/" + v.Bucket + "/" + v.Key}] = p
			}
			for _, u := range sum.Uploads {
				records[holding{nd.id, "u/" + u.Bucket + "/" + u.Key + "/" + u.ID}] = p
			}
			for _, pt := range sum.Parts {
				records[holding{nd.id, fmt.Sprintf("p/%s/%s/%s/%d", pt.Bucket, pt.Key, pt.UploadID, pt.Number)}] = p
			}
		}
		require.NoError(t, nd.store.blocks.Walk(func(b block.Info) error {
			blocks[holding{nd.id, hexHash(b.Hash)}] = l.BlockPartition(b.Hash)
			return nil
		}))
	}
	return records, blocks
}

// TestRebalanceAddNode adds a fourth node to a three-node cluster holding data, with
// both layout versions in flight while it syncs, and checks that afterwards every
// object reads back, every record and block sits exactly on its owners under the new
// layout, and how much moved compared with the ideal (a quarter of all copies).
func TestRebalanceAddNode(t *testing.T) {
	c := newRPCCluster(t, 4, clusterOptions{members: 3})
	ctx := context.Background()
	s0 := c.nodes[0].store
	start := time.Now()
	objects := map[string][]byte{}
	for i := range 60 {
		key := fmt.Sprintf("obj/%03d", i)
		objects[key] = randBytes(200+(i%12)*(testBlock/2), uint64(i))
		put(t, c.nodes[i%3].store, "bk", key, objects[key])
	}
	for _, key := range []string{"obj/001", "obj/002"} {
		require.NoError(t, s0.DeleteObject(ctx, "bk", key))
		delete(objects, key)
	}
	up, err := s0.CreateUpload(ctx, CreateUploadInput{Bucket: "bk", Key: "mp"})
	require.NoError(t, err)
	part1 := randBytes(2*testBlock, 500)
	i1, err := c.nodes[1].store.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(part1)})
	require.NoError(t, err)
	t.Logf("wrote in %s", time.Since(start))
	v1 := c.layout(1, 3)
	beforeRecords, beforeBlocks := holdings(t, c, v1)

	// The new layout, with the old one still in flight.
	v2 := c.layout(2, 4)
	c.setLayouts(v2, v1)
	newcomer := c.nodes[3].store
	// A few reads (each repairs the new owners it finds lacking, which would do the
	// sync's work for it) and a listing through the new node before it synced.
	for _, key := range []string{"obj/000", "obj/017", "obj/042"} {
		require.Equal(t, objects[key], get(t, newcomer, "bk", key), "%s through the new node before it synced", key)
	}
	res, err := newcomer.ListObjects(ctx, ListInput{Bucket: "bk", Prefix: "obj/"})
	require.NoError(t, err)
	require.Len(t, res.Objects, len(objects))
	part2 := randBytes(testBlock/2, 501)
	i2, err := newcomer.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: "mp", UploadID: up.UploadID, PartNumber: 2, Body: bytes.NewReader(part2)})
	require.NoError(t, err)

	start = time.Now()
	c.syncAll(ctx)
	t.Logf("rebalance took %s", time.Since(start))
	require.Equal(t, []*layout.Layout{v2}, c.currentLayouts(), "every node acked version 2: version 1 is retired")
	c.syncAll(ctx) // hand-offs that waited for the retirement, if any

	afterRecords, afterBlocks := holdings(t, c, v2)
	for h, p := range afterRecords {
		require.Contains(t, v2.Owners(p), layout.NodeID(h.node), "%s holds %s of partition %d", h.node, h.item, p)
	}
	for h, q := range afterBlocks {
		require.Contains(t, v2.Owners(q), layout.NodeID(h.node), "%s holds block %s of partition %d", h.node, h.item, q)
	}
	for key := range objects {
		p := v2.ObjectPartition("bk", key)
		for _, id := range v2.Owners(p) {
			require.Contains(t, afterRecords, holding{string(id), "v/bk/" + key}, "owner %s lacks %s", id, key)
		}
		for _, ref := range blocksOf(t, s0, "bk", key) {
			for _, id := range v2.Owners(v2.BlockPartition(ref.Hash)) {
				require.Contains(t, afterBlocks, holding{string(id), hexHash(ref.Hash)}, "owner %s lacks a block of %s", id, key)
			}
		}
	}
	// What the layout change asked to move: the copies on nodes that did not hold
	// them before; what anti-entropy sent over the network to get there.
	moved := func(before, after map[holding]int) (n, total int) {
		for h := range after {
			if _, ok := before[h]; !ok {
				n++
			}
		}
		return n, len(after)
	}
	mr, tr := moved(beforeRecords, afterRecords)
	mb, tb := moved(beforeBlocks, afterBlocks)
	var sentRecords, sentBlocks uint64
	for _, nd := range c.nodes {
		st := nd.store.SyncStatus()
		sentRecords += st.RecordsPulled + st.RecordsPushed
		sentBlocks += st.BlocksPulled + st.BlocksPushed
	}
	t.Logf("new copies: %d of %d records (%.3f), %d of %d blocks (%.3f), %.3f of all copies; ideal 0.250",
		mr, tr, float64(mr)/float64(tr), mb, tb, float64(mb)/float64(tb), float64(mr+mb)/float64(tr+tb))
	share := 0
	for p := range v2.Partitions {
		if slices.Contains(v2.Owners(p), layout.NodeID("node-3")) {
			share++
		}
	}
	t.Logf("the new node owns %d of %d partitions: %.3f of all copies is this layout's own minimum for evenly spread data",
		share, v2.Partitions, float64(share)/float64(3*v2.Partitions))
	t.Logf("sent by anti-entropy: %d records, %d blocks (%.2fx the new copies; the rest came by read repair and writes during the sync)",
		sentRecords, sentBlocks, float64(sentRecords+sentBlocks)/float64(mr+mb))

	for _, nd := range c.nodes {
		for key, data := range objects {
			require.Equal(t, data, get(t, nd.store, "bk", key), "%s through %s", key, nd.id)
		}
		for _, key := range []string{"obj/001", "obj/002"} {
			_, err := nd.store.OpenObject(ctx, "bk", key)
			require.ErrorIs(t, err, ErrNoSuchKey)
		}
	}
	_, err = c.nodes[2].store.CompleteUpload(ctx, "bk", "mp", up.UploadID, []CompletePart{{PartNumber: 1, ETag: i1.ETag}, {PartNumber: 2, ETag: i2.ETag}})
	require.NoError(t, err)
	require.Equal(t, append(part1, part2...), get(t, newcomer, "bk", "mp"))
	var handedOff uint64
	for _, nd := range c.nodes {
		st := nd.store.SyncStatus()
		require.Equal(t, uint64(2), st.SyncedVersion, nd.id)
		handedOff += st.RecordsHandedOff + st.BlocksHandedOff
	}
	require.NotZero(t, handedOff)
}
