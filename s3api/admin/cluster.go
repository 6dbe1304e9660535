package admin

import (
	"context"
	"net/http"
	"slices"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// The topology endpoints: cluster, Raft, nodes. Every node answers them from its own
// copy of the Raft state and its gossip view, so every node gives the same answer
// once gossip has converged (the Raft indexes match once the node has caught up).

func (s *Server) getCluster(cl *call) error {
	md := s.deps.Meta
	nodes, err := md.Nodes()
	if err != nil {
		return err
	}
	cur, syncing, err := s.layouts()
	if err != nil {
		return err
	}
	_, leaderAddr, term, commit, applied := md.RaftState()
	out := Cluster{
		ID:   md.ClusterID(),
		Name: s.cfg.ClusterName,
		Raft: RaftSummary{Leader: leaderID(nodes, leaderAddr), Term: term, CommitIndex: commit, AppliedIndex: applied},
		Layout: LayoutSummary{
			Version: cur.Version, Replication: cur.Replication, Partitions: cur.Partitions,
			Nodes: len(cur.Nodes), Syncing: versions(syncing),
		},
		Health: health(cur, nodes),
		Nodes:  map[string]int{},
	}
	for _, n := range nodes {
		if n.Status != meta.NodeRemoved {
			out.Nodes[n.Gossip]++
		}
	}
	return cl.ok(http.StatusOK, out)
}

func (s *Server) getRaft(cl *call) error {
	md := s.deps.Meta
	nodes, err := md.Nodes()
	if err != nil {
		return err
	}
	state, leaderAddr, term, commit, applied := md.RaftState()
	out := Raft{
		Node: s.cfg.NodeID, State: state, Leader: leaderID(nodes, leaderAddr), LeaderAddr: leaderAddr,
		Term: term, CommitIndex: commit, AppliedIndex: applied, Servers: []RaftServer{},
	}
	for _, n := range nodes {
		if n.Raft != meta.RaftNone {
			out.Servers = append(out.Servers, RaftServer{ID: n.ID, Address: n.RaftAddr, Role: string(n.Raft)})
		}
	}
	return cl.ok(http.StatusOK, out)
}

func (s *Server) listNodes(cl *call) error {
	nodes, err := s.nodes(cl.Request().Context(), "")
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, List[Node]{Items: nodes})
}

func (s *Server) getNode(cl *call) error { return s.answerNode(cl, cl.param("id")) }

// answerNode answers node id as GET /nodes/{id} shows it; NoSuchNode if the
// cluster does not know it.
func (s *Server) answerNode(cl *call, id string) error {
	nodes, err := s.nodes(cl.Request().Context(), id)
	if err != nil {
		return err
	}
	if len(nodes) == 0 {
		return errorf(NoSuchNode, "The cluster knows no node %q.", id)
	}
	return cl.ok(http.StatusOK, nodes[0])
}

// removeNode decommissions a node: meta records it as decommissioning and installs a
// layout without it; its data moves to the new owners, then it leaves Raft.
func (s *Server) removeNode(cl *call) error {
	id := cl.param("id")
	md := s.deps.Meta
	if err := md.RemoveNode(cl.Request().Context(), id); err != nil {
		return err
	}
	status, err := md.NodeStatus(id)
	if err != nil {
		return err
	}
	cur, _, err := s.layouts()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusAccepted, RemoveNodeResult{ID: id, Status: string(status), LayoutVersion: cur.Version})
}

