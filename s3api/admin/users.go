package admin

import (
	"net/http"
	"slices"
	"time"

	"github.com/cairnstore/cairn/meta"
)

// The user endpoints. The root user is not an IAM user: it is not listed and cannot
// be changed here (its key is set with CAIRN_ROOT_ACCESS_KEY/CAIRN_ROOT_SECRET_KEY).

func (s *Server) listUsers(cl *call) error {
	users, err := s.deps.Meta.Users(cl.Request().Context())
	if err != nil {
		return err
	}
	out := List[User]{Items: make([]User, 0, len(users))}
	for _, u := range users {
		out.Items = append(out.Items, s.userOf(u))
	}
	return cl.ok(http.StatusOK, out)
}

func (s *Server) createUser(cl *call) error {
	var in CreateUserRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	ctx := cl.Request().Context()
	md := s.deps.Meta
	if err := md.CreateUser(ctx, meta.UserInput{Name: in.Name, Policies: in.Policies, Expiry: in.Expiry}); err != nil {
		return err
	}
	u, err := md.User(ctx, in.Name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusCreated, s.userOf(u))
}

func (s *Server) getUser(cl *call) error {
	u, err := s.deps.Meta.User(cl.Request().Context(), cl.param("name"))
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, s.userOf(u))
}

func (s *Server) deleteUser(cl *call) error {
	if err := s.deps.Meta.DeleteUser(cl.Request().Context(), cl.param("name")); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

func (s *Server) disableUser(cl *call) error { return s.setUserStatus(cl, meta.UserDisabled) }

func (s *Server) enableUser(cl *call) error { return s.setUserStatus(cl, meta.UserEnabled) }

// setUserStatus enables or disables a user and answers with the user. A disabled
// user's keys are kept, and every request signed with them is refused.
func (s *Server) setUserStatus(cl *call, status meta.UserStatus) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	if err := s.deps.Meta.SetUserStatus(ctx, name, status); err != nil {
		return err
	}
	u, err := s.deps.Meta.User(ctx, name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, s.userOf(u))
}

// setUserExpiry sets or (with a null expiry) clears the instant from which the
// user's keys are refused. Unlike at creation, an expiry in the past is allowed: it
// cuts a user off at once while keeping the user.
func (s *Server) setUserExpiry(cl *call) error {
	var in ExpiryRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	ctx, name := cl.Request().Context(), cl.param("name")
	if err := s.deps.Meta.SetUserExpiry(ctx, name, in.Expiry); err != nil {
		return err
	}
	u, err := s.deps.Meta.User(ctx, name)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, s.userOf(u))
}

func (s *Server) attachUserPolicy(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	if err := s.deps.Meta.AttachUserPolicy(ctx, name, cl.param("policy")); err != nil {
		return err
	}
	return s.getUser(cl)
}

func (s *Server) detachUserPolicy(cl *call) error {
	ctx, name := cl.Request().Context(), cl.param("name")
	if err := s.deps.Meta.DetachUserPolicy(ctx, name, cl.param("policy")); err != nil {
		return err
	}
	return s.getUser(cl)
}

// userOf is the JSON of a user.
func (s *Server) userOf(u meta.User) User {
	return User{
		Name: u.Name, Status: string(u.Status), Expiry: utc(u.Expiry), Expired: u.Expired(s.now()),
		Policies: nonNil(u.Policies), Groups: nonNil(u.Groups), CreatedAt: u.CreatedAt,
	}
}

// whoami tells the caller who signed the request; any authenticated caller may ask.
func (s *Server) whoami(cl *call) error {
	p := cl.principal()
	return cl.ok(http.StatusOK, Identity{
		User: p.User, AccessKeyID: p.AccessKeyID, Root: p.IsRoot,
		Groups: nonNil(p.Groups), Policies: nonNil(p.PolicyNames),
	})
}

// nonNil returns a copy of s, [] instead of null when empty.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// utc returns t in UTC, or nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
