package admin

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// LayoutPreviewRequest is the body of POST /admin/v1/layout/preview: a change to the
// current layout, to see what it would move before making it. Every field is
// optional; the empty request previews no change.
type LayoutPreviewRequest struct {
	// Replication is the replication factor after the change; 0 keeps the current.
	Replication int `json:"replication,omitempty"`
	// Remove names nodes to take out of the layout (DELETE /nodes/{id} does it).
	Remove []string `json:"remove,omitempty"`
	// Add is nodes that would join (by starting them with --join).
	Add []LayoutNode `json:"add,omitempty"`
	// Capacity and Zone change nodes' weight or zone (each node's --capacity and
	// --zone flags, or an override set with PUT /nodes/{id}).
	Capacity map[string]uint64 `json:"capacity,omitempty"`
	Zone     map[string]string `json:"zone,omitempty"`
}

// LayoutPreview is the answer of POST /admin/v1/layout/preview: how the partitions'
// owners would change and an estimate of the bytes that would be copied.
type LayoutPreview struct {
	// Version is the current layout version the preview starts from: PUT /layout
	// with it applies the replication change only if nothing changed meanwhile.
	Version     uint64 `json:"version"`
	Replication int    `json:"replication"`
	Partitions  int    `json:"partitions"`
	// PartitionsChanged counts the partitions whose owner set changes;
	// ReplicasMoved the partition copies a node would newly hold (what is copied).
	PartitionsChanged int `json:"partitionsChanged"`
	ReplicasMoved     int `json:"replicasMoved"`
	// EstimatedBytes is the estimate of the bytes copied to new owners
	// (EstimatedBytes is 0 with Estimated false when no node reported its usage).
	EstimatedBytes int64 `json:"estimatedBytes"`
	Estimated      bool  `json:"estimated"`
	// NodesAnswered counts the nodes of the current layout whose usage the estimate
	// is made from.
	NodesAnswered int                 `json:"nodesAnswered"`
	Nodes         []LayoutPreviewNode `json:"nodes"`
}

// LayoutPreviewNode is one node's part in a previewed change.
type LayoutPreviewNode struct {
	ID       string `json:"id"`
	Zone     string `json:"zone,omitempty"`
	Capacity uint64 `json:"capacity"`
	// PartitionsBefore and PartitionsAfter are the partitions it owns now and after.
	PartitionsBefore int `json:"partitionsBefore"`
	PartitionsAfter  int `json:"partitionsAfter"`
	// Gains and Loses count the partitions it would newly own and stop owning;
	// EstimatedInBytes estimates what it would receive.
	Gains            int   `json:"gains"`
	Loses            int   `json:"loses"`
	EstimatedInBytes int64 `json:"estimatedInBytes"`
	// DataBytes is what it stores now (0 when it did not answer or is new).
	DataBytes int64 `json:"dataBytes"`
	// Removed and Added mark nodes the change takes out or brings in.
	Removed bool `json:"removed,omitempty"`
	Added   bool `json:"added,omitempty"`
}

// previewLayout computes the layout the change would make, with the same pure
// function the leader uses (layout.New), compares each partition's owners, and
// estimates the bytes to copy from the nodes' usage (estimateMove).
func (s *Server) previewLayout(cl *call) error {
	var in LayoutPreviewRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	cur, _, err := s.layouts()
	if err != nil {
		return err
	}
	next, err := proposedLayout(cur, in)
	if err != nil {
		return err
	}
	stats, err := s.stats(cl.Request().Context(), func(n meta.NodeInfo) bool {
		return slices.ContainsFunc(cur.Nodes, func(ln layout.Node) bool { return string(ln.ID) == n.ID })
	})
	if err != nil {
		return err
	}
	data := map[layout.NodeID]int64{}
	for id, st := range stats {
		data[layout.NodeID(id)] = st.DataBytes
	}
	return cl.ok(http.StatusOK, estimateMove(cur, next, data))
}

