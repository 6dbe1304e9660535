package blob

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// testCluster is n Stores in one process, each reaching the others through their
// Local replicas, with a layout of replication 3.
type testCluster struct {
	stores []*Store
	mu     sync.Mutex
	down   map[layout.NodeID]bool
}

func newTestCluster(t *testing.T, n int) *testCluster {
	c := &testCluster{down: map[layout.NodeID]bool{}}
	var nodes []layout.Node
	for i := range n {
		nodes = append(nodes, layout.Node{ID: layout.NodeID(fmt.Sprintf("node-%d", i))})
	}
	l, err := layout.New(1, nodes, 3, 64)
	require.NoError(t, err)
	byID := map[layout.NodeID]*Store{}
	for i := range n {
		cfg := testConfig(t)
		cfg.NodeID = string(nodes[i].ID)
		cfg.Layout = func() *layout.Layout { return l }
		cfg.Replicas = func(id layout.NodeID) (Replica, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.down[id] {
				return nil, fmt.Errorf("node %s is down", id)
			}
			return byID[id].Local(), nil
		}
		s := openStore(t, cfg)
		byID[nodes[i].ID] = s
		c.stores = append(c.stores, s)
	}
	return c
}

func (c *testCluster) setDown(id string, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[layout.NodeID(id)] = down
}

func TestClusterQuorum(t *testing.T) {
	c := newTestCluster(t, 3)
	ctx := context.Background()
	a, b := c.stores[0], c.stores[1]
	data := randBytes(5*testBlock, 1)
	put(t, a, "bk", "obj", data)
	require.Equal(t, data, get(t, b, "bk", "obj"), "written through one node, read through another")

	// One owner of three down: writes, reads and listings still have a quorum.
	c.setDown("node-2", true)
	put(t, a, "bk", "obj2", []byte("two of three"))
	require.Equal(t, []byte("two of three"), get(t, b, "bk", "obj2"))
	res, err := b.ListObjects(ctx, ListInput{Bucket: "bk"})
	require.NoError(t, err)
	require.Equal(t, []string{"obj", "obj2"}, objectKeys(res))
	require.NoError(t, a.DeleteObject(ctx, "bk", "obj2"))
	_, err = b.OpenObject(ctx, "bk", "obj2")
	require.ErrorIs(t, err, ErrNoSuchKey, "the tombstone wins the quorum read")

	// Two of three down: no quorum, and no short page.
	c.setDown("node-1", true)
	_, err = a.PutObject(ctx, PutInput{Bucket: "bk", Key: "obj3", Body: bytes.NewReader([]byte("x"))})
	require.ErrorIs(t, err, ErrNoQuorum)
	_, err = a.OpenObject(ctx, "bk", "obj")
	require.ErrorIs(t, err, ErrNoQuorum)
	_, err = a.ListObjects(ctx, ListInput{Bucket: "bk"})
	require.ErrorIs(t, err, ErrNoQuorum)

	// Read repair: node-2 missed obj2's tombstone and obj4; reading through it with
	// node-1 down, its quorum is itself and node-0, and it catches up.
	c.setDown("node-1", false)
	put(t, a, "bk", "obj4", []byte("four"))
	c.setDown("node-2", false)
	c.setDown("node-1", true)
	lagging := c.stores[2]
	pl, err := lagging.placement()
	require.NoError(t, err)
	p := pl.l.ObjectPartition("bk", "obj4")
	_, err = lagging.idx.GetRecord(ctx, p, "bk", "obj4")
	require.ErrorIs(t, err, index.ErrNotFound)
	require.Equal(t, []byte("four"), get(t, lagging, "bk", "obj4"))
	require.Eventually(t, func() bool {
		_, err := lagging.idx.GetRecord(ctx, p, "bk", "obj4")
		return err == nil
	}, 10*time.Second, time.Millisecond)

	// Back up: everything acknowledged is there.
	c.setDown("node-1", false)
	c.setDown("node-2", false)
	require.Equal(t, data, get(t, c.stores[2], "bk", "obj"))
	n, err := a.CollectGarbage(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "no sweep without a cluster-wide mark")
}
