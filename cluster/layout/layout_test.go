package layout

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func nodes(n int, zones ...string) []Node {
	out := make([]Node, n)
	for i := range out {
		out[i] = Node{ID: NodeID(fmt.Sprintf("node-%d", i)), Capacity: 100}
		if len(zones) > 0 {
			out[i].Zone = zones[i%len(zones)]
		}
	}
	return out
}

func TestSingleNodeOwnsEverything(t *testing.T) {
	l, err := New(1, nodes(1), 0, 0)
	require.NoError(t, err)
	require.Equal(t, 1, l.Replication)
	for p := 0; p < l.Partitions; p++ {
		require.Equal(t, []NodeID{"node-0"}, l.Owners(p))
	}
	require.Equal(t, 1, l.Quorum())
}

func TestOwnersAreDistinctAndSpreadOverZones(t *testing.T) {
	l, err := New(1, nodes(6, "a", "b", "c"), 3, 0)
	require.NoError(t, err)
	zoneOf := map[NodeID]string{}
	for _, n := range l.Nodes {
		zoneOf[n.ID] = n.Zone
	}
	for p := 0; p < l.Partitions; p++ {
		zones := map[string]bool{}
		for _, id := range l.Owners(p) {
			zones[zoneOf[id]] = true
		}
		require.Len(t, zones, 3, "partition %d", p)
	}
}

func TestAddingANodeMovesLittle(t *testing.T) {
	before, err := New(1, nodes(3), 3, 0)
	require.NoError(t, err)
	after, err := New(2, nodes(4), 3, 0)
	require.NoError(t, err)
	moved := 0
	for p := 0; p < before.Partitions; p++ {
		old := map[NodeID]bool{}
		for _, id := range before.Owners(p) {
			old[id] = true
		}
		for _, id := range after.Owners(p) {
			if !old[id] {
				moved++
			}
		}
	}
	// Ideal: the new node takes 3/4 of a share of every replica: 256*3/4 = 192 copies.
	require.InDelta(t, 192, moved, 40)
}

func TestInvalidLayouts(t *testing.T) {
	_, err := New(1, nil, 0, 0)
	require.ErrorIs(t, err, ErrInvalid)
	_, err = New(1, nodes(2), 3, 0)
	require.ErrorIs(t, err, ErrInvalid)
	_, err = New(1, nodes(2), 1, 100)
	require.ErrorIs(t, err, ErrInvalid)
}

func TestPartitionsAreStable(t *testing.T) {
	l, _ := New(1, nodes(1), 0, 0)
	require.Equal(t, l.ObjectPartition("b", "k"), l.ObjectPartition("b", "k"))
	require.NotEqual(t, l.ObjectPartition("b", "k1"), l.ObjectPartition("b", "k2x"))
}
