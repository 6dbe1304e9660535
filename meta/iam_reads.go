package meta

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/cairnstore/cairn/meta/policy"
)

// Local reads of the IAM state. Each takes the read lock and returns copies that share
// nothing mutable with the state.

func (f *fsm) user(name string) (User, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	u, ok := f.st.IAM.Users[name]
	if !ok {
		return User{}, false
	}
	return f.userOf(u), true
}

func (f *fsm) users() []User {
	f.mu.RLock()
	out := make([]User, 0, len(f.st.IAM.Users))
	for _, u := range f.st.IAM.Users {
		out = append(out, f.userOf(u))
	}
	f.mu.RUnlock()
	slices.SortFunc(out, func(a, b User) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// userOf is the User of a record; f.mu is held.
func (f *fsm) userOf(u userRecord) User {
	status := UserEnabled
	if u.Disabled {
		status = UserDisabled
	}
	return User{
		Name: u.Name, Status: status, Expiry: utcPtr(u.Expiry), Policies: slices.Clone(u.Policies),
		Groups: f.groupsOf(u.Name), CreatedAt: u.CreatedAt,
	}
}

// groupsOf returns the sorted names of the groups user is a member of; f.mu is held.
// It scans the groups: there are few, and a second index would be a second truth.
func (f *fsm) groupsOf(user string) []string {
	var out []string
	for _, g := range f.st.IAM.Groups {
		if _, found := slices.BinarySearch(g.Members, user); found {
			out = append(out, g.Name)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fsm) accessKeysOf(user string) []AccessKeyInfo {
	f.mu.RLock()
	var out []AccessKeyInfo
	for _, k := range f.st.AccessKeys {
		if k.User == user {
			out = append(out, AccessKeyInfo{ID: k.ID, User: k.User, CreatedAt: k.CreatedAt, Expiry: utcPtr(k.Expiry)})
		}
	}
	f.mu.RUnlock()
	slices.SortFunc(out, func(a, b AccessKeyInfo) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func (f *fsm) group(name string) (Group, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	g, ok := f.st.IAM.Groups[name]
	return groupOf(g), ok
}

func (f *fsm) groups() []Group {
	f.mu.RLock()
	out := make([]Group, 0, len(f.st.IAM.Groups))
	for _, g := range f.st.IAM.Groups {
		out = append(out, groupOf(g))
	}
	f.mu.RUnlock()
	slices.SortFunc(out, func(a, b Group) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func groupOf(g groupRecord) Group {
	return Group{Name: g.Name, Members: slices.Clone(g.Members), Policies: slices.Clone(g.Policies), CreatedAt: g.CreatedAt}
}

func (f *fsm) managedPolicy(name string) (ManagedPolicy, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	p, ok := f.st.IAM.Policies[name]
	return managedPolicyOf(p), ok
}

func (f *fsm) managedPolicies() []ManagedPolicy {
	f.mu.RLock()
	out := make([]ManagedPolicy, 0, len(f.st.IAM.Policies))
	for _, p := range f.st.IAM.Policies {
		out = append(out, managedPolicyOf(p))
	}
	f.mu.RUnlock()
	slices.SortFunc(out, func(a, b ManagedPolicy) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func managedPolicyOf(p policyRecord) ManagedPolicy {
	return ManagedPolicy{Name: p.Name, Document: []byte(p.Document), CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func (f *fsm) bucketPolicy(bucket string) (BucketPolicy, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	p, ok := f.st.IAM.BucketPolicies[bucket]
	if !ok {
		return BucketPolicy{}, false
	}
	return BucketPolicy{Bucket: p.Bucket, Document: []byte(p.Document), UpdatedAt: p.UpdatedAt, Policy: p.compiled}, true
}

// principalResult is what fsm.principal found for an access key that exists.
type principalResult struct {
	p   Principal
	err error
}

// principal resolves an access key into the principal the authorizer evaluates: its
// user, the user's state, and the compiled policies of the user and of its groups.
// It returns false if the key does not exist. It fails closed: a policy that is
// missing or did not compile, or a key whose user does not exist, is an error, never
// a policy skipped.
func (f *fsm) principal(id string) (principalResult, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	k, ok := f.st.AccessKeys[id]
	if !ok {
		return principalResult{}, false
	}
	p := Principal{User: k.User, AccessKeyID: id, Status: UserEnabled, KeyExpiry: utcPtr(k.Expiry)}
	if k.User == RootUser {
		p.IsRoot = true
		return principalResult{p: p}, true
	}
	u, ok := f.st.IAM.Users[k.User]
	if !ok {
		return principalResult{p: p, err: fmt.Errorf("%w: %s, of access key %s", ErrNoSuchUser, k.User, id)}, true
	}
	if u.Disabled {
		p.Status = UserDisabled
	}
	p.Expiry = utcPtr(u.Expiry)
	p.Groups = f.groupsOf(u.Name)
	names := slices.Clone(u.Policies)
	for _, g := range p.Groups {
		for _, name := range f.st.IAM.Groups[g].Policies {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	p.PolicyNames = names
	p.Policies = make([]*policy.Policy, len(names))
	for i, name := range names {
		rec, ok := f.st.IAM.Policies[name]
		if !ok || rec.compiled == nil {
			return principalResult{p: p, err: fmt.Errorf("%w: policy %s of user %s does not compile", ErrMalformedPolicy, name, u.Name)}, true
		}
		p.Policies[i] = rec.compiled
	}
	return principalResult{p: p}, true
}
