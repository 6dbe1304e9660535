package admin

import "github.com/cairnstore/cairn/meta"

// setNodeOverride sets or clears a node's capacity and zone override (garage layout
// assign style, without restarting the node): meta keeps it in Raft and installs a
// layout with it before answering. The answer is the node as GET /nodes/{id} shows it.
func (s *Server) setNodeOverride(cl *call) error {
	id := cl.param("id")
	var in NodeOverride
	if err := cl.decode(&in); err != nil {
		return err
	}
	if in.Capacity != nil && *in.Capacity < 1 {
		return errorf(InvalidRequest, "A node's capacity is a whole number of at least 1.")
	}
	cur, _, err := s.layouts()
	if err != nil {
		return err
	}
	if in.Version != 0 && in.Version != cur.Version {
		return errorf(LayoutConflict, "The layout is at version %d, not %d; read it again and retry.", cur.Version, in.Version)
	}
	o := meta.NodeOverride{Zone: in.Zone}
	if in.Capacity != nil {
		o.Capacity = *in.Capacity
	}
	if err := s.deps.Meta.SetNodeOverride(cl.Request().Context(), id, o); err != nil {
		return err
	}
	s.log.Info("node override set through the admin API", "node", id, "capacity", o.Capacity, "zone_set", o.Zone != nil, "user", cl.principal().User)
	return s.answerNode(cl, id)
}

// overrideOf is the JSON of a node's override; nil for the zero one.
func overrideOf(o meta.NodeOverride) *NodeOverride {
	if o.IsZero() {
		return nil
	}
	out := &NodeOverride{Zone: o.Zone}
	if o.Capacity > 0 {
		c := o.Capacity
		out.Capacity = &c
	}
	return out
}
