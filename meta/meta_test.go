package meta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
)

func TestOpenSingleNode(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)

	state, leader, term, commit, applied := m.RaftState()
	require.Equal(t, "Leader", state)
	require.Equal(t, m.RaftAddr(), leader)
	require.NotZero(t, term)
	require.NotZero(t, commit)
	require.NotZero(t, applied)
	_, port, err := net.SplitHostPort(m.RaftAddr())
	require.NoError(t, err)
	require.NotEqual(t, "0", port, "the bound port is read back")

	require.Len(t, m.ClusterID(), 32)
	l := m.Layout()
	require.NotNil(t, l)
	require.EqualValues(t, 1, l.Version)
	require.Equal(t, 1, l.Replication)
	require.Equal(t, layout.DefaultPartitions, l.Partitions)
	require.Equal(t, []layout.Node{{ID: "n1", Zone: "z1", Capacity: 1}}, l.Nodes)
	require.Equal(t, []layout.NodeID{"n1"}, l.Owners(l.ObjectPartition("b", "k")))
	require.FileExists(t, filepath.Join(cfg.Dir, "raft.db"))
}

func TestBuckets(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	for _, name := range []string{"zeta", "alpha", "mid"} {
		require.NoError(t, m.CreateBucket(ctx, Bucket{Name: name, Owner: RootUser, Region: "us-east-1"}))
	}
	b, err := m.Bucket(ctx, "alpha")
	require.NoError(t, err)
	require.Equal(t, "alpha", b.Name)
	require.Equal(t, RootUser, b.Owner)
	require.Equal(t, "us-east-1", b.Region)
	require.WithinDuration(t, time.Now(), b.CreatedAt, time.Minute, "CreatedAt defaults to now")

	all, err := m.Buckets(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"alpha", "mid", "zeta"}, bucketNames(all))

	err = m.CreateBucket(ctx, Bucket{Name: "alpha", Owner: "bob"})
	require.ErrorIs(t, err, ErrBucketExists)
	require.ErrorIs(t, m.CreateBucket(ctx, Bucket{}), ErrInvalid)

	// A create with the proposer's CreatedAt is idempotent: a retried proposal is a no-op.
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "retried", Owner: "alice", CreatedAt: at}))
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "retried", Owner: "alice", CreatedAt: at}))

	require.NoError(t, m.DeleteBucket(ctx, "mid"))
	_, err = m.Bucket(ctx, "mid")
	require.ErrorIs(t, err, ErrNoSuchBucket)
	require.ErrorIs(t, m.DeleteBucket(ctx, "mid"), ErrNoSuchBucket)
	_, err = m.Bucket(ctx, "never")
	require.ErrorIs(t, err, ErrNoSuchBucket)

	all, err = m.Buckets(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"alpha", "retried", "zeta"}, bucketNames(all))
}

func bucketNames(bs []Bucket) []string {
	names := []string{}
	for _, b := range bs {
		names = append(names, b.Name)
	}
	return names
}

// readDirBytes returns the contents of every file under dir.
func readDirBytes(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		all = append(all, b...)
		return err
	}))
	return all
}

func TestAccessKeySecretsNeverInClear(t *testing.T) {
	cfg, logs := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	const id, secret = "AKIDCAIRNTEST0000001", "s3cr3t-Zq8/WxY+never-in-clear-7c1f"
	require.NoError(t, m.PutAccessKey(ctx, AccessKey{ID: id, User: "alice", Secret: secret}))
	k, err := m.AccessKey(ctx, id)
	require.NoError(t, err)
	require.Equal(t, id, k.ID)
	require.Equal(t, "alice", k.User)
	require.Equal(t, secret, k.Secret, "decrypted for the caller")
	require.False(t, k.CreatedAt.IsZero())

	_, err = m.AccessKey(ctx, "AKIDUNKNOWN")
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	require.ErrorIs(t, m.PutAccessKey(ctx, AccessKey{ID: id, User: "bob", Secret: "x"}), ErrAccessKeyExists)

	// Into a snapshot, then look for the secret in every file raft wrote.
	require.NoError(t, m.raft.Snapshot().Error())
	snapshots := readDirBytes(t, filepath.Join(cfg.Dir, "snapshots"))
	db, err := os.ReadFile(filepath.Join(cfg.Dir, "raft.db"))
	require.NoError(t, err)
	for name, data := range map[string][]byte{"raft.db": db, "snapshots": snapshots} {
		require.True(t, bytes.Contains(data, []byte(id)), "%s holds the key id (the search works)", name)
		require.False(t, bytes.Contains(data, []byte(secret)), "%s holds the secret in clear", name)
	}

	// Nor in logs or formatted values.
	cfg.Logger.Info("a key", "k", k)
	require.Contains(t, logs.String(), "k.id="+id)
	require.NotContains(t, logs.String(), secret)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%+v", k), fmt.Sprintf("%#v", k)} {
		require.NotContains(t, s, secret)
	}
	require.Contains(t, fmt.Sprint(k), id)

	require.NoError(t, m.DeleteAccessKey(ctx, id))
	_, err = m.AccessKey(ctx, id)
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	require.ErrorIs(t, m.DeleteAccessKey(ctx, id), ErrNoSuchAccessKey)
}

