package meta

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
)

// Layouts returns the layouts in use, newest first: the current one, then every
// older version whose data is still being synced to the newer one. Writes go to the
// owners of Layouts()[0]; reads consult the owners of all of them. Empty before
// WaitReady. The layouts are shared: treat them as read-only.
func (m *Meta) Layouts() []*layout.Layout { return m.fsm.layouts() }

// AckLayoutSync records that node has synced its data to layout version (and so to
// every older one). Once every node of a version has acked it, the older versions
// are dropped from Layouts. The data plane calls it after a sync completes; acking
// again or an older version is a no-op, so an ack whose outcome an election made
// unknown is sent again. ErrInvalid if version is newer than the current layout.
func (m *Meta) AckLayoutSync(ctx context.Context, node string, version uint64) error {
	if node == "" {
		return invalidf("empty node id")
	}
	return m.applyIdempotent(ctx, LayoutSyncAck{Node: node, Version: version})
}

// LayoutSyncAcks returns, per node, the newest layout version it has acked as synced.
func (m *Meta) LayoutSyncAcks() map[string]uint64 { return m.fsm.syncAcks() }

// NodeStatus returns a node's lifecycle status: NodeActive for a node the cluster
// knows (in Raft, a layout or gossip) with nothing recorded; ErrNoSuchNode for an id
// it does not know.
func (m *Meta) NodeStatus(id string) (NodeStatus, error) {
	if s, ok := m.fsm.nodeStatuses()[id]; ok {
		return s, nil
	}
	if m.knowsNode(id) {
		return NodeActive, nil
	}
	return "", fmt.Errorf("%w: %s", ErrNoSuchNode, id)
}

// knowsNode reports whether id is in the Raft configuration, a layout in use or
// gossip.
func (m *Meta) knowsNode(id string) bool {
	if inLayouts(m.fsm.layouts(), id) {
		return true
	}
	if conf, _, err := m.configuration(); err == nil && slices.ContainsFunc(conf.Servers, func(s raft.Server) bool { return string(s.ID) == id }) {
		return true
	}
	if m.cfg.Membership != nil {
		return slices.ContainsFunc(m.cfg.Membership.Members(), func(mb membership.Member) bool { return mb.ID == id })
	}
	return false
}

// RemoveNode decommissions a node, alive or dead: it records the node as
// decommissioning and installs a layout without it before it returns. The data
// plane then moves the node's data to the new owners and acks the sync; once no
// layout in use holds the node, the leader removes it from Raft and records it as
// removed (NodeStatus follows the steps). Removed is final: the id cannot rejoin.
// ErrNoSuchNode for an unknown id, ErrInvalid for the layout's last node. Calling it
// again while the node is decommissioning, or after it was removed, is a no-op; so
// each step whose outcome an election made unknown is proposed again.
func (m *Meta) RemoveNode(ctx context.Context, id string) error {
	status, err := m.NodeStatus(id)
	if err != nil {
		return err
	}
	if status == NodeRemoved {
		return nil
	}
	if cur := m.fsm.currentLayout(); cur != nil && len(cur.Nodes) == 1 && cur.Nodes[0].ID == layout.NodeID(id) {
		return invalidf("node %s is the last node of the layout and cannot be removed", id)
	}
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	if status != NodeDecommissioning {
		if err := m.applyIdempotent(ctx, NodeStatusSet{Node: id, Status: NodeDecommissioning}); err != nil {
			if s, _ := m.NodeStatus(id); s == NodeRemoved {
				return nil // the first proposal took, and the leader has finished it since
			}
			return err
		}
		m.log.Info("decommissioning a node", "node_id", id)
	}
	// The leader's reconcile would install the layout too; doing it here makes the
	// change visible when RemoveNode returns, and works without gossip.
	for {
		cur := m.fsm.currentLayout()
		if cur == nil || !slices.ContainsFunc(cur.Nodes, func(n layout.Node) bool { return n.ID == layout.NodeID(id) }) {
			return nil
		}
		nodes := slices.DeleteFunc(slices.Clone(cur.Nodes), func(n layout.Node) bool { return n.ID == layout.NodeID(id) })
		next, err := layout.New(cur.Version+1, nodes, replicationFor(cur, len(nodes)), cur.Partitions)
		if err != nil {
			return fmt.Errorf("%w: layout without %s: %w", ErrInvalid, id, err)
		}
		// Proposed again if leadership is lost in flight: the same layout again is a no-op.
		err = m.applyIdempotent(ctx, layoutSetOf(next))
		if errors.Is(err, ErrStaleLayout) {
			err = m.catchUp(ctx) // another layout won: read it, then look again
		}
		if err != nil {
			return err
		}
	}
}

