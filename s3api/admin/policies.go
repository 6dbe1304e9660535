package admin

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/cairnstore/cairn/meta"
)

// The managed policy endpoints. PUT takes the document itself as the body: an AWS IAM
// identity policy (no Principal), or Cairn's short form (a JSON array, or an object
// with "bucket"/"actions" and no "Statement"), which is stored converted to the full
// form. docs/policies.md describes both.

func (s *Server) listPolicies(cl *call) error {
	ps, err := s.deps.Meta.Policies(cl.Request().Context())
	if err != nil {
		return err
	}
	out := List[Policy]{Items: make([]Policy, 0, len(ps))}
	for _, p := range ps {
		out.Items = append(out.Items, Policy{Name: p.Name, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt})
	}
	return cl.ok(http.StatusOK, out)
}

// getPolicy returns a policy with its document and where it is attached.
func (s *Server) getPolicy(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	md := s.deps.Meta
	p, err := md.Policy(ctx, name)
	if err != nil {
		return err
	}
	out := policyOf(p)
	users, err := md.Users(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if slices.Contains(u.Policies, name) {
			out.Users = append(out.Users, u.Name)
		}
	}
	groups, err := md.Groups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if slices.Contains(g.Policies, name) {
			out.Groups = append(out.Groups, g.Name)
		}
	}
	return cl.ok(http.StatusOK, out)
}

// putPolicy creates or replaces a policy; replacing changes at once what every user
// and group it is attached to may do.
func (s *Server) putPolicy(cl *call) error {
	if len(cl.body) == 0 {
		return errorf(InvalidRequest, "The request body must be the policy document.")
	}
	if !json.Valid(cl.body) {
		return errorf(MalformedPolicy, "The policy document is not valid JSON.")
	}
	ctx, name := cl.Request().Context(), cl.param("name")
	if err := s.deps.Meta.PutPolicy(ctx, name, cl.body); err != nil {
		return err
	}
	p, err := s.deps.Meta.Policy(ctx, name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, policyOf(p))
}

func (s *Server) deletePolicy(cl *call) error {
	if err := s.deps.Meta.DeletePolicy(cl.Request().Context(), cl.param("name")); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

// policyOf is the JSON of a policy with its document.
func policyOf(p meta.ManagedPolicy) Policy {
	return Policy{Name: p.Name, Document: json.RawMessage(p.Document), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}