func TestRootKey(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	_, ok, err := m.RootKey(ctx)
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, m.SetRootKey(ctx, "ROOTKEY1", "root-secret-1"))
	k, ok, err := m.RootKey(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, AccessKey{ID: "ROOTKEY1", Secret: "root-secret-1", User: RootUser, CreatedAt: k.CreatedAt}, k)

	require.NoError(t, m.SetRootKey(ctx, "ROOTKEY2", "root-secret-2"))
	k, ok, err = m.RootKey(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "ROOTKEY2", k.ID)
	require.Equal(t, "root-secret-2", k.Secret)
	_, err = m.AccessKey(ctx, "ROOTKEY1")
	require.ErrorIs(t, err, ErrNoSuchAccessKey, "the old root key is replaced")
	k, err = m.AccessKey(ctx, "ROOTKEY2")
	require.NoError(t, err)
	require.Equal(t, RootUser, k.User)

	require.NoError(t, m.PutAccessKey(ctx, AccessKey{ID: "USERKEY", User: "alice", Secret: "s"}))
	require.ErrorIs(t, m.SetRootKey(ctx, "USERKEY", "x"), ErrAccessKeyExists)
	require.ErrorIs(t, m.SetRootKey(ctx, "", "x"), ErrInvalid)
}

func TestReopenKeepsState(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := testConfig(t, "n1", dir)
	m := openNode(t, cfg)
	ctx := testCtx(t)

	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "before-snapshot", Owner: RootUser}))
	require.NoError(t, m.SetRootKey(ctx, "ROOT", "root-secret"))
	require.NoError(t, m.raft.Snapshot().Error())
	require.NoError(t, m.CreateBucket(ctx, Bucket{Name: "after-snapshot", Owner: "alice"}))
	require.NoError(t, m.PutAccessKey(ctx, AccessKey{ID: "AK", User: "alice", Secret: "alice-secret"}))
	next, err := layout.New(2, []layout.Node{{ID: "n1", Zone: "z1", Capacity: 1}}, 0, 0)
	require.NoError(t, err)
	require.NoError(t, m.SetLayout(ctx, next))
	clusterID := m.ClusterID()
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "Close is idempotent")
	_, err = m.Bucket(ctx, "missing")
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, m.CreateBucket(ctx, Bucket{Name: "x"}), ErrClosed)

	m2 := openNode(t, cfg)
	require.True(t, isLeader(m2))
	require.Equal(t, clusterID, m2.ClusterID())
	require.EqualValues(t, 2, m2.Layout().Version)
	all, err := m2.Buckets(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"after-snapshot", "before-snapshot"}, bucketNames(all))
	k, ok, err := m2.RootKey(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "root-secret", k.Secret)
	k, err = m2.AccessKey(ctx, "AK")
	require.NoError(t, err)
	require.Equal(t, "alice-secret", k.Secret)
	require.NoError(t, m2.CreateBucket(ctx, Bucket{Name: "after-restart"}))
}

func TestReopenOnAnotherPort(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	require.NoError(t, m.CreateBucket(testCtx(t), Bucket{Name: "kept"}))
	oldAddr := m.RaftAddr()
	require.NoError(t, m.Close())

	// Hold the old port so that the node cannot get it back.
	if ln, err := net.Listen("tcp", oldAddr); err == nil {
		t.Cleanup(func() { ln.Close() })
	}
	m2 := openNode(t, cfg)
	require.NotEqual(t, oldAddr, m2.RaftAddr())
	require.True(t, isLeader(m2))
	_, err := m2.Bucket(testCtx(t), "kept")
	require.NoError(t, err)

	// The stored configuration follows the new address.
	waitUntil(t, "the raft configuration holds the new address", func() bool {
		f := m2.raft.GetConfiguration()
		if f.Error() != nil {
			return false
		}
		servers := f.Configuration().Servers
		return len(servers) == 1 && servers[0].ID == "n1" && string(servers[0].Address) == m2.RaftAddr()
	})
	require.NoError(t, m2.CreateBucket(testCtx(t), Bucket{Name: "new"}))
}

