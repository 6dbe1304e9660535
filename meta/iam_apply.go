package meta

import (
	"fmt"
	"slices"
	"time"
)

// The IAM appliers. Each runs with f.mu held, is deterministic, and changes nothing
// when it rejects. Names were validated by the proposer; Apply only refuses what
// would corrupt the state (an empty name, the root user).

func (f *fsm) applyUserCreate(c *UserCreate) error {
	if c.Name == "" || c.Name == RootUser {
		return invalidf("bad user name %q", c.Name)
	}
	rec := userRecord{Name: c.Name, Expiry: c.Expiry, Policies: sortedNames(c.Policies), CreatedAt: c.CreatedAt}
	iam := &f.st.IAM
	if old, ok := iam.Users[c.Name]; ok {
		if old.CreatedAt.Equal(rec.CreatedAt) && slices.Equal(old.Policies, rec.Policies) && sameTime(old.Expiry, rec.Expiry) {
			return nil // a retry of the create that made it
		}
		return fmt.Errorf("%w: %s", ErrUserExists, c.Name)
	}
	for _, p := range rec.Policies {
		if _, ok := iam.Policies[p]; !ok {
			return fmt.Errorf("%w: %s", ErrNoSuchPolicy, p)
		}
	}
	iam.Users[c.Name] = rec
	return nil
}

func (f *fsm) applyUserStatusSet(c *UserStatusSet) error {
	u, ok := f.st.IAM.Users[c.Name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, c.Name)
	}
	u.Disabled = c.Disabled
	f.st.IAM.Users[c.Name] = u
	return nil
}

func (f *fsm) applyUserExpirySet(c *UserExpirySet) error {
	u, ok := f.st.IAM.Users[c.Name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, c.Name)
	}
	u.Expiry = c.Expiry
	f.st.IAM.Users[c.Name] = u
	return nil
}

func (f *fsm) applyUserDelete(c *UserDelete) error {
	iam := &f.st.IAM
	if _, ok := iam.Users[c.Name]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, c.Name)
	}
	delete(iam.Users, c.Name)
	for id, k := range f.st.AccessKeys {
		if k.User == c.Name {
			delete(f.st.AccessKeys, id)
		}
	}
	for name, g := range iam.Groups {
		if slices.Contains(g.Members, c.Name) {
			g.Members = withoutName(g.Members, c.Name)
			iam.Groups[name] = g
		}
	}
	return nil
}

func (f *fsm) applyUserKeyCreate(c *UserKeyCreate) error {
	switch {
	case c.ID == "" || len(c.Secret) == 0:
		return invalidf("access key needs an id and a secret")
	case c.User == RootUser:
		return ErrRootKey
	}
	if _, ok := f.st.IAM.Users[c.User]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, c.User)
	}
	if old, ok := f.st.AccessKeys[c.ID]; ok {
		if old.User == c.User && old.CreatedAt.Equal(c.CreatedAt) {
			return nil // a retry
		}
		return fmt.Errorf("%w: %s", ErrAccessKeyExists, c.ID)
	}
	f.st.AccessKeys[c.ID] = accessKeyRecord{ID: c.ID, User: c.User, Sealed: c.Secret, CreatedAt: c.CreatedAt}
	return nil
}

func (f *fsm) applyAccessKeyRotate(c *AccessKeyRotate) error {
	switch {
	case c.OldID == "" || c.NewID == "" || c.OldID == c.NewID || len(c.Secret) == 0:
		return invalidf("a rotation needs the old id, a new id and a secret")
	case c.User == RootUser:
		return ErrRootKey
	}
	old, oldOK := f.st.AccessKeys[c.OldID]
	if cur, ok := f.st.AccessKeys[c.NewID]; ok {
		if cur.User == c.User && !oldOK {
			return nil // a retry of the rotation that made it
		}
		return fmt.Errorf("%w: %s", ErrAccessKeyExists, c.NewID)
	}
	if !oldOK || old.User != c.User {
		return fmt.Errorf("%w: %s", ErrNoSuchAccessKey, c.OldID)
	}
	delete(f.st.AccessKeys, c.OldID)
	f.st.AccessKeys[c.NewID] = accessKeyRecord{ID: c.NewID, User: c.User, Sealed: c.Secret, CreatedAt: c.CreatedAt}
	return nil
}

func (f *fsm) applyGroupCreate(c *GroupCreate) error {
	if c.Name == "" {
		return invalidf("empty group name")
	}
	rec := groupRecord{Name: c.Name, Policies: sortedNames(c.Policies), CreatedAt: c.CreatedAt}
	iam := &f.st.IAM
	if old, ok := iam.Groups[c.Name]; ok {
		if old.CreatedAt.Equal(rec.CreatedAt) && slices.Equal(old.Policies, rec.Policies) {
			return nil // a retry (members may have been added since)
		}
		return fmt.Errorf("%w: %s", ErrGroupExists, c.Name)
	}
	for _, p := range rec.Policies {
		if _, ok := iam.Policies[p]; !ok {
			return fmt.Errorf("%w: %s", ErrNoSuchPolicy, p)
		}
	}
	iam.Groups[c.Name] = rec
	return nil
}

