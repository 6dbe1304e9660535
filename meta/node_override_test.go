package meta

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
)

func TestFSMNodeOverrideSetClearAndSnapshot(t *testing.T) {
	f := newFSM()
	zone := "z9"
	require.NoError(t, applyErr(t, f, 1, NodeOverrideSet{Node: "a", Override: NodeOverride{Capacity: 3, Zone: &zone}}))
	require.Equal(t, map[string]NodeOverride{"a": {Capacity: 3, Zone: &zone}}, f.nodeOverrides())

	changed := f.clusterChanges.wait()
	require.NoError(t, applyErr(t, f, 2, NodeOverrideSet{Node: "b", Override: NodeOverride{Capacity: 2}}))
	select {
	case <-changed:
	default:
		t.Fatal("a new override does not wake the leader's reconcile")
	}

	g := restoredCopy(t, f)
	require.Equal(t, f.nodeOverrides(), g.nodeOverrides(), "the snapshot keeps the overrides")

	require.NoError(t, applyErr(t, f, 3, NodeOverrideSet{Node: "a"}), "the zero override clears")
	require.NotContains(t, f.nodeOverrides(), "a")
	require.NoError(t, applyErr(t, f, 4, NodeOverrideSet{Node: "a"}), "clearing again is a no-op")

	long := strings.Repeat("z", maxZoneLen+1)
	require.ErrorIs(t, applyErr(t, f, 5, NodeOverrideSet{Node: "a", Override: NodeOverride{Zone: &long}}), ErrInvalid)
	require.ErrorIs(t, applyErr(t, f, 6, NodeOverrideSet{Override: NodeOverride{Capacity: 2}}), ErrInvalid)

	require.NoError(t, applyErr(t, f, 7, NodeStatusSet{Node: "b", Status: NodeRemoved}))
	require.NotContains(t, f.nodeOverrides(), "b", "a removed node's override goes with it")
	require.ErrorIs(t, applyErr(t, f, 8, NodeOverrideSet{Node: "b", Override: NodeOverride{Capacity: 2}}), ErrInvalid)
}

func TestNodeOverrideWinsOverConfigUntilCleared(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	require.Equal(t, []layout.Node{{ID: "n1", Zone: "z1", Capacity: 1}}, m.Layout().Nodes)

	require.ErrorIs(t, m.SetNodeOverride(ctx, "nobody", NodeOverride{Capacity: 2}), ErrNoSuchNode)
	bad := "a\nb"
	require.ErrorIs(t, m.SetNodeOverride(ctx, "n1", NodeOverride{Zone: &bad}), ErrInvalid)

	zone := "z7"
	v := m.Layout().Version
	require.NoError(t, m.SetNodeOverride(ctx, "n1", NodeOverride{Capacity: 3, Zone: &zone}))
	require.Equal(t, NodeOverride{Capacity: 3, Zone: &zone}, m.NodeOverrides()["n1"])
	require.Equal(t, v+1, m.Layout().Version)
	require.Equal(t, []layout.Node{{ID: "n1", Zone: "z7", Capacity: 3}}, m.Layout().Nodes, "the override wins over --capacity and --zone")

	require.NoError(t, m.SetNodeOverride(ctx, "n1", NodeOverride{Capacity: 3}), "clear the zone only")
	require.NoError(t, m.reconcileLayout(ctx), "the leader's reconcile finds the layout in step")
	require.Equal(t, []layout.Node{{ID: "n1", Zone: "z1", Capacity: 3}}, m.Layout().Nodes)

	require.NoError(t, m.SetNodeOverride(ctx, "n1", NodeOverride{}))
	require.NoError(t, m.reconcileLayout(ctx), "the leader's reconcile finds the layout in step")
	require.Equal(t, []layout.Node{{ID: "n1", Zone: "z1", Capacity: 1}}, m.Layout().Nodes, "cleared: the flags again")
	require.Equal(t, v+3, m.Layout().Version)
	require.Empty(t, m.NodeOverrides())
}