func TestNoLeader(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	cfg.Bootstrap = false // a node waiting to join: no leader, ever
	m, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })

	short := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	err = m.CreateBucket(short(), Bucket{Name: "x"})
	require.ErrorIs(t, err, ErrNotReady)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = m.Bucket(short(), "x")
	require.ErrorIs(t, err, ErrNotReady, "a miss cannot be confirmed without a leader")
	_, err = m.AccessKey(short(), "x")
	require.ErrorIs(t, err, ErrNotReady)
	require.ErrorIs(t, m.WaitReady(short()), ErrNotReady)
	_, err = m.ReadIndex(short())
	require.ErrorIs(t, err, ErrNotLeader)
	entry, err := encodeCommand(BucketCreate{Name: "x"})
	require.NoError(t, err)
	_, err = m.ApplyForwarded(short(), entry)
	require.ErrorIs(t, err, ErrNotLeader)
	require.Nil(t, m.Layout())
	require.Empty(t, m.ClusterID())
}

func TestApplyForwarded(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	for _, bad := range [][]byte{nil, {100}, {byte(CmdBucketCreate), '{'}} {
		_, err := m.ApplyForwarded(ctx, bad)
		require.ErrorIs(t, err, ErrInvalid)
	}
	require.True(t, isLeader(m), "still serving after bad entries")
	entry, err := encodeCommand(BucketCreate{Name: "fwd", CreatedAt: t0})
	require.NoError(t, err)
	first, err := m.ApplyForwarded(ctx, entry)
	require.NoError(t, err)
	require.Equal(t, m.fsm.index(), first, "the answer names the entry's index")
	again, err := m.ApplyForwarded(ctx, entry)
	require.NoError(t, err, "a resent entry is a no-op")
	require.Greater(t, again, first)
	entry, err = encodeCommand(BucketCreate{Name: "fwd", CreatedAt: t0.Add(1)})
	require.NoError(t, err)
	_, err = m.ApplyForwarded(ctx, entry)
	require.ErrorIs(t, err, ErrBucketExists)
	_, err = m.Bucket(ctx, "fwd")
	require.NoError(t, err)
}

func TestSetLayout(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	two, err := layout.New(2, []layout.Node{{ID: "n1", Zone: "z1"}, {ID: "n2", Zone: "z2"}}, 0, 0)
	require.NoError(t, err)
	require.NoError(t, m.SetLayout(ctx, two))
	require.EqualValues(t, 2, m.Layout().Version)
	require.Len(t, m.Layout().Owners(3), 2)
	require.NoError(t, m.SetLayout(ctx, two), "the same layout again is a no-op")
	old, err := layout.New(1, []layout.Node{{ID: "n9"}}, 0, 0)
	require.NoError(t, err)
	require.ErrorIs(t, m.SetLayout(ctx, old), ErrStaleLayout)
	require.ErrorIs(t, m.SetLayout(ctx, nil), ErrInvalid)
}

func TestConcurrentMisses(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	m := openNode(t, cfg)
	ctx := testCtx(t)

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 50 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, err := m.Bucket(ctx, fmt.Sprintf("missing-%d", i))
			if !errors.Is(err, ErrNoSuchBucket) {
				errs <- fmt.Errorf("Bucket: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			_, err := m.AccessKey(ctx, "missing")
			if !errors.Is(err, ErrNoSuchAccessKey) {
				errs <- fmt.Errorf("AccessKey: %v", err)
			}
		}()
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("b-%d", i)
			if err := m.CreateBucket(ctx, Bucket{Name: name}); err != nil {
				errs <- err
				return
			}
			if _, err := m.Bucket(ctx, name); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	all, err := m.Buckets(ctx)
	require.NoError(t, err)
	require.Len(t, all, 50)
}

func TestOpenErrors(t *testing.T) {
	cfg, _ := testConfig(t, "n1", t.TempDir())
	bad := cfg
	bad.SecretKey = []byte("short")
	_, err := Open(context.Background(), bad)
	require.ErrorIs(t, err, ErrInvalid)
	bad = cfg
	bad.NodeID = ""
	_, err = Open(context.Background(), bad)
	require.ErrorIs(t, err, ErrInvalid)

	m := openNode(t, cfg)
	second := cfg
	second.RaftAddr = "127.0.0.1:0"
	_, err = Open(context.Background(), second)
	require.Error(t, err, "the Dir is in use: fails instead of hanging")
	require.True(t, isLeader(m))
}

func TestConfig(t *testing.T) {
	d := DefaultConfig()
	require.Error(t, d.Validate(), "NodeID, Dir and SecretKey are required")
	d.NodeID, d.Dir, d.SecretKey = "n1", "/tmp/x", testSecretKey
	require.NoError(t, d.Validate())

	c := Config{NodeID: "n1", Dir: "/tmp/x", SecretKey: testSecretKey, HeartbeatTimeout: time.Second}.withDefaults()
	require.NoError(t, c.Validate())
	require.Equal(t, time.Second, c.ElectionTimeout, "at least HeartbeatTimeout")
	require.Equal(t, 150*time.Millisecond, c.LeaderLeaseTimeout)
	require.Equal(t, "127.0.0.1:0", c.RaftAddr)
	require.EqualValues(t, 1, c.Capacity)

	c.LeaderLeaseTimeout = 2 * time.Second
	require.ErrorIs(t, c.Validate(), ErrInvalid)
}

func TestErrorCodes(t *testing.T) {
	for _, c := range codes {
		wrapped := fmt.Errorf("%w: detail", c.err)
		code := ErrorCode(wrapped)
		require.Equal(t, c.code, code)
		back := CodeError(code, wrapped.Error())
		require.ErrorIs(t, back, c.err)
		require.Equal(t, wrapped.Error(), back.Error())
	}
	require.Empty(t, ErrorCode(errors.New("other")))
	require.EqualError(t, CodeError("", "plain"), "plain")
}

// testForwarder is an in-process Forwarder: it calls the leader's Meta directly, and
// sends errors through ErrorCode/CodeError as an RPC would.
type testForwarder struct {
	mu    sync.Mutex
	nodes map[string]*Meta // by Raft address
}

func (f *testForwarder) add(m *Meta) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes[m.RaftAddr()] = m
}