// nodes returns the nodes the cluster knows, or only node id when id is not empty,
// with their partition counts and, when a StatsSource is set, their storage figures.
func (s *Server) nodes(ctx context.Context, id string) ([]Node, error) {
	infos, err := s.deps.Meta.Nodes()
	if err != nil {
		return nil, err
	}
	if id != "" {
		infos = slices.DeleteFunc(infos, func(n meta.NodeInfo) bool { return n.ID != id })
	}
	cur, _, err := s.layouts()
	if err != nil {
		return nil, err
	}
	owned := ownedPartitions(cur)
	overrides := s.deps.Meta.NodeOverrides()
	stats := s.statsOf(ctx, infos)
	now := s.now()
	out := make([]Node, 0, len(infos))
	for _, n := range infos {
		node := Node{
			ID: n.ID, S3Addr: n.S3Addr, AdminAddr: n.AdminAddr, RPCAddr: n.RPCAddr, RaftAddr: n.RaftAddr,
			GossipAddr: n.GossipAddr, Zone: n.Zone, Capacity: n.Capacity, Gossip: n.Gossip,
			Raft: string(n.Raft), Status: string(n.Status), InLayout: n.InLayout,
			Partitions: owned[layout.NodeID(n.ID)], Version: n.Version,
		}
		if o, ok := overrides[n.ID]; ok {
			node.Override = overrideOf(o)
			if o.Capacity > 0 {
				node.Capacity = o.Capacity
			}
			if o.Zone != nil {
				node.Zone = *o.Zone
			}
		}
		started := n.StartedAt
		if n.ID == s.cfg.NodeID {
			if node.Version == "" {
				node.Version = s.cfg.Version
			}
			if started.IsZero() {
				started = s.cfg.StartedAt
			}
			if node.S3Addr == "" && node.AdminAddr == "" {
				node.S3Addr, node.AdminAddr = s.cfg.S3Addr, s.cfg.AdminAddr
			}
		}
		if !started.IsZero() {
			t := started.UTC()
			node.StartedAt = &t
			if n.Gossip == "alive" {
				node.UptimeSeconds = int64(now.Sub(started).Seconds())
			}
		}
		if st, ok := stats[n.ID]; ok {
			node.Stats = &st
		}
		out = append(out, node)
	}
	return out, nil
}

// stats asks the StatsSource for the figures of the nodes keep selects; nil
// without a StatsSource.
func (s *Server) stats(ctx context.Context, keep func(meta.NodeInfo) bool) (map[string]NodeStats, error) {
	infos, err := s.deps.Meta.Nodes()
	if err != nil {
		return nil, err
	}
	return s.statsOf(ctx, slices.DeleteFunc(infos, func(n meta.NodeInfo) bool { return !keep(n) })), nil
}

// statsOf asks the StatsSource for the figures of nodes, waiting at most
// StatsTimeout; nil without a StatsSource.
func (s *Server) statsOf(ctx context.Context, nodes []meta.NodeInfo) map[string]NodeStats {
	if s.deps.Stats == nil || len(nodes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StatsTimeout)
	defer cancel()
	return s.deps.Stats.NodeStats(ctx, nodes)
}

// layouts returns the current layout and the older ones still syncing;
// ServiceUnavailable before the node has a layout.
func (s *Server) layouts() (*layout.Layout, []*layout.Layout, error) {
	all := s.deps.Meta.Layouts()
	if len(all) == 0 || all[0] == nil {
		return nil, nil, newError(ServiceUnavailable)
	}
	return all[0], all[1:], nil
}

// leaderID is the id of the node whose Raft address is addr: the node gossip or Raft
// knows as the leader.
func leaderID(nodes []meta.NodeInfo, addr string) string {
	for _, n := range nodes {
		if n.Raft == meta.RaftLeader {
			return n.ID
		}
	}
	for _, n := range nodes {
		if addr != "" && n.RaftAddr == addr {
			return n.ID
		}
	}
	return ""
}

// health counts the partitions of l by how many of their owners gossip says are
// alive.
func health(l *layout.Layout, nodes []meta.NodeInfo) Health {
	alive := map[layout.NodeID]bool{}
	for _, n := range nodes {
		alive[layout.NodeID(n.ID)] = n.Gossip == "alive"
	}
	h := Health{Partitions: l.Partitions}
	for p := 0; p < l.Partitions; p++ {
		owners := l.Owners(p)
		up := 0
		for _, o := range owners {
			if alive[o] {
				up++
			}
		}
		switch {
		case up == len(owners):
			h.AllOwners++
			h.Quorum++
		case up >= l.Quorum():
			h.Quorum++
		default:
			h.Unavailable++
		}
	}
	switch {
	case h.AllOwners == h.Partitions:
		h.Status = "healthy"
	case h.Quorum == h.Partitions:
		h.Status = "degraded"
	default:
		h.Status = "unavailable"
	}
	return h
}

// ownedPartitions counts, per node, the partitions of l it owns.
func ownedPartitions(l *layout.Layout) map[layout.NodeID]int {
	out := map[layout.NodeID]int{}
	for p := 0; p < l.Partitions; p++ {
		for _, o := range l.Owners(p) {
			out[o]++
		}
	}
	return out
}

func versions(ls []*layout.Layout) []uint64 {
	out := make([]uint64, 0, len(ls))
	for _, l := range ls {
		out = append(out, l.Version)
	}
	return out
}
