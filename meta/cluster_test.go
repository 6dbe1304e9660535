package meta

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/transport"
)

// applyErr applies c to f at index (applyTo) and returns the command's error.
func applyErr(t *testing.T, f *fsm, index uint64, c command) error {
	t.Helper()
	if res := applyTo(t, f, index, c); res != nil {
		return res.(error)
	}
	return nil
}

func versions(ls []*layout.Layout) []uint64 {
	var out []uint64
	for _, l := range ls {
		out = append(out, l.Version)
	}
	return out
}

func nodesOf(ids ...string) []layout.Node {
	var out []layout.Node
	for _, id := range ids {
		out = append(out, layout.Node{ID: layout.NodeID(id), Capacity: 1})
	}
	return out
}

func TestLayoutHistoryIsDroppedWhenSynced(t *testing.T) {
	f := newFSM()
	idx := uint64(0)
	next := func() uint64 { idx++; return idx }
	require.NoError(t, applyErr(t, f, next(), LayoutSet{Version: 1, Nodes: nodesOf("a")}))
	require.Equal(t, []uint64{1}, versions(f.layouts()), "a first layout has nothing to sync from")
	require.NoError(t, applyErr(t, f, next(), LayoutSet{Version: 2, Nodes: nodesOf("a", "b")}))
	require.NoError(t, applyErr(t, f, next(), LayoutSet{Version: 3, Nodes: nodesOf("a", "b", "c")}))
	require.Equal(t, []uint64{3, 2, 1}, versions(f.layouts()))

	// Acks of version 2 by a and b drop version 1 only.
	require.NoError(t, applyErr(t, f, next(), LayoutSyncAck{Node: "a", Version: 2}))
	require.Equal(t, []uint64{3, 2, 1}, versions(f.layouts()))
	require.NoError(t, applyErr(t, f, next(), LayoutSyncAck{Node: "b", Version: 2}))
	require.Equal(t, []uint64{3, 2}, versions(f.layouts()))
	require.NoError(t, applyErr(t, f, next(), LayoutSyncAck{Node: "b", Version: 1}), "an older ack is a no-op")
	require.ErrorIs(t, applyErr(t, f, next(), LayoutSyncAck{Node: "a", Version: 9}), ErrInvalid)

	// The snapshot keeps the history and the acks.
	g := restoredCopy(t, f)
	require.Equal(t, []uint64{3, 2}, versions(g.layouts()))
	require.Equal(t, map[string]uint64{"a": 2, "b": 2}, g.syncAcks())
	require.Equal(t, f.layouts()[1].Owners(7), g.layouts()[1].Owners(7))

	// Every node of version 3 acks it: only the current layout is left.
	for _, n := range []string{"a", "b", "c"} {
		require.NoError(t, applyErr(t, g, next(), LayoutSyncAck{Node: n, Version: 3}))
	}
	require.Equal(t, []uint64{3}, versions(g.layouts()))
}

func TestNodeStatusLifecycle(t *testing.T) {
	f := newFSM()
	require.NoError(t, applyErr(t, f, 1, LayoutSet{Version: 1, Nodes: nodesOf("a", "b")}))
	require.NoError(t, applyErr(t, f, 2, LayoutSet{Version: 2, Nodes: nodesOf("a")}))
	require.NoError(t, applyErr(t, f, 3, NodeStatusSet{Node: "b", Status: NodeDecommissioning}))
	require.NoError(t, applyErr(t, f, 4, NodeStatusSet{Node: "b", Status: NodeDecommissioning}), "idempotent")
	require.Equal(t, map[string]NodeStatus{"b": NodeDecommissioning}, f.nodeStatuses())
	require.ErrorIs(t, applyErr(t, f, 5, NodeStatusSet{Node: "b", Status: "gone"}), ErrInvalid)

	require.NoError(t, applyErr(t, f, 6, LayoutSyncAck{Node: "a", Version: 2}))
	require.Equal(t, []uint64{2}, versions(f.layouts()))
	require.NoError(t, applyErr(t, f, 7, NodeStatusSet{Node: "b", Status: NodeRemoved}))
	require.ErrorIs(t, applyErr(t, f, 8, NodeStatusSet{Node: "b", Status: NodeActive}), ErrInvalid, "removed is final")
	require.NoError(t, applyErr(t, f, 9, NodeStatusSet{Node: "c", Status: NodeDecommissioning}))
	require.NoError(t, applyErr(t, f, 10, NodeStatusSet{Node: "c", Status: NodeActive}), "a decommission can be called off")
	require.Equal(t, map[string]NodeStatus{"b": NodeRemoved}, f.nodeStatuses())
}

func TestRootKeyInitKeepsTheFirstKey(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	k, mine, err := m.InitRootKey(ctx, "FIRSTKEY", "first-secret")
	require.NoError(t, err)
	require.True(t, mine)
	require.Equal(t, "FIRSTKEY", k.ID)
	k, mine, err = m.InitRootKey(ctx, "SECONDKEY", "second-secret")
	require.NoError(t, err)
	require.False(t, mine, "a root key exists: the second init is a no-op")
	require.Equal(t, "FIRSTKEY", k.ID)
	require.Equal(t, "first-secret", k.Secret)
}