func (f *testForwarder) node(l Leader) (*Meta, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.nodes[l.RaftAddr]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("%w: no node at %s", ErrNotLeader, l.RaftAddr)
}

func wire(err error) error {
	if err == nil {
		return nil
	}
	return CodeError(ErrorCode(err), err.Error())
}

func (f *testForwarder) Forward(ctx context.Context, l Leader, entry []byte) (uint64, error) {
	m, err := f.node(l)
	if err != nil {
		return 0, err
	}
	index, err := m.ApplyForwarded(ctx, entry)
	return index, wire(err)
}

func (f *testForwarder) ReadIndex(ctx context.Context, l Leader) (uint64, error) {
	m, err := f.node(l)
	if err != nil {
		return 0, err
	}
	index, err := m.ReadIndex(ctx)
	return index, wire(err)
}

func TestFollowerForwardsAndConfirmsMisses(t *testing.T) {
	fwd := &testForwarder{nodes: map[string]*Meta{}}
	n1, n2 := openVoterPair(t, fwd, fwd, 300*time.Millisecond)
	ctx := testCtx(t)
	require.Equal(t, n1.ClusterID(), n2.ClusterID())
	require.EqualValues(t, 1, n2.Layout().Version)

	leader, follower := n1, n2
	if !isLeader(n1) {
		leader, follower = n2, n1
	}
	state, leaderAddr, _, _, _ := follower.RaftState()
	require.Equal(t, "Follower", state)
	require.Equal(t, leader.RaftAddr(), leaderAddr)

	// A write through the follower is forwarded; its result comes back.
	require.NoError(t, follower.CreateBucket(ctx, Bucket{Name: "via-follower"}))
	_, err := leader.Bucket(ctx, "via-follower")
	require.NoError(t, err)
	require.ErrorIs(t, follower.CreateBucket(ctx, Bucket{Name: "via-follower"}), ErrBucketExists)

	// A write through the leader is visible through the follower at once: the local
	// miss is confirmed against the leader.
	for i := range 20 {
		name := fmt.Sprintf("via-leader-%d", i)
		require.NoError(t, leader.CreateBucket(ctx, Bucket{Name: name}))
		_, err := follower.Bucket(ctx, name)
		require.NoError(t, err, name)
		require.NoError(t, leader.PutAccessKey(ctx, AccessKey{ID: name, User: "u", Secret: "s-" + name}))
		k, err := follower.AccessKey(ctx, name)
		require.NoError(t, err, name)
		require.Equal(t, "s-"+name, k.Secret)
	}
	_, err = follower.Bucket(ctx, "nowhere")
	require.ErrorIs(t, err, ErrNoSuchBucket)
	_, err = follower.AccessKey(ctx, "nowhere")
	require.ErrorIs(t, err, ErrNoSuchAccessKey)
	_, err = follower.ReadIndex(ctx)
	require.ErrorIs(t, err, ErrNotLeader)

	// Bucket tags through the follower: the write is forwarded, and a rejection keeps
	// its sentinel across the wire.
	require.NoError(t, follower.PutBucketTags(ctx, "via-follower", map[string]string{"team": "search"}))
	tags, err := leader.BucketTags(ctx, "via-follower")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"team": "search"}, tags)
	require.ErrorIs(t, follower.PutBucketTags(ctx, "nowhere", map[string]string{"a": "b"}), ErrNoSuchBucket)
	require.ErrorIs(t, follower.DeleteBucketTags(ctx, "nowhere"), ErrNoSuchBucket)
}
