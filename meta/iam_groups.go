package meta

import (
	"context"
	"fmt"
	"time"
)

// GroupInput is what CreateGroup needs.
type GroupInput struct {
	// Name is 1–128 characters of A–Z, a–z, 0–9 and + = , . @ _ -.
	Name string
	// Policies are managed policies to attach; each must exist.
	Policies []string
}

// Group is an IAM group: its members get the policies attached to it.
type Group struct {
	Name string
	// Members are the users in the group, sorted.
	Members []string
	// Policies are the managed policies attached to the group, sorted.
	Policies  []string
	CreatedAt time.Time
}

// CreateGroup creates an empty group. ErrGroupExists if the name is taken,
// ErrNoSuchPolicy if a policy does not exist, ErrInvalid for a bad name.
func (m *Meta) CreateGroup(ctx context.Context, in GroupInput) error {
	if err := checkGroupName(in.Name); err != nil {
		return err
	}
	for _, p := range in.Policies {
		if err := checkPolicyName(p); err != nil {
			return err
		}
	}
	return m.applyConfig(ctx, GroupCreate{Name: in.Name, Policies: in.Policies, CreatedAt: time.Now().UTC()})
}

// Group returns a group; ErrNoSuchGroup if none. A local miss is confirmed against the
// leader first.
func (m *Meta) Group(ctx context.Context, name string) (Group, error) {
	g, ok, err := confirmed(ctx, m, func() (Group, bool) { return m.fsm.group(name) })
	switch {
	case err != nil:
		return Group{}, err
	case !ok:
		return Group{}, fmt.Errorf("%w: %s", ErrNoSuchGroup, name)
	}
	return g, nil
}

// Groups returns every group in name order, from the local state.
func (m *Meta) Groups(ctx context.Context) ([]Group, error) {
	return m.fsm.groups(), nil
}

// DeleteGroup deletes a group with no members; its policies are detached with it.
// ErrNoSuchGroup if none; ErrGroupNotEmpty while it has members, as AWS.
func (m *Meta) DeleteGroup(ctx context.Context, name string) error {
	return m.applyConfig(ctx, GroupDelete{Name: name})
}

// AddUserToGroup makes user a member of group; a member already is a no-op.
// ErrNoSuchGroup, ErrNoSuchUser.
func (m *Meta) AddUserToGroup(ctx context.Context, group, user string) error {
	return m.applyConfig(ctx, GroupMemberAdd{Group: group, User: user})
}

// RemoveUserFromGroup removes user from group; a user that is not a member is a
// no-op. ErrNoSuchGroup.
func (m *Meta) RemoveUserFromGroup(ctx context.Context, group, user string) error {
	return m.applyConfig(ctx, GroupMemberRemove{Group: group, User: user})
}
