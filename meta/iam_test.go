package meta

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta/policy"
)

func TestUsersAndAccessKeys(t *testing.T) {
	cfg, logs := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	for _, bad := range []string{"", "root", "ROOT", "has space", "slash/y", "star*", strings.Repeat("a", 65)} {
		require.ErrorIs(t, m.CreateUser(ctx, UserInput{Name: bad}), ErrInvalid, "%q", bad)
	}
	past := time.Now().Add(-time.Hour)
	require.ErrorIs(t, m.CreateUser(ctx, UserInput{Name: "late", Expiry: &past}), ErrInvalid)
	require.ErrorIs(t, m.CreateUser(ctx, UserInput{Name: "alice", Policies: []string{"none"}}), ErrNoSuchPolicy)

	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	require.NoError(t, m.CreateUser(ctx, UserInput{Name: "alice", Expiry: &exp}))
	require.ErrorIs(t, m.CreateUser(ctx, UserInput{Name: "alice"}), ErrUserExists)
	require.NoError(t, m.CreateUser(ctx, UserInput{Name: "bob.b@x_y-z+1=2,3"}))
	u, err := m.User(ctx, "alice")
	require.NoError(t, err)
	require.Equal(t, UserEnabled, u.Status)
	require.True(t, u.Expiry.Equal(exp))
	require.False(t, u.Expired(time.Now()))
	require.True(t, u.Expired(exp))
	_, err = m.User(ctx, "nobody")
	require.ErrorIs(t, err, ErrNoSuchUser)
	users, err := m.Users(ctx)
	require.NoError(t, err)
	require.Len(t, users, 2)

	// Keys: random, several per user, secrets returned once.
	k1, err := m.CreateAccessKey(ctx, "alice")
	require.NoError(t, err)
	k2, err := m.CreateAccessKey(ctx, "alice")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^[A-Z0-9]{20}$`), k1.ID)
	require.Regexp(t, regexp.MustCompile(`^[A-Za-z0-9]{40}$`), k1.Secret)
	require.NotEqual(t, k1.ID, k2.ID)
	require.NotEqual(t, k1.Secret, k2.Secret)
	got, err := m.AccessKey(ctx, k1.ID)
	require.NoError(t, err)
	require.Equal(t, k1.Secret, got.Secret, "the signature verifier reads it back")
	infos, err := m.AccessKeys(ctx, "alice")
	require.NoError(t, err)
	require.Len(t, infos, 2)
	for _, i := range infos {
		require.Equal(t, "alice", i.User)
	}
	_, err = m.AccessKeys(ctx, "nobody")
	require.ErrorIs(t, err, ErrNoSuchUser)
	_, err = m.CreateAccessKey(ctx, "nobody")
	require.ErrorIs(t, err, ErrNoSuchUser)
	_, err = m.CreateAccessKey(ctx, RootUser)
	require.ErrorIs(t, err, ErrRootKey)

	// Rotation: a new key replaces the old one at once.
	k3, err := m.RotateAccessKey(ctx, k1.ID)
	require.NoError(t, err)
	require.NotEqual(t, k1.ID, k3.ID)
	require.Equal(t, "alice", k3.User)
	_, err = m.AccessKey(ctx, k1.ID)
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	_, err = m.Principal(ctx, k3.ID)
	require.NoError(t, err)
	_, err = m.RotateAccessKey(ctx, k1.ID)
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	require.NoError(t, m.SetRootKey(ctx, "ROOTKEY", "root-secret-123"))
	_, err = m.RotateAccessKey(ctx, "ROOTKEY")
	require.ErrorIs(t, err, ErrRootKey)

	// Status and expiry, as the authorizer sees them.
	p, err := m.Principal(ctx, k2.ID)
	require.NoError(t, err)
	require.NoError(t, p.Check(time.Now()))
	require.NoError(t, m.SetUserStatus(ctx, "alice", UserDisabled))
	p, err = m.Principal(ctx, k2.ID)
	require.NoError(t, err)
	require.ErrorIs(t, p.Check(time.Now()), ErrUserDisabled)
	require.ErrorIs(t, m.SetUserStatus(ctx, "alice", "paused"), ErrInvalid)
	require.NoError(t, m.SetUserStatus(ctx, "alice", UserEnabled))
	require.NoError(t, m.SetUserExpiry(ctx, "alice", &past))
	p, _ = m.Principal(ctx, k2.ID)
	require.ErrorIs(t, p.Check(time.Now()), ErrUserExpired)
	require.NoError(t, m.SetUserExpiry(ctx, "alice", nil))
	p, _ = m.Principal(ctx, k2.ID)
	require.NoError(t, p.Check(time.Now()))
	require.ErrorIs(t, m.SetUserStatus(ctx, "nobody", UserDisabled), ErrNoSuchUser)
	_, err = m.Principal(ctx, "NOSUCHKEY")
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	root, err := m.Principal(ctx, "ROOTKEY")
	require.NoError(t, err)
	require.True(t, root.IsRoot)

	// Generated secrets are sealed like any other: not in the log, the snapshots or
	// the logs.
	require.NoError(t, m.raft.Snapshot().Error())
	db, err := os.ReadFile(filepath.Join(cfg.Dir, "raft.db"))
	require.NoError(t, err)
	snapshots := readDirBytes(t, filepath.Join(cfg.Dir, "snapshots"))
	for _, k := range []AccessKey{k1, k2, k3} {
		require.True(t, bytes.Contains(db, []byte(k.ID)))
		require.False(t, bytes.Contains(db, []byte(k.Secret)))
		require.False(t, bytes.Contains(snapshots, []byte(k.Secret)))
		require.NotContains(t, logs.String(), k.Secret)
	}

	// Deleting a user takes its keys.
	require.NoError(t, m.DeleteUser(ctx, "alice"))
	_, err = m.AccessKey(ctx, k2.ID)
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	require.ErrorIs(t, m.DeleteUser(ctx, "alice"), ErrNoSuchUser)
}

func TestManagedPoliciesAndGroups(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	// Malformed documents are refused with the validation error.
	for _, doc := range []string{`not json`, `{"Statement":[]}`, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, `[{"bucket":"b","actions":["fly"]}]`} {
		err := m.PutPolicy(ctx, "bad", []byte(doc))
		require.ErrorIs(t, err, ErrMalformedPolicy, doc)
		var verr *policy.ValidationError
		require.True(t, errors.As(err, &verr), "%s: %v", doc, err)
	}
	require.ErrorIs(t, m.PutPolicy(ctx, "bad name", []byte(readPhotos)), ErrInvalid)

	require.NoError(t, m.PutPolicy(ctx, "read", []byte(readPhotos)))
	p, err := m.Policy(ctx, "read")
	require.NoError(t, err)
	require.Equal(t, readPhotos, string(p.Document), "a full document is stored as it was put")

	// The short form is converted to the full form.
	require.NoError(t, m.PutPolicy(ctx, "short", []byte(`[{"bucket": "photos", "actions": ["list", "read"], "prefix": "2024/"}]`)))
	p, err = m.Policy(ctx, "short")
	require.NoError(t, err)
	full, err := policy.ParseIdentityPolicy(p.Document)
	require.NoError(t, err, "%s", p.Document)
	in := policy.Request{Action: "s3:GetObject", Resource: policy.ObjectARN("photos", "2024/a"), Principal: "u"}
	out := policy.Request{Action: "s3:GetObject", Resource: policy.ObjectARN("photos", "2023/a"), Principal: "u"}
	require.True(t, policy.Evaluate(in, []*policy.Policy{full}, nil).Allowed())
	require.False(t, policy.Evaluate(out, []*policy.Policy{full}, nil).Allowed())
	require.NoError(t, m.PutPolicy(ctx, "one", []byte(`{"bucket": "photos", "actions": ["read"]}`)), "one grant without the array")

	_, err = m.Policy(ctx, "none")
	require.ErrorIs(t, err, ErrNoSuchPolicy)
	all, err := m.Policies(ctx)
	require.NoError(t, err)
	require.Len(t, all, 3)

	// Groups give their policies to their members.
	require.NoError(t, m.CreateUser(ctx, UserInput{Name: "alice"}))
	k, err := m.CreateAccessKey(ctx, "alice")
	require.NoError(t, err)
	require.NoError(t, m.CreateGroup(ctx, GroupInput{Name: "readers", Policies: []string{"read"}}))
	require.ErrorIs(t, m.CreateGroup(ctx, GroupInput{Name: "readers"}), ErrGroupExists)
	require.ErrorIs(t, m.CreateGroup(ctx, GroupInput{Name: "bad/name"}), ErrInvalid)
	require.NoError(t, m.AddUserToGroup(ctx, "readers", "alice"))
	require.ErrorIs(t, m.AddUserToGroup(ctx, "readers", "nobody"), ErrNoSuchUser)
	require.ErrorIs(t, m.AddUserToGroup(ctx, "nobody", "alice"), ErrNoSuchGroup)
	pr, err := m.Principal(ctx, k.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"readers"}, pr.Groups)
	require.Equal(t, []string{"read"}, pr.PolicyNames)

	require.NoError(t, m.AttachUserPolicy(ctx, "alice", "short"))
	require.NoError(t, m.AttachGroupPolicy(ctx, "readers", "one"))
	pr, _ = m.Principal(ctx, k.ID)
	require.Equal(t, []string{"short", "one", "read"}, pr.PolicyNames, "the group's are sorted")
	require.ErrorIs(t, m.DeletePolicy(ctx, "short"), ErrPolicyInUse)
	require.NoError(t, m.DetachUserPolicy(ctx, "alice", "short"))
	require.ErrorIs(t, m.DetachUserPolicy(ctx, "alice", "short"), ErrPolicyNotAttached)
	require.NoError(t, m.DeletePolicy(ctx, "short"))
	require.ErrorIs(t, m.DeleteGroup(ctx, "readers"), ErrGroupNotEmpty)
	require.NoError(t, m.RemoveUserFromGroup(ctx, "readers", "alice"))
	require.NoError(t, m.DetachGroupPolicy(ctx, "readers", "one"))
	require.ErrorIs(t, m.DetachGroupPolicy(ctx, "readers", "one"), ErrPolicyNotAttached)
	g, err := m.Group(ctx, "readers")
	require.NoError(t, err)
	require.Empty(t, g.Members)
	require.Equal(t, []string{"read"}, g.Policies)
	require.NoError(t, m.DeleteGroup(ctx, "readers"))
	_, err = m.Group(ctx, "readers")
	require.ErrorIs(t, err, ErrNoSuchGroup)
	groups, err := m.Groups(ctx)
	require.NoError(t, err)
	require.Empty(t, groups)
}

func TestBucketPolicyCalls(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	require.ErrorIs(t, m.PutBucketPolicy(ctx, "photos", []byte(publicRead)), ErrNoSuchBucket)
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "photos", Owner: RootUser}))
	_, err := m.BucketPolicy(ctx, "photos")
	require.ErrorIs(t, err, ErrNoSuchBucketPolicy)

	// A policy for another bucket, or without a Principal, is malformed.
	other := strings.ReplaceAll(publicRead, "photos", "other")
	require.ErrorIs(t, m.PutBucketPolicy(ctx, "photos", []byte(other)), ErrMalformedPolicy)
	require.ErrorIs(t, m.PutBucketPolicy(ctx, "photos", []byte(readPhotos)), ErrMalformedPolicy)

	require.NoError(t, m.PutBucketPolicy(ctx, "photos", []byte(publicRead)))
	bp, err := m.BucketPolicy(ctx, "photos")
	require.NoError(t, err)
	require.Equal(t, publicRead, string(bp.Document))
	require.NotNil(t, bp.Policy)

	require.NoError(t, m.DeleteBucketPolicy(ctx, "photos"))
	require.NoError(t, m.DeleteBucketPolicy(ctx, "photos"), "idempotent, as S3")
	_, err = m.BucketPolicy(ctx, "photos")
	require.ErrorIs(t, err, ErrNoSuchBucketPolicy)
	require.ErrorIs(t, m.DeleteBucketPolicy(ctx, "nobucket"), ErrNoSuchBucket)

	require.NoError(t, m.PutBucketPolicy(ctx, "photos", []byte(publicRead)))
	require.NoError(t, m.DeleteBucket(ctx, "photos"))
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "photos", Owner: RootUser}))
	_, err = m.BucketPolicy(ctx, "photos")
	require.ErrorIs(t, err, ErrNoSuchBucketPolicy, "the policy went with the bucket")
}

func TestIAMThroughAFollower(t *testing.T) {
	fwd := &testForwarder{nodes: map[string]*Meta{}}
	n1, n2 := openVoterPair(t, fwd, fwd, 300*time.Millisecond)
	ctx := testCtx(t)
	leader, follower := n1, n2
	if !isLeader(n1) {
		leader, follower = n2, n1
	}

	// Writes through the follower are forwarded, and their errors keep their identity.
	require.NoError(t, follower.PutPolicy(ctx, "read", []byte(readPhotos)))
	require.NoError(t, follower.CreateUser(ctx, UserInput{Name: "alice", Policies: []string{"read"}}))
	require.ErrorIs(t, follower.CreateUser(ctx, UserInput{Name: "alice"}), ErrUserExists)
	require.ErrorIs(t, follower.DeletePolicy(ctx, "read"), ErrPolicyInUse)
	k, err := follower.CreateAccessKey(ctx, "alice")
	require.NoError(t, err)

	// A key created through the leader is known to the follower at once.
	for i := range 5 {
		k, err := leader.CreateAccessKey(ctx, "alice")
		require.NoError(t, err, i)
		p, err := follower.Principal(ctx, k.ID)
		require.NoError(t, err, i)
		require.Equal(t, "alice", p.User)
		require.Len(t, p.Policies, 1, "compiled on the follower too")
	}
	_, err = leader.Principal(ctx, k.ID)
	require.NoError(t, err)
}
