package admin

import (
	"net/http"

	"github.com/cairnstore/cairn/meta"
)

// The group endpoints. A group's members get the policies attached to it.

func (s *Server) listGroups(cl *call) error {
	groups, err := s.deps.Meta.Groups(cl.Request().Context())
	if err != nil {
		return err
	}
	out := List[Group]{Items: make([]Group, 0, len(groups))}
	for _, g := range groups {
		out.Items = append(out.Items, groupOf(g))
	}
	return cl.ok(http.StatusOK, out)
}

// createGroup creates a group with its policies, then adds the initial members one
// by one; a member that does not exist fails the request after the group was made
// (the answer says which), as the calls are separate Raft commands.
func (s *Server) createGroup(cl *call) error {
	var in CreateGroupRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	ctx := cl.Request().Context()
	md := s.deps.Meta
	if err := md.CreateGroup(ctx, meta.GroupInput{Name: in.Name, Policies: in.Policies}); err != nil {
		return err
	}
	for _, u := range in.Members {
		if err := md.AddUserToGroup(ctx, in.Name, u); err != nil {
			return err
		}
	}
	g, err := md.Group(ctx, in.Name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusCreated, groupOf(g))
}

func (s *Server) getGroup(cl *call) error {
	g, err := s.deps.Meta.Group(cl.Request().Context(), cl.param("name"))
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, groupOf(g))
}

func (s *Server) deleteGroup(cl *call) error {
	if err := s.deps.Meta.DeleteGroup(cl.Request().Context(), cl.param("name")); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

func (s *Server) addMember(cl *call) error {
	if err := s.deps.Meta.AddUserToGroup(cl.Request().Context(), cl.param("name"), cl.param("user")); err != nil {
		return err
	}
	return s.getGroup(cl)
}

func (s *Server) removeMember(cl *call) error {
	if err := s.deps.Meta.RemoveUserFromGroup(cl.Request().Context(), cl.param("name"), cl.param("user")); err != nil {
		return err
	}
	return s.getGroup(cl)
}

func (s *Server) attachGroupPolicy(cl *call) error {
	if err := s.deps.Meta.AttachGroupPolicy(cl.Request().Context(), cl.param("name"), cl.param("policy")); err != nil {
		return err
	}
	return s.getGroup(cl)
}

func (s *Server) detachGroupPolicy(cl *call) error {
	if err := s.deps.Meta.DetachGroupPolicy(cl.Request().Context(), cl.param("name"), cl.param("policy")); err != nil {
		return err
	}
	return s.getGroup(cl)
}

// groupOf is the JSON of a group.
func groupOf(g meta.Group) Group {
	return Group{Name: g.Name, Members: nonNil(g.Members), Policies: nonNil(g.Policies), CreatedAt: g.CreatedAt}
}
