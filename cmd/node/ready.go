package node

import (
	"fmt"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
)

// dataPlaneReady says whether this node can serve object requests: it serves its own
// store, and gossip shows enough nodes of the layout serving theirs for a write
// quorum. A Raft leader alone is not enough: a node that has just started, or whose
// peers have just restarted, knows the leader before it sees its peers serve, and a
// load balancer (or a rolling upgrade waiting for health) that sent it requests then
// got 503s "not enough replicas reachable". The reason says what is missing.
func (n *Node) dataPlaneReady() (bool, string) {
	if n.cl == nil {
		return true, ""
	}
	if !n.cl.serving.Load() {
		return false, "this node's object store is not serving yet"
	}
	_, leader, _, _, _ := n.meta.RaftState()
	return servingQuorum(n.meta.Layout(), n.cfg.NodeID, leader != "", n.cl.members.Member)
}

// servingQuorum counts the nodes of layout l that serve data (self, and the members
// that announced they serve) against the layout's write quorum. A member gossip holds
// dead counts while this node knows a Raft leader: the data plane still calls it (a
// loaded host's gossip declares live peers dead for seconds at a time, and taking
// every node out of the load balancer then is worse than a failed call), while a node
// cut off from the others loses its leader within a heartbeat and stops counting them.
func servingQuorum(l *layout.Layout, self string, leaderKnown bool, member func(id string) (membership.Member, bool)) (bool, string) {
	if l == nil || len(l.Nodes) == 0 {
		return false, "no layout yet"
	}
	serving := 0
	for _, ln := range l.Nodes {
		id := string(ln.ID)
		if id == self {
			serving++
			continue
		}
		mb, ok := member(id)
		if !ok || mb.Meta.Starting || mb.Meta.RPCAddr == "" {
			continue
		}
		if mb.State == membership.StateAlive || (mb.State == membership.StateDead && leaderKnown) {
			serving++
		}
	}
	if need := min(l.Quorum(), len(l.Nodes)); serving < need {
		return false, fmt.Sprintf("%d of the layout's %d nodes serve data as gossip sees it; a write needs %d", serving, len(l.Nodes), need)
	}
	return true, ""
}
