package meta

import (
	"cmp"
	"slices"
	"time"

	"github.com/hashicorp/raft"
)

// RaftRole is a node's part in Raft.
type RaftRole string

// The Raft roles. RaftNone: not in the Raft configuration (joining, or removed).
const (
	RaftLeader   RaftRole = "leader"
	RaftVoter    RaftRole = "voter"
	RaftNonvoter RaftRole = "nonvoter"
	RaftNone     RaftRole = "none"
)

// GossipUnknown is NodeInfo.Gossip for a node this node's gossip has not seen (or
// every node without gossip, on a single node: then this node is "alive").
const GossipUnknown = "unknown"

// NodeInfo is one node as the cluster knows it, from Raft, the layout and gossip.
type NodeInfo struct {
	ID string `json:"id"`
	// The node's addresses, from gossip ("" when unknown); RaftAddr from the Raft
	// configuration when gossip has none.
	RaftAddr   string `json:"raftAddr,omitempty"`
	RPCAddr    string `json:"rpcAddr,omitempty"`
	S3Addr     string `json:"s3Addr,omitempty"`
	AdminAddr  string `json:"adminAddr,omitempty"`
	GossipAddr string `json:"gossipAddr,omitempty"`
	// Zone and Capacity as in the current layout, or as gossiped if it is not in it.
	Zone     string `json:"zone,omitempty"`
	Capacity uint64 `json:"capacity"`
	// Gossip is the node's liveness: "alive", "dead", "left" or GossipUnknown.
	Gossip string `json:"gossip"`
	// Raft is its role in Raft.
	Raft RaftRole `json:"raft"`
	// Status is where it is in its lifecycle.
	Status NodeStatus `json:"status"`
	// InLayout reports that the current layout places data on it.
	InLayout bool `json:"inLayout"`
	// Version and StartedAt are the software version it runs and when it started.
	Version   string    `json:"version,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
}

// Nodes returns every node the cluster knows — in the Raft configuration, the
// current layout, gossip, or with a recorded status — sorted by id.
func (m *Meta) Nodes() ([]NodeInfo, error) {
	conf, _, err := m.configuration()
	if err != nil {
		return nil, err
	}
	_, leader := m.raft.LeaderWithID()
	byID := map[string]*NodeInfo{}
	get := func(id string) *NodeInfo {
		n, ok := byID[id]
		if !ok {
			n = &NodeInfo{ID: id, Gossip: GossipUnknown, Raft: RaftNone, Status: NodeActive}
			byID[id] = n
		}
		return n
	}
	for _, s := range conf.Servers {
		n := get(string(s.ID))
		n.RaftAddr = string(s.Address)
		switch {
		case s.ID == leader:
			n.Raft = RaftLeader
		case s.Suffrage == raft.Voter:
			n.Raft = RaftVoter
		default:
			n.Raft = RaftNonvoter
		}
	}
	if m.cfg.Membership != nil {
		for _, mb := range m.cfg.Membership.Members() {
			if mb.Meta.RaftAddr == "" {
				continue // not a Cairn node
			}
			n := get(mb.ID)
			n.Gossip, n.GossipAddr = string(mb.State), mb.GossipAddr
			n.RPCAddr, n.S3Addr, n.AdminAddr = mb.Meta.RPCAddr, mb.Meta.S3Addr, mb.Meta.AdminAddr
			n.Zone, n.Capacity = mb.Meta.Zone, max(mb.Meta.Capacity, 1)
			n.Version, n.StartedAt = mb.Meta.Version, mb.Meta.StartedAt
			if n.RaftAddr == "" {
				n.RaftAddr = mb.Meta.RaftAddr
			}
		}
	} else {
		get(m.cfg.NodeID).Gossip = "alive"
	}
	if cur := m.fsm.currentLayout(); cur != nil {
		for _, ln := range cur.Nodes {
			n := get(string(ln.ID))
			n.InLayout, n.Zone, n.Capacity = true, ln.Zone, max(ln.Capacity, 1)
		}
	}
	for id, s := range m.fsm.nodeStatuses() {
		get(id).Status = s
	}
	out := make([]NodeInfo, 0, len(byID))
	for _, n := range byID {
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b NodeInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