func (f *fsm) applyGroupDelete(c *GroupDelete) error {
	g, ok := f.st.IAM.Groups[c.Name]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", ErrNoSuchGroup, c.Name)
	case len(g.Members) > 0:
		return fmt.Errorf("%w: %s has %d", ErrGroupNotEmpty, c.Name, len(g.Members))
	}
	delete(f.st.IAM.Groups, c.Name)
	return nil
}

func (f *fsm) applyGroupMemberAdd(c *GroupMemberAdd) error {
	iam := &f.st.IAM
	g, ok := iam.Groups[c.Group]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchGroup, c.Group)
	}
	if _, ok := iam.Users[c.User]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchUser, c.User)
	}
	g.Members = withName(g.Members, c.User)
	iam.Groups[c.Group] = g
	return nil
}

func (f *fsm) applyGroupMemberRemove(c *GroupMemberRemove) error {
	g, ok := f.st.IAM.Groups[c.Group]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchGroup, c.Group)
	}
	g.Members = withoutName(g.Members, c.User)
	f.st.IAM.Groups[c.Group] = g
	return nil
}

func (f *fsm) applyPolicyPut(c *PolicyPut) error {
	if c.Name == "" || c.Document == "" {
		return invalidf("a policy needs a name and a document")
	}
	created := c.At
	if old, ok := f.st.IAM.Policies[c.Name]; ok {
		created = old.CreatedAt
	}
	f.st.IAM.Policies[c.Name] = newPolicyRecord(c.Name, c.Document, created, c.At)
	return nil
}

func (f *fsm) applyPolicyDelete(c *PolicyDelete) error {
	iam := &f.st.IAM
	if _, ok := iam.Policies[c.Name]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchPolicy, c.Name)
	}
	if holder := f.policyHolder(c.Name); holder != "" {
		return fmt.Errorf("%w: %s is attached to %s", ErrPolicyInUse, c.Name, holder)
	}
	delete(iam.Policies, c.Name)
	return nil
}

// policyHolder names the first user or group (in name order) that policy is
// attached to, or returns "".
func (f *fsm) policyHolder(name string) string {
	var holders []string
	for _, u := range f.st.IAM.Users {
		if slices.Contains(u.Policies, name) {
			holders = append(holders, "user "+u.Name)
		}
	}
	for _, g := range f.st.IAM.Groups {
		if slices.Contains(g.Policies, name) {
			holders = append(holders, "group "+g.Name)
		}
	}
	if len(holders) == 0 {
		return ""
	}
	return slices.Min(holders) // deterministic whatever the map order
}

func (f *fsm) applyPolicyAttach(c *PolicyAttach) error {
	if err := checkAttachTarget(c.Policy, c.User, c.Group); err != nil {
		return err
	}
	if _, ok := f.st.IAM.Policies[c.Policy]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchPolicy, c.Policy)
	}
	return f.updatePolicies(c.User, c.Group, func(list []string) ([]string, error) {
		return withName(list, c.Policy), nil
	})
}

func (f *fsm) applyPolicyDetach(c *PolicyDetach) error {
	if err := checkAttachTarget(c.Policy, c.User, c.Group); err != nil {
		return err
	}
	return f.updatePolicies(c.User, c.Group, func(list []string) ([]string, error) {
		if !slices.Contains(list, c.Policy) {
			return nil, fmt.Errorf("%w: %s", ErrPolicyNotAttached, c.Policy)
		}
		return withoutName(list, c.Policy), nil
	})
}

// checkAttachTarget checks that an attach or detach names a policy and exactly one of
// a user and a group.
func checkAttachTarget(policy, user, group string) error {
	if policy == "" || (user == "") == (group == "") {
		return invalidf("attach a policy to exactly one user or group")
	}
	return nil
}

// updatePolicies replaces the policy list of the user or the group with update's.
func (f *fsm) updatePolicies(user, group string, update func([]string) ([]string, error)) error {
	iam := &f.st.IAM
	if user != "" {
		u, ok := iam.Users[user]
		if !ok {
			return fmt.Errorf("%w: %s", ErrNoSuchUser, user)
		}
		list, err := update(u.Policies)
		if err != nil {
			return err
		}
		u.Policies = list
		iam.Users[user] = u
		return nil
	}
	g, ok := iam.Groups[group]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchGroup, group)
	}
	list, err := update(g.Policies)
	if err != nil {
		return err
	}
	g.Policies = list
	iam.Groups[group] = g
	return nil
}

func (f *fsm) applyBucketPolicyPut(c *BucketPolicyPut) error {
	if c.Document == "" {
		return invalidf("empty bucket policy")
	}
	if _, ok := f.st.Buckets[c.Bucket]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	f.st.IAM.BucketPolicies[c.Bucket] = newBucketPolicyRecord(c.Bucket, c.Document, c.UpdatedAt)
	return nil
}

func (f *fsm) applyBucketPolicyDelete(c *BucketPolicyDelete) error {
	if _, ok := f.st.Buckets[c.Bucket]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	delete(f.st.IAM.BucketPolicies, c.Bucket)
	return nil
}

// sameTime reports whether two optional times are both absent or the same instant.
func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
