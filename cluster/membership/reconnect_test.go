package membership

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMembersHeldDeadAreJoinedAgain: a member this node holds dead, as after a
// partition longer than memberlist gossips to the dead, is contacted again on its
// own, and both sides see each other alive, with no Join from outside.
func TestMembersHeldDeadAreJoinedAgain(t *testing.T) {
	a, b := start(t, "a", goodKey), start(t, "b", goodKey)
	// a remembers b as dead (its view after a partition healed), and neither side
	// gossips with the other.
	a.mu.Lock()
	a.members["b"] = Member{ID: "b", GossipAddr: b.GossipAddr(), State: StateDead}
	a.mu.Unlock()
	require.Equal(t, []string{b.GossipAddr()}, a.deadAddrs())

	both := map[string]State{"a": StateAlive, "b": StateAlive}
	for _, m := range []*Membership{a, b} {
		require.Eventually(t, func() bool { return equalStates(states(m), both) }, 10*time.Second, 20*time.Millisecond)
	}
	require.Empty(t, a.deadAddrs())
}

// TestNoReconnectWhileLeaving: a node that is leaving contacts no one.
func TestNoReconnectWhileLeaving(t *testing.T) {
	a := start(t, "a", goodKey)
	a.mu.Lock()
	a.members["b"] = Member{ID: "b", GossipAddr: "127.0.0.1:1", State: StateDead}
	a.left = true
	a.mu.Unlock()
	require.Empty(t, a.deadAddrs())
}