// proposedLayout is cur with the change applied; InvalidRequest for a change that
// names unknown nodes, adds a known one, or leaves fewer nodes than replicas.
func proposedLayout(cur *layout.Layout, in LayoutPreviewRequest) (*layout.Layout, error) {
	nodes := slices.Clone(cur.Nodes)
	known := func(id string) int {
		return slices.IndexFunc(nodes, func(n layout.Node) bool { return string(n.ID) == id })
	}
	for id, c := range in.Capacity {
		i := known(id)
		if i < 0 {
			return nil, errorf(InvalidRequest, "No node %q in the layout.", id)
		}
		nodes[i].Capacity = c
	}
	for id, z := range in.Zone {
		i := known(id)
		if i < 0 {
			return nil, errorf(InvalidRequest, "No node %q in the layout.", id)
		}
		nodes[i].Zone = z
	}
	for _, id := range in.Remove {
		i := known(id)
		if i < 0 {
			return nil, errorf(InvalidRequest, "No node %q in the layout.", id)
		}
		nodes = slices.Delete(nodes, i, i+1)
	}
	for _, n := range in.Add {
		if n.ID == "" || known(n.ID) >= 0 {
			return nil, errorf(InvalidRequest, "A node to add needs an id not in the layout (%q).", n.ID)
		}
		nodes = append(nodes, layout.Node{ID: layout.NodeID(n.ID), Zone: n.Zone, Capacity: n.Capacity})
	}
	r := cmp.Or(in.Replication, cur.Replication)
	if len(nodes) == 0 || r < 1 || r > len(nodes) {
		return nil, errorf(InvalidRequest, "The change leaves %d nodes for a replication factor of %d.", len(nodes), r)
	}
	next, err := layout.New(cur.Version+1, nodes, r, cur.Partitions)
	if err != nil {
		return nil, errorf(InvalidRequest, "%v", err)
	}
	return next, nil
}

// estimateMove compares cur and next partition by partition. A partition copy that
// a node owns in next but not in cur is copied to it from cur's owners. Its size is
// estimated from the nodes' usage: each node's stored bytes (data) divided by the
// partitions it owns in cur, averaged over the partition's current owners that
// reported, or over every reporting node when none did. Blocks are placed by the hash
// of their content, so each partition holds about the same share of a node's bytes.
func estimateMove(cur, next *layout.Layout, data map[layout.NodeID]int64) LayoutPreview {
	owned := ownedPartitions(cur)
	perPart := map[layout.NodeID]float64{}
	var sum float64
	for id, b := range data {
		if owned[id] > 0 {
			perPart[id] = float64(b) / float64(owned[id])
			sum += perPart[id]
		}
	}
	mean := 0.0
	if len(perPart) > 0 {
		mean = sum / float64(len(perPart))
	}
	out := LayoutPreview{Version: cur.Version, Replication: next.Replication, Partitions: next.Partitions, Estimated: len(perPart) > 0, NodesAnswered: len(perPart)}
	nodes := map[layout.NodeID]*LayoutPreviewNode{}
	node := func(n layout.Node) *LayoutPreviewNode {
		pn := nodes[n.ID]
		if pn == nil {
			pn = &LayoutPreviewNode{ID: string(n.ID), Zone: n.Zone, Capacity: max(n.Capacity, 1), DataBytes: data[n.ID]}
			nodes[n.ID] = pn
		}
		return pn
	}
	for _, n := range cur.Nodes {
		node(n).Removed = true // until found in next
	}
	for _, n := range next.Nodes {
		pn := node(n)
		pn.Zone, pn.Capacity = n.Zone, max(n.Capacity, 1)
		pn.Added = !slices.ContainsFunc(cur.Nodes, func(c layout.Node) bool { return c.ID == n.ID })
		pn.Removed = false
	}
	var bytes float64
	for p := 0; p < cur.Partitions; p++ {
		before, after := cur.Owners(p), next.Owners(p)
		var est, n float64
		for _, o := range before {
			if v, ok := perPart[o]; ok {
				est += v
				n++
			}
		}
		if n > 0 {
			est /= n
		} else {
			est = mean
		}
		changed := false
		for _, o := range before {
			nodes[o].PartitionsBefore++
			if !slices.Contains(after, o) {
				nodes[o].Loses++
				changed = true
			}
		}
		for _, o := range after {
			pn := nodes[o]
			pn.PartitionsAfter++
			if !slices.Contains(before, o) {
				pn.Gains++
				pn.EstimatedInBytes += int64(est)
				out.ReplicasMoved++
				bytes += est
				changed = true
			}
		}
		if changed {
			out.PartitionsChanged++
		}
	}
	out.EstimatedBytes = int64(bytes)
	for _, pn := range nodes {
		out.Nodes = append(out.Nodes, *pn)
	}
	slices.SortFunc(out.Nodes, func(a, b LayoutPreviewNode) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
