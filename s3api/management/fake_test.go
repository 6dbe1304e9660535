package management

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cairnstore/cairn/meta"
)

// fakeMeta is an in-memory Metadata with meta's sentinel errors. fail makes the
// named method return errBoom.
type fakeMeta struct {
	mu       sync.Mutex
	buckets  map[string]meta.Bucket
	users    map[string]meta.User
	keys     map[string]meta.AccessKey
	groups   map[string]meta.Group
	policies map[string]meta.ManagedPolicy
	tags     map[string]map[string]string // by bucket
	fail     map[string]bool
	seq      int
}

var errBoom = errors.New("boom: disk on fire at /secret/path")

func newFakeMeta() *fakeMeta {
	return &fakeMeta{
		buckets: map[string]meta.Bucket{}, users: map[string]meta.User{}, keys: map[string]meta.AccessKey{},
		groups: map[string]meta.Group{}, policies: map[string]meta.ManagedPolicy{},
		tags: map[string]map[string]string{}, fail: map[string]bool{},
	}
}

func (f *fakeMeta) check(method string) error {
	if f.fail[method] {
		return errBoom
	}
	return nil
}

func (f *fakeMeta) CreateBucket(_ context.Context, b meta.Bucket) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("CreateBucket"); err != nil {
		return err
	}
	if _, ok := f.buckets[b.Name]; ok {
		return meta.ErrBucketExists
	}
	f.buckets[b.Name] = b
	return nil
}

func (f *fakeMeta) DeleteBucket(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.buckets[name]; !ok {
		return meta.ErrNoSuchBucket
	}
	delete(f.buckets, name)
	delete(f.tags, name)
	return nil
}

func (f *fakeMeta) Bucket(_ context.Context, name string) (meta.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.buckets[name]
	if !ok {
		return b, meta.ErrNoSuchBucket
	}
	return b, nil
}

func (f *fakeMeta) Buckets(context.Context) ([]meta.Bucket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("Buckets"); err != nil {
		return nil, err
	}
	var out []meta.Bucket
	for _, b := range f.buckets {
		out = append(out, b)
	}
	return out, nil
}

func (f *fakeMeta) CreateUser(_ context.Context, in meta.UserInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.Name == "root" || slices.ContainsFunc([]byte(in.Name), func(c byte) bool { return c == '/' || c == ' ' }) {
		return fmt.Errorf("%w: bad user name %q", meta.ErrInvalid, in.Name)
	}
	if _, ok := f.users[in.Name]; ok {
		return meta.ErrUserExists
	}
	f.users[in.Name] = meta.User{Name: in.Name, Status: meta.UserEnabled, CreatedAt: time.Now().UTC()}
	return nil
}

func (f *fakeMeta) User(_ context.Context, name string) (meta.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[name]
	if !ok {
		return u, fmt.Errorf("%w: %s", meta.ErrNoSuchUser, name)
	}
	u.Groups = nil
	for _, g := range f.groups {
		if slices.Contains(g.Members, name) {
			u.Groups = append(u.Groups, g.Name)
		}
	}
	slices.Sort(u.Groups)
	return u, nil
}

func (f *fakeMeta) DeleteUser(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.users[name]; !ok {
		return meta.ErrNoSuchUser
	}
	delete(f.users, name)
	for id, k := range f.keys {
		if k.User == name {
			delete(f.keys, id)
		}
	}
	for n, g := range f.groups {
		g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return m == name })
		f.groups[n] = g
	}
	return nil
}

func (f *fakeMeta) CreateAccessKey(_ context.Context, user string) (meta.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("CreateAccessKey"); err != nil {
		return meta.AccessKey{}, err
	}
	if _, ok := f.users[user]; !ok {
		return meta.AccessKey{}, meta.ErrNoSuchUser
	}
	f.seq++
	k := meta.AccessKey{ID: fmt.Sprintf("AKFAKE%014d", f.seq), Secret: fmt.Sprintf("secret-%d", f.seq), User: user, CreatedAt: time.Now().UTC()}
	f.keys[k.ID] = k
	return k, nil
}

