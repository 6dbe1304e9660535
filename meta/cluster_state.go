package meta

import (
	"fmt"
	"maps"
	"slices"

	"github.com/cairnstore/cairn/cluster/layout"
)

// NodeStatus is where a node is in its lifecycle.
type NodeStatus string

// The node statuses. A node the cluster knows and has no recorded status is active.
const (
	// NodeActive: a member of the cluster, in the layout once the leader has added it.
	NodeActive NodeStatus = "active"
	// NodeDecommissioning: RemoveNode was called. The node is out of the newest layout
	// and its data is being moved off; it stays in Raft until that layout is synced.
	NodeDecommissioning NodeStatus = "decommissioning"
	// NodeRemoved: the node's data was moved off and it was removed from Raft. Final:
	// the leader never adds a removed node id again (a replacement needs a new id).
	NodeRemoved NodeStatus = "removed"
)

// clusterState is the replicated part of the cluster's control plane beyond the
// current layout (state.Layout). JSON tags are the snapshot format.
type clusterState struct {
	// LayoutHistory holds the layout versions older than the current one that are
	// still syncing, newest first.
	LayoutHistory []*layoutSpec `json:"layoutHistory,omitempty"`
	// SyncAcks is, per node, the newest layout version it has finished syncing to.
	SyncAcks map[string]uint64 `json:"syncAcks,omitempty"`
	// NodeStatus records nodes that are not simply active.
	NodeStatus map[string]NodeStatus `json:"nodeStatus,omitempty"`
	// Overrides holds the administrator's capacity and zone overrides, by node id
	// (node_override.go).
	Overrides map[string]NodeOverride `json:"nodeOverrides,omitempty"`
}

// clone returns a copy of c that shares no map or slice with it (the specs in the
// history are never modified in place).
func (c clusterState) clone() clusterState {
	out := clusterState{
		LayoutHistory: slices.Clone(c.LayoutHistory),
		SyncAcks:      maps.Clone(c.SyncAcks),
		NodeStatus:    maps.Clone(c.NodeStatus),
		Overrides:     maps.Clone(c.Overrides),
	}
	if out.SyncAcks == nil {
		out.SyncAcks = map[string]uint64{}
	}
	if out.NodeStatus == nil {
		out.NodeStatus = map[string]NodeStatus{}
	}
	if out.Overrides == nil {
		out.Overrides = map[string]NodeOverride{}
	}
	return out
}

// buildHistory rebuilds the layouts of the history, owner tables included.
func (c clusterState) buildHistory() ([]*layout.Layout, error) {
	out := make([]*layout.Layout, 0, len(c.LayoutHistory))
	for _, s := range c.LayoutHistory {
		l, err := s.build()
		if err != nil {
			return nil, fmt.Errorf("layout history: %w", err)
		}
		out = append(out, l)
	}
	return out, nil
}
