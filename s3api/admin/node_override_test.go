package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
)

// layoutNodeOf returns node id of layout l.
func layoutNodeOf(t *testing.T, l admin.Layout, id string) admin.LayoutNode {
	t.Helper()
	for _, n := range l.Nodes {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("layout %d has no node %s", l.Version, id)
	return admin.LayoutNode{}
}

// TestNodeCapacityOverrideMakesANewLayout: on a real 2-node cluster at replication 1,
// setting one node's capacity to 3 (through a follower) installs a new layout version
// in which that node has capacity 3 and more partitions than before, on every node;
// bad requests get JSON errors; clearing the override restores the node's own
// --capacity.
func TestNodeCapacityOverrideMakesANewLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 2-node cluster")
	}
	nodes := nodetest.StartCluster(t, 2)
	ctx := context.Background()
	ak, sk := nodes[0].RootCredentials()
	leader := nodetest.WaitLeader(t, nodes...)
	follower := nodes[0]
	if follower == leader {
		follower = nodes[1]
	}
	target := leader.NodeID() // the leader's own --capacity is overridden too
	c := newClient(t, follower, ak, sk)
	other := newClient(t, leader, ak, sk)

	l, err := c.UpdateLayout(ctx, admin.LayoutChange{Replication: 1})
	require.NoError(t, err)
	before := layoutNodeOf(t, l, target)
	require.EqualValues(t, 1, before.Capacity)

	three := uint64(3)
	zero := uint64(0)
	_, err = c.SetNodeOverride(ctx, "nosuchnode", admin.NodeOverride{Capacity: &three})
	requireError(t, err, http.StatusNotFound, admin.NoSuchNode)
	_, err = c.SetNodeOverride(ctx, target, admin.NodeOverride{Capacity: &zero})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	_, err = c.SetNodeOverride(ctx, target, admin.NodeOverride{Capacity: &three, Version: l.Version + 5})
	requireError(t, err, http.StatusConflict, admin.LayoutConflict)

	n, err := c.SetNodeOverride(ctx, target, admin.NodeOverride{Capacity: &three, Version: l.Version})
	require.NoError(t, err)
	require.EqualValues(t, 3, n.Capacity)
	require.NotNil(t, n.Override)
	require.EqualValues(t, 3, *n.Override.Capacity)
	require.Nil(t, n.Override.Zone)

	after, err := c.Layout(ctx)
	require.NoError(t, err)
	require.Greater(t, after.Version, l.Version, "a new layout version, made before the call returned")
	got := layoutNodeOf(t, after, target)
	require.EqualValues(t, 3, got.Capacity)
	require.Greater(t, got.Partitions, before.Partitions)
	require.Equal(t, 1, after.Replication, "the replication factor set explicitly is kept")

	// The leader's reconcile keeps it (the node's own gossiped --capacity is 1).
	nodetest.WaitFor(t, "the leader shows the override's layout", func() bool {
		ll, err := other.Layout(ctx)
		return err == nil && ll.Version >= after.Version && layoutNodeOf(t, ll, target).Capacity == 3
	})
	ll, err := other.Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, after.Version, ll.Version, "no layout followed that undid the override")

	n, err = c.SetNodeOverride(ctx, target, admin.NodeOverride{})
	require.NoError(t, err)
	require.Nil(t, n.Override)
	require.EqualValues(t, 1, n.Capacity)
	cleared, err := c.Layout(ctx)
	require.NoError(t, err)
	require.Greater(t, cleared.Version, after.Version)
	require.EqualValues(t, 1, layoutNodeOf(t, cleared, target).Capacity)
}
