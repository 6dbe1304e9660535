package admin

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// The layout endpoints. Cairn has no staged layouts: a change takes effect at once
// as a new layout version, and the data moves in the background (GET /sync). To
// undo a change, make the opposite one.

func (s *Server) getLayout(cl *call) error {
	cur, syncing, err := s.layouts()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, layoutOf(cur, syncing))
}

// updateLayout changes the replication factor. Zones and capacities are each node's
// own configuration (--zone, --capacity), carried by gossip, or an override set with
// PUT /nodes/{id} (setNodeOverride): the leader keeps the layout in step with them,
// so they are not set here.
func (s *Server) updateLayout(cl *call) error {
	var in LayoutChange
	if err := cl.decode(&in); err != nil {
		return err
	}
	cur, _, err := s.layouts()
	if err != nil {
		return err
	}
	if in.Version != 0 && in.Version != cur.Version {
		return errorf(LayoutConflict, "The layout is at version %d, not %d; read it again and retry.", cur.Version, in.Version)
	}
	if in.Replication < 1 || in.Replication > len(cur.Nodes) {
		return errorf(InvalidRequest, "The replication factor must be from 1 to the number of nodes in the layout (%d).", len(cur.Nodes))
	}
	if in.Replication != cur.Replication {
		next, err := layout.New(cur.Version+1, cur.Nodes, in.Replication, cur.Partitions)
		if err != nil {
			return errorf(InvalidRequest, "%v", err)
		}
		if err := s.deps.Meta.SetLayout(cl.Request().Context(), next); err != nil {
			return err
		}
		s.log.Info("layout changed through the admin API", "version", next.Version, "replication", next.Replication, "user", cl.principal().User)
	}
	cur, syncing, err := s.layouts()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, layoutOf(cur, syncing))
}

// getSync reports the progress of moving data to the current layout: which older
// versions are still in use and which nodes have synced, with each node's own report
// of its anti-entropy work when a StatsSource can ask it.
func (s *Server) getSync(cl *call) error {
	cur, syncing, err := s.layouts()
	if err != nil {
		return err
	}
	acks := s.deps.Meta.LayoutSyncAcks()
	out := SyncStatus{LayoutVersion: cur.Version, Done: len(syncing) == 0, Syncing: versions(syncing), Nodes: []NodeSync{}}
	inLayouts := map[string]bool{}
	for _, l := range append([]*layout.Layout{cur}, syncing...) {
		for _, n := range l.Nodes {
			inLayouts[string(n.ID)] = true
		}
	}
	stats, err := s.stats(cl.Request().Context(), func(n meta.NodeInfo) bool { return inLayouts[n.ID] })
	if err != nil {
		return err
	}
	for id := range inLayouts {
		acked := acks[id]
		ns := NodeSync{ID: id, SyncedVersion: acked, Done: out.Done || acked >= cur.Version}
		if st, ok := stats[id]; ok {
			ns.Repair = st.Repair
		}
		out.Nodes = append(out.Nodes, ns)
	}
	slices.SortFunc(out.Nodes, func(a, b NodeSync) int { return cmp.Compare(a.ID, b.ID) })
	return cl.ok(http.StatusOK, out)
}

// layoutOf is the JSON of a layout and the versions still syncing.
func layoutOf(cur *layout.Layout, syncing []*layout.Layout) Layout {
	owned := ownedPartitions(cur)
	out := Layout{Version: cur.Version, Replication: cur.Replication, Partitions: cur.Partitions, Nodes: []LayoutNode{}, Syncing: []LayoutBrief{}}
	for _, n := range cur.Nodes {
		out.Nodes = append(out.Nodes, LayoutNode{ID: string(n.ID), Zone: n.Zone, Capacity: max(n.Capacity, 1), Partitions: owned[n.ID]})
	}
	for _, l := range syncing {
		b := LayoutBrief{Version: l.Version, Replication: l.Replication, Nodes: []string{}}
		for _, n := range l.Nodes {
			b.Nodes = append(b.Nodes, string(n.ID))
		}
		out.Syncing = append(out.Syncing, b)
	}
	return out
}