// Left reports whether this node has finished leaving the cluster: it was
// decommissioned and no layout version in use holds it any more (its data has moved
// to the other nodes), or it was removed. Such a node owns nothing and should be
// stopped; it serves no more requests.
func (m *Meta) Left() bool {
	if m.toldRemoved.Load() {
		return true
	}
	switch m.fsm.nodeStatuses()[m.cfg.NodeID] {
	case NodeRemoved:
		return true
	case NodeDecommissioning:
		return !inLayouts(m.fsm.layouts(), m.cfg.NodeID)
	}
	return false
}

// WaitLeft blocks until Left reports true (and then returns true), or until ctx ends
// or the Meta is closed (false).
func (m *Meta) WaitLeft(ctx context.Context) bool {
	for {
		changed := m.fsm.clusterChanges.wait()
		if m.Left() {
			return true
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		case <-m.done:
			return false
		}
	}
}

// reconcileDecommissions finishes the decommissioning of every node that no layout
// in use holds any more (its data has been moved): it records the node as removed,
// then removes it from Raft.
func (m *Meta) reconcileDecommissions(ctx context.Context) error {
	layouts := m.fsm.layouts()
	for id, status := range m.fsm.nodeStatuses() {
		if status != NodeDecommissioning || inLayouts(layouts, id) {
			continue
		}
		if err := m.apply(ctx, NodeStatusSet{Node: id, Status: NodeRemoved}); err != nil {
			return fmt.Errorf("mark %s removed: %w", id, err)
		}
		m.log.Info("a decommissioned node's data has moved; removing it", "node_id", id)
		conf, _, err := m.configuration()
		if err != nil {
			return err
		}
		if slices.ContainsFunc(conf.Servers, func(s raft.Server) bool { return string(s.ID) == id }) {
			if err := m.removeServer(raft.ServerID(id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// reconcileLayout installs a new layout version when the nodes that should hold data
// (the active Raft servers, with zone and capacity from gossip) differ from the
// current layout's. Adding a node is automatic; see docs/cluster.md for why.
func (m *Meta) reconcileLayout(ctx context.Context) error {
	cur := m.fsm.currentLayout()
	if cur == nil {
		return nil // initCluster installs the first one
	}
	next, err := m.nextLayout(cur)
	if err != nil || next == nil {
		return err
	}
	if err := m.apply(ctx, layoutSetOf(next)); err != nil {
		if errors.Is(err, ErrStaleLayout) {
			return nil // another proposer won; the next round compares again
		}
		return fmt.Errorf("install layout %d: %w", next.Version, err)
	}
	m.log.Info("layout changed", "version", next.Version, "nodes", len(next.Nodes), "replication", next.Replication)
	return nil
}

// nextLayout returns the layout that follows cur when the nodes that should hold
// data (layoutNodes) differ from cur's, or nil when they do not.
func (m *Meta) nextLayout(cur *layout.Layout) (*layout.Layout, error) {
	conf, _, err := m.configuration()
	if err != nil {
		return nil, err
	}
	nodes := m.layoutNodes(conf, cur)
	if len(nodes) == 0 || sameNodes(cur.Nodes, nodes) {
		return nil, nil
	}
	next, err := layout.New(cur.Version+1, nodes, replicationFor(cur, len(nodes)), cur.Partitions)
	if err != nil {
		return nil, fmt.Errorf("new layout: %w", err)
	}
	return next, nil
}

// firstLayoutNodes is the node list of the first layout: this node alone, or in a
// cluster every Raft server whose zone and capacity are known (an administrator's
// override in place of either).
func (m *Meta) firstLayoutNodes() []layout.Node {
	self := []layout.Node{m.fsm.nodeOverrides()[m.cfg.NodeID].apply(layout.Node{ID: layout.NodeID(m.cfg.NodeID), Zone: m.cfg.Zone, Capacity: max(m.cfg.Capacity, 1)})}
	if m.cfg.Membership == nil {
		return self
	}
	conf, _, err := m.configuration()
	if err != nil {
		return self
	}
	if nodes := m.layoutNodes(conf, nil); len(nodes) > 0 {
		return nodes
	}
	return self
}

// layoutNodes returns the nodes that should hold data: the Raft servers that are
// active, with zone and capacity from gossip (this node's from its Config; a node
// gossip has not seen keeps its entry in cur, or is left out until it is seen). An
// administrator's override (NodeOverride) wins over either.
func (m *Meta) layoutNodes(conf raft.Configuration, cur *layout.Layout) []layout.Node {
	statuses := m.fsm.nodeStatuses()
	overrides := m.fsm.nodeOverrides()
	gossip := map[string]membership.NodeMeta{}
	if m.cfg.Membership != nil {
		for _, mb := range m.cfg.Membership.Members() {
			if mb.Meta.RaftAddr != "" {
				gossip[mb.ID] = mb.Meta
			}
		}
	}
	var nodes []layout.Node
	for _, s := range conf.Servers {
		id := string(s.ID)
		if _, ok := statuses[id]; ok {
			continue // decommissioning or removed
		}
		meta, seen := gossip[id]
		o := overrides[id]
		switch {
		case id == m.cfg.NodeID:
			nodes = append(nodes, o.apply(layout.Node{ID: layout.NodeID(id), Zone: m.cfg.Zone, Capacity: max(m.cfg.Capacity, 1)}))
		case seen:
			nodes = append(nodes, o.apply(layout.Node{ID: layout.NodeID(id), Zone: meta.Zone, Capacity: max(meta.Capacity, 1)}))
		case cur != nil:
			if i := slices.IndexFunc(cur.Nodes, func(n layout.Node) bool { return string(n.ID) == id }); i >= 0 {
				nodes = append(nodes, o.apply(cur.Nodes[i]))
			}
		}
	}
	return nodes
}

// replicationFor is the replication factor of a layout of n nodes that follows cur:
// the default, min(3, n), unless cur's factor was set explicitly (it differs from
// the default for cur's node count), which is kept while there are enough nodes.
func replicationFor(cur *layout.Layout, n int) int {
	if cur == nil || cur.Replication == min(3, len(cur.Nodes)) {
		return 0 // layout.New's default
	}
	return min(cur.Replication, n)
}

// sameNodes reports whether two node lists hold the same nodes with the same zones
// and capacities (a capacity of 0 is 1), in any order.
func sameNodes(a, b []layout.Node) bool {
	if len(a) != len(b) {
		return false
	}
	norm := func(n layout.Node) layout.Node { n.Capacity = max(n.Capacity, 1); return n }
	seen := make(map[layout.NodeID]layout.Node, len(a))
	for _, n := range a {
		seen[n.ID] = norm(n)
	}
	for _, n := range b {
		if m, ok := seen[n.ID]; !ok || m != norm(n) {
			return false
		}
	}
	return true
}

// inLayouts reports whether any of the layouts holds node id.
func inLayouts(layouts []*layout.Layout, id string) bool {
	for _, l := range layouts {
		if slices.ContainsFunc(l.Nodes, func(n layout.Node) bool { return string(n.ID) == id }) {
			return true
		}
	}
	return false
}
