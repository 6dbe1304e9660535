package membership

import (
	"bytes"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testLogLevel = slog.LevelError

var (
	goodKey  = bytes.Repeat([]byte{1}, 32)
	wrongKey = bytes.Repeat([]byte{2}, 32)
)

func start(t *testing.T, id string, key []byte) *Membership {
	t.Helper()
	cfg := DefaultConfig()
	cfg.NodeID, cfg.BindAddr, cfg.Key = id, "127.0.0.1:0", key
	cfg.Meta = NodeMeta{RPCAddr: "127.0.0.1:1", Zone: "z-" + id, Capacity: 2, StartedAt: time.Now().UTC()}
	cfg.Timings = LoopbackTimings()
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel}))
	m, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// states returns each member's state by id, as m sees them.
func states(m *Membership) map[string]State {
	out := map[string]State{}
	for _, mb := range m.Members() {
		out[mb.ID] = mb.State
	}
	return out
}

func TestThreeMembersJoinAndSeeEachOther(t *testing.T) {
	a, b, c := start(t, "a", goodKey), start(t, "b", goodKey), start(t, "c", goodKey)
	events := a.Subscribe()
	n, err := b.Join([]string{a.GossipAddr()})
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = c.Join([]string{b.GossipAddr()})
	require.NoError(t, err)

	all := map[string]State{"a": StateAlive, "b": StateAlive, "c": StateAlive}
	for _, m := range []*Membership{a, b, c} {
		require.Eventually(t, func() bool { return equalStates(states(m), all) }, 5*time.Second, 10*time.Millisecond)
	}
	mb, ok := c.Member("a")
	require.True(t, ok)
	require.Equal(t, "z-a", mb.Meta.Zone)
	require.EqualValues(t, 2, mb.Meta.Capacity)
	require.Equal(t, a.GossipAddr(), mb.GossipAddr)

	joined := map[string]bool{}
	for len(joined) < 2 {
		select {
		case ev := <-events:
			if ev.Type == EventJoin {
				joined[ev.Member.ID] = true
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("join events seen: %v", joined)
		}
	}
	require.Equal(t, map[string]bool{"b": true, "c": true}, joined)

	// A metadata change reaches the others.
	require.NoError(t, b.UpdateMeta(func(m *NodeMeta) { m.RaftState = true }))
	require.Eventually(t, func() bool {
		mb, _ := a.Member("b")
		return mb.Meta.RaftState
	}, 5*time.Second, 10*time.Millisecond)
}

func TestWrongKeyCannotJoin(t *testing.T) {
	a := start(t, "a", goodKey)
	intruder := start(t, "intruder", wrongKey)
	_, err := intruder.Join([]string{a.GossipAddr()})
	require.ErrorIs(t, err, ErrWrongKey)
	require.Equal(t, map[string]State{"a": StateAlive}, states(a))
	require.Equal(t, map[string]State{"intruder": StateAlive}, states(intruder))
}

func TestLeaveAndDeathAreObserved(t *testing.T) {
	a, b, c := start(t, "a", goodKey), start(t, "b", goodKey), start(t, "c", goodKey)
	_, err := b.Join([]string{a.GossipAddr()})
	require.NoError(t, err)
	_, err = c.Join([]string{a.GossipAddr()})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(states(a)) == 3 }, 5*time.Second, 10*time.Millisecond)
	events := a.Subscribe()

	require.NoError(t, b.Leave(time.Second))
	require.NoError(t, b.Shutdown())
	require.NoError(t, c.Shutdown()) // no goodbye: found dead by probes
	want := map[string]State{"a": StateAlive, "b": StateLeft, "c": StateDead}
	require.Eventually(t, func() bool { return equalStates(states(a), want) }, 10*time.Second, 10*time.Millisecond, "%v", states(a))
	left := map[string]State{}
	for len(left) < 2 {
		select {
		case ev := <-events:
			if ev.Type == EventLeave {
				left[ev.Member.ID] = ev.Member.State
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("leave events seen: %v", left)
		}
	}
	require.Equal(t, map[string]State{"b": StateLeft, "c": StateDead}, left)

	require.NoError(t, a.Shutdown())
	_, open := <-events
	require.False(t, open, "Shutdown closes subscriptions")
}

func TestConfigValidation(t *testing.T) {
	cfg := DefaultConfig()
	require.ErrorContains(t, cfg.Validate(), "NodeID")
	cfg.NodeID = "a"
	require.ErrorContains(t, cfg.Validate(), "CAIRN_CLUSTER_SECRET")
	cfg.Key = goodKey
	require.NoError(t, cfg.Validate())
	cfg.Meta.Zone = string(bytes.Repeat([]byte("z"), 600))
	require.ErrorContains(t, cfg.Validate(), "limit")
}

func equalStates(a, b map[string]State) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
