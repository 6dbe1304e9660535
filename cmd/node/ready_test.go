package node

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
)

func TestServingQuorum(t *testing.T) {
	l, err := layout.New(1, []layout.Node{{ID: "a"}, {ID: "b"}, {ID: "c"}}, 3, 0)
	require.NoError(t, err)
	serving := func(id string) membership.Member {
		return membership.Member{ID: id, State: membership.StateAlive, Meta: membership.NodeMeta{RPCAddr: id + ":7948"}}
	}
	cases := []struct {
		name    string
		members map[string]membership.Member
		ready   bool
	}{
		{"every peer serves", map[string]membership.Member{"b": serving("b"), "c": serving("c")}, true},
		{"one peer down", map[string]membership.Member{"b": serving("b")}, true},
		{"peers still starting", map[string]membership.Member{
			"b": {ID: "b", State: membership.StateAlive, Meta: membership.NodeMeta{RPCAddr: "b:7948", Starting: true}},
			"c": {ID: "c", State: membership.StateAlive, Meta: membership.NodeMeta{RPCAddr: "c:7948", Starting: true}},
		}, false},
		{"peers held dead, no leader (cut off)", map[string]membership.Member{
			"b": {ID: "b", State: membership.StateDead, Meta: membership.NodeMeta{RPCAddr: "b:7948"}},
			"c": {ID: "c", State: membership.StateLeft, Meta: membership.NodeMeta{RPCAddr: "c:7948"}},
		}, false},
		{"peers not known to gossip yet", nil, false},
	}
	for _, c := range cases {
		ok, why := servingQuorum(l, "a", false, func(id string) (membership.Member, bool) {
			mb, ok := c.members[id]
			return mb, ok
		})
		require.Equal(t, c.ready, ok, c.name)
		if !ok {
			require.Contains(t, why, "a write needs 2", c.name)
		}
	}
	// A peer gossip holds dead counts while a leader is known (gossip's false deaths
	// under load); a peer that left never does.
	deadPeer := map[string]membership.Member{
		"b": {ID: "b", State: membership.StateDead, Meta: membership.NodeMeta{RPCAddr: "b:7948"}},
		"c": {ID: "c", State: membership.StateLeft, Meta: membership.NodeMeta{RPCAddr: "c:7948"}},
	}
	ok, _ := servingQuorum(l, "a", true, func(id string) (membership.Member, bool) { mb, ok := deadPeer[id]; return mb, ok })
	require.True(t, ok, "a dead peer counts while a leader is known")
	delete(deadPeer, "b")
	ok, _ = servingQuorum(l, "a", true, func(id string) (membership.Member, bool) { mb, ok := deadPeer[id]; return mb, ok })
	require.False(t, ok, "a peer that left does not count")

	ok, why := servingQuorum(nil, "a", false, nil)
	require.False(t, ok)
	require.Equal(t, "no layout yet", why)
}
