package meta

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta/policy"
)

const (
	readPhotos = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`
	denyPuts   = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`
	publicRead = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`
)

// applier applies commands to an FSM at increasing indexes.
type applier struct {
	t     *testing.T
	f     *fsm
	index uint64
}

func newApplier(t *testing.T) *applier { return &applier{t: t, f: newFSM()} }

// ok applies each command and requires that it succeeds.
func (a *applier) ok(cmds ...command) {
	a.t.Helper()
	for _, c := range cmds {
		a.index++
		require.Nil(a.t, applyTo(a.t, a.f, a.index, c), "%T %+v", c, c)
	}
}

// rejected applies c and requires that it fails with want.
func (a *applier) rejected(c command, want error) {
	a.t.Helper()
	a.index++
	requireRejected(a.t, applyTo(a.t, a.f, a.index, c), want)
}

func TestFSMUsers(t *testing.T) {
	a := newApplier(t)
	exp := t0.Add(time.Hour)
	create := UserCreate{Name: "alice", Policies: []string{"read"}, Expiry: &exp, CreatedAt: t0}
	a.rejected(create, ErrNoSuchPolicy)
	_, ok := a.f.user("alice")
	require.False(t, ok, "a rejected create changes nothing")

	a.ok(PolicyPut{Name: "read", Document: readPhotos, At: t0}, create)
	u, ok := a.f.user("alice")
	require.True(t, ok)
	require.Equal(t, User{Name: "alice", Status: UserEnabled, Expiry: &exp, Policies: []string{"read"}, CreatedAt: t0}, u)
	a.ok(create) // a retry
	other := create
	other.CreatedAt = t0.Add(time.Second)
	a.rejected(other, ErrUserExists)
	a.rejected(UserCreate{Name: RootUser, CreatedAt: t0}, ErrInvalid)
	a.rejected(UserCreate{CreatedAt: t0}, ErrInvalid)

	a.ok(UserStatusSet{Name: "alice", Disabled: true})
	u, _ = a.f.user("alice")
	require.Equal(t, UserDisabled, u.Status)
	a.ok(UserStatusSet{Name: "alice", Disabled: true}, UserStatusSet{Name: "alice"})
	u, _ = a.f.user("alice")
	require.Equal(t, UserEnabled, u.Status)
	a.rejected(UserStatusSet{Name: "bob"}, ErrNoSuchUser)

	a.ok(UserExpirySet{Name: "alice"})
	u, _ = a.f.user("alice")
	require.Nil(t, u.Expiry)
	later := t0.Add(48 * time.Hour)
	a.ok(UserExpirySet{Name: "alice", Expiry: &later})
	u, _ = a.f.user("alice")
	require.True(t, u.Expiry.Equal(later))
	a.rejected(UserExpirySet{Name: "bob"}, ErrNoSuchUser)

	a.ok(UserCreate{Name: "bob", CreatedAt: t0}, UserCreate{Name: "carol", CreatedAt: t0})
	var names []string
	for _, u := range a.f.users() {
		names = append(names, u.Name)
	}
	require.Equal(t, []string{"alice", "bob", "carol"}, names)
}

func TestFSMUserDeleteTakesKeysAndMemberships(t *testing.T) {
	a := newApplier(t)
	sealed := []byte{sealFormat, 1}
	a.ok(
		UserCreate{Name: "alice", CreatedAt: t0},
		UserCreate{Name: "bob", CreatedAt: t0},
		UserKeyCreate{ID: "A1", User: "alice", Secret: sealed, CreatedAt: t0},
		UserKeyCreate{ID: "A2", User: "alice", Secret: sealed, CreatedAt: t0.Add(time.Second)},
		UserKeyCreate{ID: "B1", User: "bob", Secret: sealed, CreatedAt: t0},
		GroupCreate{Name: "staff", CreatedAt: t0},
		GroupMemberAdd{Group: "staff", User: "alice"},
		GroupMemberAdd{Group: "staff", User: "bob"},
	)
	require.Len(t, a.f.accessKeysOf("alice"), 2)
	a.ok(UserDelete{Name: "alice"})
	_, ok := a.f.user("alice")
	require.False(t, ok)
	require.Empty(t, a.f.accessKeysOf("alice"))
	for _, id := range []string{"A1", "A2"} {
		_, ok := a.f.accessKey(id)
		require.False(t, ok, id)
	}
	_, ok = a.f.accessKey("B1")
	require.True(t, ok, "other users' keys stay")
	g, _ := a.f.group("staff")
	require.Equal(t, []string{"bob"}, g.Members)
	a.rejected(UserDelete{Name: "alice"}, ErrNoSuchUser)
}

func TestFSMUserKeys(t *testing.T) {
	a := newApplier(t)
	sealed := []byte{sealFormat, 1}
	key := UserKeyCreate{ID: "K1", User: "alice", Secret: sealed, CreatedAt: t0}
	a.rejected(key, ErrNoSuchUser)
	a.ok(UserCreate{Name: "alice", CreatedAt: t0}, UserCreate{Name: "bob", CreatedAt: t0}, key, key)
	a.rejected(UserKeyCreate{ID: "K1", User: "bob", Secret: sealed, CreatedAt: t0}, ErrAccessKeyExists)
	a.rejected(UserKeyCreate{ID: "K1", User: "alice", Secret: sealed, CreatedAt: t0.Add(time.Second)}, ErrAccessKeyExists)
	a.rejected(UserKeyCreate{ID: "R", User: RootUser, Secret: sealed, CreatedAt: t0}, ErrRootKey)
	a.rejected(UserKeyCreate{ID: "K2", User: "alice", CreatedAt: t0}, ErrInvalid)
	a.ok(UserKeyCreate{ID: "K0", User: "alice", Secret: sealed, CreatedAt: t0.Add(-time.Second)})
	require.Equal(t, []AccessKeyInfo{{ID: "K0", User: "alice", CreatedAt: t0.Add(-time.Second)}, {ID: "K1", User: "alice", CreatedAt: t0}},
		a.f.accessKeysOf("alice"), "oldest first")

	rotate := AccessKeyRotate{OldID: "K1", User: "alice", NewID: "K9", Secret: []byte{sealFormat, 9}, CreatedAt: t0.Add(time.Minute)}
	a.ok(rotate)
	_, ok := a.f.accessKey("K1")
	require.False(t, ok, "the old key is gone")
	k, ok := a.f.accessKey("K9")
	require.True(t, ok)
	require.Equal(t, "alice", k.User)
	a.ok(rotate) // a retry
	a.rejected(AccessKeyRotate{OldID: "K1", User: "alice", NewID: "K8", Secret: sealed, CreatedAt: t0}, ErrNoSuchAccessKey)
	a.rejected(AccessKeyRotate{OldID: "K0", User: "bob", NewID: "K8", Secret: sealed, CreatedAt: t0}, ErrNoSuchAccessKey)
	a.rejected(AccessKeyRotate{OldID: "K0", User: "alice", NewID: "K9", Secret: sealed, CreatedAt: t0}, ErrAccessKeyExists)
	a.ok(RootKeySet{ID: "ROOT", Secret: sealed, CreatedAt: t0})
	a.rejected(AccessKeyRotate{OldID: "ROOT", User: RootUser, NewID: "K7", Secret: sealed, CreatedAt: t0}, ErrRootKey)
	a.rejected(AccessKeyRotate{OldID: "K0", User: "alice", NewID: "K0", Secret: sealed, CreatedAt: t0}, ErrInvalid)
}

func TestFSMGroups(t *testing.T) {
	a := newApplier(t)
	create := GroupCreate{Name: "staff", Policies: []string{"read"}, CreatedAt: t0}
	a.rejected(create, ErrNoSuchPolicy)
	a.ok(PolicyPut{Name: "read", Document: readPhotos, At: t0}, create, create)
	a.rejected(GroupCreate{Name: "staff", CreatedAt: t0.Add(time.Second)}, ErrGroupExists)
	a.rejected(GroupCreate{CreatedAt: t0}, ErrInvalid)

	a.rejected(GroupMemberAdd{Group: "staff", User: "alice"}, ErrNoSuchUser)
	a.rejected(GroupMemberAdd{Group: "none", User: "alice"}, ErrNoSuchGroup)
	a.ok(
		UserCreate{Name: "alice", CreatedAt: t0}, UserCreate{Name: "bob", CreatedAt: t0},
		GroupMemberAdd{Group: "staff", User: "bob"}, GroupMemberAdd{Group: "staff", User: "alice"},
		GroupMemberAdd{Group: "staff", User: "alice"}, // idempotent
	)
	g, ok := a.f.group("staff")
	require.True(t, ok)
	require.Equal(t, Group{Name: "staff", Members: []string{"alice", "bob"}, Policies: []string{"read"}, CreatedAt: t0}, g)
	u, _ := a.f.user("alice")
	require.Equal(t, []string{"staff"}, u.Groups)

	a.rejected(GroupDelete{Name: "staff"}, ErrGroupNotEmpty)
	a.ok(GroupMemberRemove{Group: "staff", User: "alice"}, GroupMemberRemove{Group: "staff", User: "alice"},
		GroupMemberRemove{Group: "staff", User: "bob"})
	a.rejected(GroupMemberRemove{Group: "none", User: "bob"}, ErrNoSuchGroup)
	a.ok(GroupDelete{Name: "staff"})
	require.Empty(t, a.f.groups())
	a.rejected(GroupDelete{Name: "staff"}, ErrNoSuchGroup)
	a.ok(PolicyDelete{Name: "read"}) // no longer attached anywhere
}

func TestFSMPolicies(t *testing.T) {
	a := newApplier(t)
	a.ok(PolicyPut{Name: "read", Document: readPhotos, At: t0})
	p, ok := a.f.managedPolicy("read")
	require.True(t, ok)
	require.Equal(t, ManagedPolicy{Name: "read", Document: []byte(readPhotos), CreatedAt: t0, UpdatedAt: t0}, p)
	a.ok(PolicyPut{Name: "read", Document: denyPuts, At: t0.Add(time.Hour)})
	p, _ = a.f.managedPolicy("read")
	require.Equal(t, denyPuts, string(p.Document))
	require.True(t, p.CreatedAt.Equal(t0), "an update keeps the creation time")
	require.True(t, p.UpdatedAt.Equal(t0.Add(time.Hour)))
	a.rejected(PolicyPut{Name: "x", At: t0}, ErrInvalid)

	a.ok(UserCreate{Name: "alice", CreatedAt: t0}, GroupCreate{Name: "staff", CreatedAt: t0})
	a.rejected(PolicyAttach{Policy: "none", User: "alice"}, ErrNoSuchPolicy)
	a.rejected(PolicyAttach{Policy: "read", User: "bob"}, ErrNoSuchUser)
	a.rejected(PolicyAttach{Policy: "read", Group: "none"}, ErrNoSuchGroup)
	a.rejected(PolicyAttach{Policy: "read", User: "alice", Group: "staff"}, ErrInvalid)
	a.rejected(PolicyAttach{Policy: "read"}, ErrInvalid)
	a.ok(PolicyAttach{Policy: "read", User: "alice"}, PolicyAttach{Policy: "read", User: "alice"},
		PolicyAttach{Policy: "read", Group: "staff"})
	u, _ := a.f.user("alice")
	require.Equal(t, []string{"read"}, u.Policies)

	a.rejected(PolicyDelete{Name: "read"}, ErrPolicyInUse)
	a.ok(PolicyDetach{Policy: "read", User: "alice"})
	a.rejected(PolicyDetach{Policy: "read", User: "alice"}, ErrPolicyNotAttached)
	a.rejected(PolicyDelete{Name: "read"}, ErrPolicyInUse)
	a.ok(PolicyDetach{Policy: "read", Group: "staff"}, PolicyDelete{Name: "read"})
	a.rejected(PolicyDelete{Name: "read"}, ErrNoSuchPolicy)
	require.Empty(t, a.f.managedPolicies())
}

func TestFSMBucketPolicies(t *testing.T) {
	a := newApplier(t)
	put := BucketPolicyPut{Bucket: "photos", Document: publicRead, UpdatedAt: t0}
	a.rejected(put, ErrNoSuchBucket)
	a.rejected(BucketPolicyDelete{Bucket: "photos"}, ErrNoSuchBucket)
	a.ok(BucketCreate{Name: "photos", CreatedAt: t0}, put)
	bp, ok := a.f.bucketPolicy("photos")
	require.True(t, ok)
	require.Equal(t, publicRead, string(bp.Document))
	require.NotNil(t, bp.Policy, "compiled when applied")
	req := policy.Request{Action: "s3:GetObject", Resource: policy.ObjectARN("photos", "a.jpg")}
	require.True(t, policy.Evaluate(req, nil, bp.Policy).Allowed())

	a.ok(BucketPolicyDelete{Bucket: "photos"}, BucketPolicyDelete{Bucket: "photos"})
	_, ok = a.f.bucketPolicy("photos")
	require.False(t, ok)

	// A bucket's policy goes with the bucket, and a new bucket of that name starts
	// without one.
	a.ok(put, BucketDelete{Name: "photos"}, BucketCreate{Name: "photos", CreatedAt: t0.Add(time.Hour)})
	_, ok = a.f.bucketPolicy("photos")
	require.False(t, ok)
}

func TestFSMPrincipal(t *testing.T) {
	a := newApplier(t)
	sealed := []byte{sealFormat, 1}
	exp := t0.Add(time.Hour)
	a.ok(
		PolicyPut{Name: "read", Document: readPhotos, At: t0},
		PolicyPut{Name: "deny-puts", Document: denyPuts, At: t0},
		UserCreate{Name: "alice", Policies: []string{"read"}, Expiry: &exp, CreatedAt: t0},
		UserKeyCreate{ID: "AK", User: "alice", Secret: sealed, CreatedAt: t0},
		GroupCreate{Name: "a-staff", Policies: []string{"deny-puts", "read"}, CreatedAt: t0},
		GroupCreate{Name: "b-other", CreatedAt: t0},
		GroupMemberAdd{Group: "a-staff", User: "alice"},
		RootKeySet{ID: "ROOT", Secret: sealed, CreatedAt: t0},
		AccessKeyPut{ID: "ORPHAN", User: "ghost", Secret: sealed, CreatedAt: t0},
	)
	_, ok := a.f.principal("NONE")
	require.False(t, ok)

	r, ok := a.f.principal("ROOT")
	require.True(t, ok)
	require.NoError(t, r.err)
	require.Equal(t, Principal{User: RootUser, AccessKeyID: "ROOT", IsRoot: true, Status: UserEnabled}, r.p)

	r, ok = a.f.principal("AK")
	require.True(t, ok)
	require.NoError(t, r.err)
	p := r.p
	require.Equal(t, "alice", p.User)
	require.False(t, p.IsRoot)
	require.Equal(t, []string{"a-staff"}, p.Groups)
	require.Equal(t, []string{"read", "deny-puts"}, p.PolicyNames, "the user's, then the groups', each once")
	require.Len(t, p.Policies, 2)
	require.NoError(t, p.Check(t0))
	require.ErrorIs(t, p.Check(exp), ErrUserExpired)

	get := policy.Request{Action: "s3:GetObject", Resource: policy.ObjectARN("photos", "k"), Principal: "alice"}
	put := policy.Request{Action: "s3:PutObject", Resource: policy.ObjectARN("photos", "k"), Principal: "alice"}
	require.True(t, policy.Evaluate(get, p.Policies, nil).Allowed())
	require.Equal(t, policy.ExplicitDeny, policy.Evaluate(put, p.Policies, nil).Result)

	a.ok(UserStatusSet{Name: "alice", Disabled: true})
	r, _ = a.f.principal("AK")
	require.ErrorIs(t, r.p.Check(t0), ErrUserDisabled)

	r, ok = a.f.principal("ORPHAN")
	require.True(t, ok)
	require.ErrorIs(t, r.err, ErrNoSuchUser, "a key without its user fails closed")
}

func TestFSMPrincipalFailsClosedOnAPolicyThatDoesNotCompile(t *testing.T) {
	a := newApplier(t)
	// A document this version cannot compile (as if written by a more lenient one).
	a.ok(PolicyPut{Name: "odd", Document: `{"Statement":[{"Effect":"Maybe"}]}`, At: t0},
		UserCreate{Name: "alice", Policies: []string{"odd"}, CreatedAt: t0},
		UserKeyCreate{ID: "AK", User: "alice", Secret: []byte{1}, CreatedAt: t0})
	r, ok := a.f.principal("AK")
	require.True(t, ok)
	require.ErrorIs(t, r.err, ErrMalformedPolicy)
}

func TestFSMIAMSnapshotRestore(t *testing.T) {
	a := newApplier(t)
	sealed := []byte{sealFormat, 7, 7}
	exp := t0.Add(time.Hour)
	a.ok(
		BucketCreate{Name: "photos", CreatedAt: t0},
		PolicyPut{Name: "read", Document: readPhotos, At: t0},
		UserCreate{Name: "alice", Policies: []string{"read"}, Expiry: &exp, CreatedAt: t0},
		UserCreate{Name: "bob", CreatedAt: t0},
		UserStatusSet{Name: "bob", Disabled: true},
		UserKeyCreate{ID: "AK", User: "alice", Secret: sealed, CreatedAt: t0},
		GroupCreate{Name: "staff", Policies: []string{"read"}, CreatedAt: t0},
		GroupMemberAdd{Group: "staff", User: "bob"},
		BucketPolicyPut{Bucket: "photos", Document: publicRead, UpdatedAt: t0},
	)
	snap, err := a.f.Snapshot()
	require.NoError(t, err)
	a.ok(UserCreate{Name: "later", CreatedAt: t0}) // not in the snapshot
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	require.NotContains(t, sink.String(), `"later"`)

	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	a.ok(UserDelete{Name: "later"})
	require.Equal(t, a.f.users(), g.users())
	require.Equal(t, a.f.groups(), g.groups())
	require.Equal(t, a.f.managedPolicies(), g.managedPolicies())
	require.Equal(t, a.f.accessKeysOf("alice"), g.accessKeysOf("alice"))
	want, _ := a.f.bucketPolicy("photos")
	got, ok := g.bucketPolicy("photos")
	require.True(t, ok)
	require.Equal(t, want.Document, got.Document)
	require.NotNil(t, got.Policy, "Restore compiles the bucket policy")
	r, ok := g.principal("AK")
	require.True(t, ok)
	require.NoError(t, r.err)
	require.Len(t, r.p.Policies, 1, "Restore compiles the managed policies")

	// The JSON of the restored state is the JSON of the original.
	a.f.mu.RLock()
	wantJSON, err := json.Marshal(a.f.st.IAM)
	a.f.mu.RUnlock()
	require.NoError(t, err)
	g.mu.RLock()
	gotJSON, err := json.Marshal(g.st.IAM)
	g.mu.RUnlock()
	require.NoError(t, err)
	require.JSONEq(t, string(wantJSON), string(gotJSON))
}

func TestFSMRestoresSnapshotsWithoutIAM(t *testing.T) {
	f := newFSM()
	require.NoError(t, f.Restore(io.NopCloser(bytes.NewReader([]byte(`{"version":1,"state":{"buckets":{},"accessKeys":{}}}`)))))
	require.Empty(t, f.users())
	require.Nil(t, applyTo(t, f, 1, UserCreate{Name: "alice", CreatedAt: t0}), "restored IAM maps are usable")
	require.Nil(t, applyTo(t, f, 2, PolicyPut{Name: "p", Document: readPhotos, At: t0}))
	require.Nil(t, applyTo(t, f, 3, GroupCreate{Name: "g", CreatedAt: t0}))
}
