package admin

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
)

func threeNodes(t *testing.T, r int) *layout.Layout {
	t.Helper()
	l, err := layout.New(5, []layout.Node{{ID: "n1", Zone: "a"}, {ID: "n2", Zone: "b"}, {ID: "n3", Zone: "c"}}, r, 0)
	require.NoError(t, err)
	return l
}

// TestEstimateMove checks the preview against what the owner tables say, with each
// node holding 1,000 bytes per partition copy.
func TestEstimateMove(t *testing.T) {
	data := func(l *layout.Layout) map[layout.NodeID]int64 {
		out := map[layout.NodeID]int64{}
		for id, n := range ownedPartitions(l) {
			out[id] = int64(n) * 1000
		}
		return out
	}

	// No change: nothing moves.
	cur := threeNodes(t, 2)
	next, err := proposedLayout(cur, LayoutPreviewRequest{})
	require.NoError(t, err)
	p := estimateMove(cur, next, data(cur))
	require.Zero(t, p.PartitionsChanged)
	require.Zero(t, p.EstimatedBytes)
	require.True(t, p.Estimated)

	// 2 → 3 replicas on 3 nodes: every partition gains its third copy.
	next, err = proposedLayout(cur, LayoutPreviewRequest{Replication: 3})
	require.NoError(t, err)
	p = estimateMove(cur, next, data(cur))
	require.Equal(t, 256, p.PartitionsChanged)
	require.Equal(t, 256, p.ReplicasMoved)
	require.EqualValues(t, 256*1000, p.EstimatedBytes)
	for _, n := range p.Nodes {
		require.Equal(t, 256, n.PartitionsAfter)
		require.Zero(t, n.Loses)
	}

	// 3 → 2 replicas: copies are dropped, none copied.
	cur = threeNodes(t, 3)
	next, err = proposedLayout(cur, LayoutPreviewRequest{Replication: 2})
	require.NoError(t, err)
	p = estimateMove(cur, next, data(cur))
	require.Equal(t, 256, p.PartitionsChanged)
	require.Zero(t, p.ReplicasMoved)
	require.Zero(t, p.EstimatedBytes)

	// A fourth node in a fourth zone takes its share; what it gains is what moves,
	// and only it gains.
	next, err = proposedLayout(cur, LayoutPreviewRequest{Add: []LayoutNode{{ID: "n4", Zone: "d", Capacity: 1}}})
	require.NoError(t, err)
	p = estimateMove(cur, next, data(cur))
	var gained int
	for _, n := range p.Nodes {
		if n.ID == "n4" {
			require.True(t, n.Added)
			require.Zero(t, n.PartitionsBefore)
			require.Equal(t, n.PartitionsAfter, n.Gains)
			gained = n.Gains
		} else {
			require.Zero(t, n.Gains)
		}
	}
	require.Greater(t, gained, 100, "about 3/4 of the partitions")
	require.Equal(t, gained, p.ReplicasMoved)
	require.EqualValues(t, gained*1000, p.EstimatedBytes)

	// Removing a node: its partitions go to the others; it is marked.
	next, err = proposedLayout(cur, LayoutPreviewRequest{Remove: []string{"n3"}, Replication: 2})
	require.NoError(t, err)
	p = estimateMove(cur, next, data(cur))
	require.Zero(t, p.ReplicasMoved, "2 of 3 copies stay where they are")
	require.True(t, p.Nodes[2].Removed)
	require.Zero(t, p.Nodes[2].PartitionsAfter)

	// Without figures nothing is estimated, but partitions are still counted.
	next, _ = proposedLayout(cur, LayoutPreviewRequest{Add: []LayoutNode{{ID: "n4", Zone: "d"}}})
	p = estimateMove(cur, next, nil)
	require.False(t, p.Estimated)
	require.Zero(t, p.EstimatedBytes)
	require.Equal(t, gained, p.ReplicasMoved)

	// Bad changes.
	for _, in := range []LayoutPreviewRequest{
		{Remove: []string{"nope"}},
		{Replication: 4},
		{Remove: []string{"n1", "n2"}},
		{Add: []LayoutNode{{ID: "n1"}}},
		{Capacity: map[string]uint64{"nope": 2}},
	} {
		_, err := proposedLayout(cur, in)
		require.Error(t, err, "%+v", in)
	}
}