func (f *fakeMeta) AccessKeys(_ context.Context, user string) ([]meta.AccessKeyInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []meta.AccessKeyInfo
	for _, k := range f.keys {
		if k.User == user {
			out = append(out, meta.AccessKeyInfo{ID: k.ID, User: k.User, CreatedAt: k.CreatedAt})
		}
	}
	slices.SortFunc(out, func(a, b meta.AccessKeyInfo) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (f *fakeMeta) DeleteAccessKey(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.keys[id]; !ok {
		return meta.ErrNoSuchAccessKey
	}
	delete(f.keys, id)
	return nil
}

func (f *fakeMeta) CreateGroup(_ context.Context, in meta.GroupInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("CreateGroup"); err != nil {
		return err
	}
	if _, ok := f.groups[in.Name]; ok {
		return meta.ErrGroupExists
	}
	f.groups[in.Name] = meta.Group{Name: in.Name, Policies: in.Policies, CreatedAt: time.Now().UTC()}
	return nil
}

func (f *fakeMeta) Group(_ context.Context, name string) (meta.Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[name]
	if !ok {
		return g, meta.ErrNoSuchGroup
	}
	g.Members, g.Policies = slices.Clone(g.Members), slices.Clone(g.Policies)
	return g, nil
}

func (f *fakeMeta) DeleteGroup(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[name]
	switch {
	case !ok:
		return meta.ErrNoSuchGroup
	case len(g.Members) > 0:
		return meta.ErrGroupNotEmpty
	}
	delete(f.groups, name)
	return nil
}

func (f *fakeMeta) AddUserToGroup(_ context.Context, group, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("AddUserToGroup"); err != nil {
		return err
	}
	g, ok := f.groups[group]
	if !ok {
		return meta.ErrNoSuchGroup
	}
	if !slices.Contains(g.Members, user) {
		g.Members = append(g.Members, user)
		slices.Sort(g.Members)
	}
	f.groups[group] = g
	return nil
}

func (f *fakeMeta) RemoveUserFromGroup(_ context.Context, group, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[group]
	if !ok {
		return meta.ErrNoSuchGroup
	}
	g.Members = slices.DeleteFunc(g.Members, func(m string) bool { return m == user })
	f.groups[group] = g
	return nil
}

func (f *fakeMeta) PutPolicy(_ context.Context, name string, doc []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now().UTC()
	f.policies[name] = meta.ManagedPolicy{Name: name, Document: doc, CreatedAt: now, UpdatedAt: now}
	return nil
}

func (f *fakeMeta) Policy(_ context.Context, name string) (meta.ManagedPolicy, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.policies[name]
	if !ok {
		return p, meta.ErrNoSuchPolicy
	}
	return p, nil
}

func (f *fakeMeta) DeletePolicy(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.policies[name]; !ok {
		return meta.ErrNoSuchPolicy
	}
	for _, g := range f.groups {
		if slices.Contains(g.Policies, name) {
			return meta.ErrPolicyInUse
		}
	}
	delete(f.policies, name)
	return nil
}

func (f *fakeMeta) DetachGroupPolicy(_ context.Context, group, policy string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[group]
	if !ok {
		return meta.ErrNoSuchGroup
	}
	g.Policies = slices.DeleteFunc(g.Policies, func(p string) bool { return p == policy })
	f.groups[group] = g
	return nil
}

func (f *fakeMeta) BucketTags(_ context.Context, bucket string) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.buckets[bucket]; !ok {
		return nil, meta.ErrNoSuchBucket
	}
	return maps.Clone(f.tags[bucket]), nil
}

func (f *fakeMeta) PutBucketTags(_ context.Context, bucket string, tags map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("PutBucketTags"); err != nil {
		return err
	}
	if _, ok := f.buckets[bucket]; !ok {
		return meta.ErrNoSuchBucket
	}
	if len(tags) > meta.MaxBucketTags {
		return fmt.Errorf("%w: too many", meta.ErrInvalidTag)
	}
	if len(tags) == 0 {
		delete(f.tags, bucket)
		return nil
	}
	f.tags[bucket] = maps.Clone(tags)
	return nil
}

// fakeObjects is an in-memory Objects: a bucket is non-empty if it is in full.
type fakeObjects struct {
	mu   sync.Mutex
	full map[string]bool
}

func (o *fakeObjects) BucketEmpty(_ context.Context, bucket string) (bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.full[bucket], nil
}

func (o *fakeObjects) DropBucket(context.Context, string) error { return nil }

func (f *fakeMeta) PutBucketLifecycle(_ context.Context, bucket string, cfg *meta.LifecycleConfig) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check("PutBucketLifecycle"); err != nil {
		return err
	}
	b, ok := f.buckets[bucket]
	if !ok {
		return meta.ErrNoSuchBucket
	}
	b.Lifecycle = cfg.Clone()
	f.buckets[bucket] = b
	return nil
}
