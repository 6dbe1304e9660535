package meta

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/layout"
)

// A node's capacity and zone come from its own --capacity and --zone flags, carried
// by gossip. An administrator may override either in Raft (garage layout assign -c
// style, without restarting the node): the override wins over the flag, on every
// node and in the leader's reconcile, until it is cleared.

// CmdNodeOverrideSet sets or clears a node's capacity and zone override.
const CmdNodeOverrideSet CommandType = 26

// maxZoneLen bounds a zone name.
const maxZoneLen = 255

// NodeOverride is a node's capacity and zone override. The zero value overrides
// nothing.
type NodeOverride struct {
	// Capacity is the node's weight in the layout; 0: the node's --capacity.
	Capacity uint64 `json:"capacity,omitempty"`
	// Zone is the node's zone ("" is no zone); nil: the node's --zone.
	Zone *string `json:"zone,omitempty"`
}

// IsZero reports an override that overrides nothing.
func (o NodeOverride) IsZero() bool { return o.Capacity == 0 && o.Zone == nil }

// check refuses a zone name the --zone flag would not make sense with: longer than
// 255 bytes or holding control characters (ErrInvalid).
func (o NodeOverride) check() error {
	if o.Zone == nil {
		return nil
	}
	z := *o.Zone
	if len(z) > maxZoneLen {
		return invalidf("a zone name is at most %d bytes, not %d", maxZoneLen, len(z))
	}
	if slices.ContainsFunc([]rune(z), unicode.IsControl) {
		return invalidf("the zone name %q holds a control character", z)
	}
	return nil
}

// apply returns n with the override's capacity and zone in place of its own.
func (o NodeOverride) apply(n layout.Node) layout.Node {
	if o.Capacity > 0 {
		n.Capacity = o.Capacity
	}
	if o.Zone != nil {
		n.Zone = *o.Zone
	}
	return n
}

// NodeOverrideSet sets Node's override to Override; the zero Override clears it.
// Apply refuses a removed node and an invalid zone (ErrInvalid). Idempotent.
type NodeOverrideSet struct {
	Node     string       `json:"node"`
	Override NodeOverride `json:"override,omitzero"`
}

func (NodeOverrideSet) commandType() CommandType { return CmdNodeOverrideSet }

func (f *fsm) applyNodeOverrideSet(c *NodeOverrideSet) error {
	if c.Node == "" {
		return invalidf("node override without a node")
	}
	if err := c.Override.check(); err != nil {
		return err
	}
	if f.statusLocked(c.Node) == NodeRemoved {
		return invalidf("node %s was removed", c.Node)
	}
	old, had := f.st.Cluster.Overrides[c.Node]
	if c.Override.IsZero() {
		if !had {
			return nil
		}
		delete(f.st.Cluster.Overrides, c.Node)
	} else {
		if had && sameOverride(old, c.Override) {
			return nil
		}
		f.st.Cluster.Overrides[c.Node] = c.Override
	}
	f.clusterChanges.notify() // the leader's reconcile installs a layout with it
	return nil
}

func sameOverride(a, b NodeOverride) bool {
	if a.Capacity != b.Capacity || (a.Zone == nil) != (b.Zone == nil) {
		return false
	}
	return a.Zone == nil || *a.Zone == *b.Zone
}

// nodeOverrides returns the nodes' overrides, by node id.
func (f *fsm) nodeOverrides() map[string]NodeOverride {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return maps.Clone(f.st.Cluster.Overrides)
}

// NodeOverrides returns the capacity and zone overrides in effect, by node id.
func (m *Meta) NodeOverrides() map[string]NodeOverride { return m.fsm.nodeOverrides() }

// SetNodeOverride sets node id's capacity and zone override; the zero override
// clears it. It installs a layout with the node's new weight and zone before it
// returns (the leader's reconcile would too; doing it here makes the change visible
// when the call returns, as RemoveNode does). ErrNoSuchNode for a node not in the
// Raft configuration, ErrInvalid for an invalid zone. Setting the same override
// again is a no-op, so a call whose outcome an election made unknown is made again.
func (m *Meta) SetNodeOverride(ctx context.Context, id string, o NodeOverride) error {
	if err := o.check(); err != nil {
		return err
	}
	conf, _, err := m.configuration()
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(conf.Servers, func(s raft.Server) bool { return string(s.ID) == id }) {
		return fmt.Errorf("%w: %s", ErrNoSuchNode, id)
	}
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	if err := m.applySetting(ctx, NodeOverrideSet{Node: id, Override: o}); err != nil {
		return err
	}
	m.log.Info("node override set", "node_id", id, "capacity", o.Capacity, "zone_set", o.Zone != nil)
	for {
		cur := m.fsm.currentLayout()
		if cur == nil {
			return nil // initCluster's first layout reads the override
		}
		next, err := m.nextLayout(cur)
		if err != nil || next == nil {
			return err
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
