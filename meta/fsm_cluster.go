package meta

import (
	"fmt"
	"maps"

	"github.com/cairnstore/cairn/cluster/layout"
)

// The cluster appliers and readers of the FSM. Appliers run with f.mu held and
// change nothing when they reject.

// installLayout makes spec (built as l) the current layout, keeps the previous one in
// the history while it syncs, and drops the versions that no longer need to be read.
func (f *fsm) installLayout(spec *layoutSpec, l *layout.Layout) {
	if f.st.Layout != nil {
		f.st.Cluster.LayoutHistory = append([]*layoutSpec{f.st.Layout}, f.st.Cluster.LayoutHistory...)
		f.history = append([]*layout.Layout{f.layout}, f.history...)
	}
	f.st.Layout, f.layout = spec, l
	f.pruneLayouts()
	f.clusterChanges.notify()
}

// pruneLayouts drops every version older than the newest fully synced one: once all
// nodes of version v have synced to it, nothing needs the owners of older versions.
func (f *fsm) pruneLayouts() {
	if f.st.Layout == nil || len(f.st.Cluster.LayoutHistory) == 0 {
		return
	}
	all := append([]*layoutSpec{f.st.Layout}, f.st.Cluster.LayoutHistory...)
	for i, s := range all {
		if f.synced(s) {
			f.st.Cluster.LayoutHistory = f.st.Cluster.LayoutHistory[:i:i]
			f.history = f.history[:i:i]
			return
		}
	}
}

// synced reports whether every node of layout s has acked a version at least s's. A
// removed node counts as synced: it can no longer ack, and it left only after its
// data was moved.
func (f *fsm) synced(s *layoutSpec) bool {
	for _, n := range s.Nodes {
		id := string(n.ID)
		if f.st.Cluster.SyncAcks[id] < s.Version && f.st.Cluster.NodeStatus[id] != NodeRemoved {
			return false
		}
	}
	return true
}

func (f *fsm) applyLayoutSyncAck(c *LayoutSyncAck) error {
	switch {
	case c.Node == "":
		return invalidf("layout sync ack without a node")
	case f.st.Layout == nil || c.Version > f.st.Layout.Version:
		return invalidf("layout version %d does not exist yet", c.Version)
	case c.Version <= f.st.Cluster.SyncAcks[c.Node] || f.st.Cluster.NodeStatus[c.Node] == NodeRemoved:
		return nil
	}
	f.st.Cluster.SyncAcks[c.Node] = c.Version
	f.pruneLayouts()
	f.clusterChanges.notify()
	return nil
}

func (f *fsm) applyNodeStatusSet(c *NodeStatusSet) error {
	switch c.Status {
	case NodeActive, NodeDecommissioning, NodeRemoved:
	default:
		return invalidf("unknown node status %q", c.Status)
	}
	if c.Node == "" {
		return invalidf("node status without a node")
	}
	old := f.statusLocked(c.Node)
	switch {
	case old == c.Status:
		return nil
	case old == NodeRemoved:
		return invalidf("node %s was removed; a removed node id cannot come back (start the node under a new id)", c.Node)
	}
	if c.Status == NodeActive {
		delete(f.st.Cluster.NodeStatus, c.Node)
	} else {
		f.st.Cluster.NodeStatus[c.Node] = c.Status
	}
	if c.Status == NodeRemoved {
		delete(f.st.Cluster.SyncAcks, c.Node)
		delete(f.st.Cluster.Overrides, c.Node)
		f.pruneLayouts()
	}
	f.clusterChanges.notify()
	return nil
}

func (f *fsm) applyRootKeyInit(c *RootKeyInit) error {
	for _, k := range f.st.AccessKeys {
		if k.User == RootUser {
			return nil // root has a key: the first init (or a SetRootKey) wins
		}
	}
	return f.applyRootKeySet(&RootKeySet{ID: c.ID, Secret: c.Secret, CreatedAt: c.CreatedAt})
}

func (f *fsm) statusLocked(node string) NodeStatus {
	if s, ok := f.st.Cluster.NodeStatus[node]; ok {
		return s
	}
	return NodeActive
}

// Readers.

// layouts returns the current layout and the versions still syncing, newest first;
// nil before the first layout.
func (f *fsm) layouts() []*layout.Layout {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.layout == nil {
		return nil
	}
	return append([]*layout.Layout{f.layout}, f.history...)
}

// nodeStatuses returns the nodes with a recorded status (not simply active).
func (f *fsm) nodeStatuses() map[string]NodeStatus {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.st.Cluster.NodeStatus)
}

// syncAcks returns each node's newest synced layout version.
func (f *fsm) syncAcks() map[string]uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.st.Cluster.SyncAcks)
}

// restoreHistory rebuilds the cached history layouts after a Restore; st is the
// restored state.
func restoreHistory(st state) ([]*layout.Layout, error) {
	h, err := st.Cluster.buildHistory()
	if err != nil {
		return nil, fmt.Errorf("meta: restore snapshot: %w", err)
	}
	return h, nil
}
