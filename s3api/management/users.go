package management

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
)

// bucketGroup returns the group of the bucket named in the path: 404 if the bucket
// does not exist or was not made through this API (it has no group).
func (s *Server) bucketGroup(c echo.Context) (meta.Group, error) {
	b, err := s.bucket(c)
	if err != nil {
		return meta.Group{}, err
	}
	g, err := s.meta.Group(c.Request().Context(), groupName(b.Name))
	if errors.Is(err, meta.ErrNoSuchGroup) {
		return g, errorf(NotFound, "The bucket %q has no group %q: it was not created through the management API.", b.Name, groupName(b.Name))
	}
	return g, err
}

// member returns the user named in the path, if it is a member of g; 404 otherwise.
func (s *Server) member(c echo.Context, g meta.Group) (meta.User, error) {
	name, err := param(c, "user")
	if err != nil {
		return meta.User{}, err
	}
	if !slices.Contains(g.Members, name) {
		return meta.User{}, errorf(NotFound, "No such user of this bucket: %q.", name)
	}
	u, err := s.meta.User(c.Request().Context(), name)
	if errors.Is(err, meta.ErrNoSuchUser) {
		return u, errorf(NotFound, "No such user of this bucket: %q.", name)
	}
	return u, err
}

// createUser makes a user in the bucket's group and gives it an access key, whose
// secret is in the response and nowhere else. If a step fails the user is deleted.
func (s *Server) createUser(c echo.Context) error {
	var req CreateUserRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	name := req.User.UserName
	if name == "" {
		return errorf(BadRequest, "\"User\": {\"UserName\": ...} is required.")
	}
	g, err := s.bucketGroup(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.meta.User(ctx, name); err == nil {
		return errorf(Conflict, "The user %q already exists.", name)
	} else if !errors.Is(err, meta.ErrNoSuchUser) {
		return err
	}
	u, key, err := s.makeUser(ctx, g.Name, name)
	if err != nil {
		return err
	}
	s.log.Info("bucket user created", "group", g.Name, "user", name, "access_key", key.ID)
	return c.JSON(http.StatusOK, CreateUserResponse{User: s.userOut(u), AccessKey: keyOut(key)})
}

// makeUser creates user in group with one access key, or nothing.
func (s *Server) makeUser(ctx context.Context, group, name string) (u meta.User, key meta.AccessKey, err error) {
	err = s.meta.CreateUser(ctx, meta.UserInput{Name: name})
	if errors.Is(err, meta.ErrUserExists) {
		return u, key, errorf(Conflict, "The user %q already exists.", name)
	}
	if err != nil {
		return u, key, err
	}
	defer func() {
		if err != nil {
			undo{func(ctx context.Context) error { return s.meta.DeleteUser(ctx, name) }}.run(ctx, s.log, "create user "+name)
		}
	}()
	if err = s.meta.AddUserToGroup(ctx, group, name); err != nil {
		return u, key, err
	}
	if key, err = s.meta.CreateAccessKey(ctx, name); err != nil {
		return u, key, err
	}
	u, err = s.meta.User(ctx, name)
	return u, key, err
}

// listUsers answers the users of the bucket's group.
func (s *Server) listUsers(c echo.Context) error {
	g, err := s.bucketGroup(c)
	if err != nil {
		return err
	}
	out := make([]User, 0, len(g.Members))
	for _, name := range g.Members {
		u, err := s.meta.User(c.Request().Context(), name)
		if errors.Is(err, meta.ErrNoSuchUser) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		out = append(out, s.userOut(u))
	}
	return c.JSON(http.StatusOK, out)
}

// getUser answers a bucket user, its access key ids (no secrets), its groups and
// the policies that apply to it, its own and its groups'.
func (s *Server) getUser(c echo.Context) error {
	g, err := s.bucketGroup(c)
	if err != nil {
		return err
	}
	u, err := s.member(c, g)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	keys, err := s.meta.AccessKeys(ctx, u.Name)
	if err != nil {
		return err
	}
	out := UserInfo{User: s.userOut(u), AccessKeys: []AccessKeyMetadata{}, Groups: []Group{}, Policies: []AttachedPolicy{}}
	status := keyStatus(u)
	for _, k := range keys {
		out.AccessKeys = append(out.AccessKeys, keyMetadataOut(k, status))
	}
	policies := slices.Clone(u.Policies)
	for _, name := range u.Groups {
		ug, err := s.meta.Group(ctx, name)
		if errors.Is(err, meta.ErrNoSuchGroup) {
			continue
		}
		if err != nil {
			return err
		}
		out.Groups = append(out.Groups, s.groupOut(ug))
		policies = append(policies, ug.Policies...)
	}
	slices.Sort(policies)
	for _, p := range slices.Compact(policies) {
		out.Policies = append(out.Policies, AttachedPolicy{Arn: s.arn("policy", p), PolicyName: p})
	}
	return c.JSON(http.StatusOK, out)
}

// resetKeys gives a bucket user a new access key and deletes its others. The new key
// is made first, so that a failure never leaves the user without a key; the old ones
// stop working when the call returns.
func (s *Server) resetKeys(c echo.Context) error {
	g, err := s.bucketGroup(c)
	if err != nil {
		return err
	}
	u, err := s.member(c, g)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.meta.AccessKeys(ctx, u.Name)
	if err != nil {
		return err
	}
	key, err := s.meta.CreateAccessKey(ctx, u.Name)
	if err != nil {
		return err
	}
	out := ResetKeysResponse{DeletedKeyIds: []string{}, AccessKey: keyOut(key)}
	for _, k := range old {
		if err := s.meta.DeleteAccessKey(ctx, k.ID); err != nil && !errors.Is(err, meta.ErrNoSuchAccessKey) {
			return err
		}
		out.DeletedKeyIds = append(out.DeletedKeyIds, k.ID)
	}
	s.log.Info("bucket user's keys reset", "user", u.Name, "access_key", key.ID, "deleted", len(out.DeletedKeyIds))
	return c.JSON(http.StatusOK, out)
}

// deleteUser deletes a bucket user with its access keys.
func (s *Server) deleteUser(c echo.Context) error {
	g, err := s.bucketGroup(c)
	if err != nil {
		return err
	}
	u, err := s.member(c, g)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	keys, err := s.meta.AccessKeys(ctx, u.Name)
	if err != nil {
		return err
	}
	if err := s.meta.DeleteUser(ctx, u.Name); err != nil && !errors.Is(err, meta.ErrNoSuchUser) {
		return err
	}
	out := DeleteUserResponse{UserName: u.Name, DeletedKeyIds: []string{}}
	for _, k := range keys {
		out.DeletedKeyIds = append(out.DeletedKeyIds, k.ID)
	}
	s.log.Info("bucket user deleted", "group", g.Name, "user", u.Name)
	return c.JSON(http.StatusOK, out)
}

// keyStatus is the IAM status of a user's keys: "Inactive" while the user is
// disabled, else "Active".
func keyStatus(u meta.User) string {
	if u.Status == meta.UserDisabled {
		return "Inactive"
	}
	return "Active"
}