func TestRemoveNodeInstallsALayoutWithoutIt(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)
	require.ErrorIs(t, m.RemoveNode(ctx, "n1"), ErrInvalid, "the last node stays")
	require.ErrorIs(t, m.RemoveNode(ctx, "nobody"), ErrNoSuchNode)

	two, err := layout.New(2, []layout.Node{{ID: "n1", Capacity: 1}, {ID: "n2", Capacity: 1}}, 0, 0)
	require.NoError(t, err)
	require.NoError(t, m.SetLayout(ctx, two))
	require.NoError(t, m.RemoveNode(ctx, "n2"))
	require.EqualValues(t, 3, m.Layout().Version)
	require.Equal(t, nodesOf("n1"), m.Layout().Nodes)
	require.Equal(t, []uint64{3, 2, 1}, versions(m.Layouts()))
	s, err := m.NodeStatus("n2")
	require.NoError(t, err)
	require.Equal(t, NodeDecommissioning, s)
	require.NoError(t, m.RemoveNode(ctx, "n2"), "again: a no-op")
	s, err = m.NodeStatus("n1")
	require.NoError(t, err)
	require.Equal(t, NodeActive, s)
}

func TestReplicationFor(t *testing.T) {
	mk := func(n, r int) *layout.Layout {
		l, err := layout.New(1, nodesOf([]string{"a", "b", "c", "d", "e"}[:n]...), r, 0)
		require.NoError(t, err)
		return l
	}
	require.Equal(t, 0, replicationFor(mk(1, 0), 2), "the default follows the node count")
	require.Equal(t, 0, replicationFor(mk(3, 0), 4))
	require.Equal(t, 2, replicationFor(mk(4, 2), 5), "an explicit factor is kept")
	require.Equal(t, 2, replicationFor(mk(3, 2), 2))
	require.Equal(t, 1, replicationFor(mk(3, 1), 1))
}

func TestVoterCap(t *testing.T) {
	for n, want := range map[int]int{1: 3, 3: 3, 4: 3, 5: 5, 9: 5} {
		require.Equal(t, want, voterCap(n), n)
	}
}

// TestRPCForwarder forwards through real signed HTTP: a follower-side forwarder and
// the leader's RPCHandler behind transport.Authenticate.
func TestRPCForwarder(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	leader := openNode(t, cfg)
	keys, err := transport.DeriveKeys("the rpc test cluster secret")
	require.NoError(t, err)
	srv := httptest.NewServer(transport.Authenticate(keys.RPC, MaxRPCBody, leader.RPCHandler()))
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")
	resolve := func(id string) (string, bool) { return addr, id == "n1" }
	fwd := NewRPCForwarder(transport.NewClient(keys.RPC, "n2", nil), resolve)
	ctx := testCtx(t)
	l := Leader{ID: "n1", RaftAddr: leader.RaftAddr()}

	entry, err := encodeCommand(BucketCreate{Name: "forwarded"})
	require.NoError(t, err)
	applied, err := fwd.Forward(ctx, l, entry)
	require.NoError(t, err)
	require.Equal(t, leader.fsm.index(), applied, "the leader names the entry's index")
	_, err = leader.Bucket(ctx, "forwarded")
	require.NoError(t, err)
	forward := func(entry []byte) error {
		_, err := fwd.Forward(ctx, l, entry)
		return err
	}
	entry, err = encodeCommand(BucketCreate{Name: "forwarded", Owner: "someone-else"})
	require.NoError(t, err)
	require.ErrorIs(t, forward(entry), ErrBucketExists, "the command's error keeps its sentinel")
	require.ErrorIs(t, forward([]byte{0x7f}), ErrInvalid) // unknown, without IgnoreUnknownTypeFlag
	index, err := fwd.ReadIndex(ctx, l)
	require.NoError(t, err)
	require.GreaterOrEqual(t, index, leader.fsm.index())

	// Unknown leader address, unreachable leader: surely not sent, so ErrNotLeader.
	_, err = fwd.Forward(ctx, Leader{ID: "n9"}, entry)
	require.ErrorIs(t, err, ErrNotLeader)
	dead := NewRPCForwarder(transport.NewClient(keys.RPC, "n2", nil), func(string) (string, bool) { return "127.0.0.1:1", true })
	_, err = dead.Forward(ctx, l, entry)
	require.ErrorIs(t, err, ErrNotLeader)

	// A caller with another key is refused.
	other, _ := transport.DeriveKeys("some other cluster's secret")
	_, err = NewRPCForwarder(transport.NewClient(other.RPC, "x", nil), resolve).Forward(ctx, l, entry)
	require.ErrorIs(t, err, ErrNotReady)
	require.ErrorContains(t, err, "CAIRN_CLUSTER_SECRET")
	var remote *transport.RemoteError
	require.False(t, errors.As(err, &remote))
}
