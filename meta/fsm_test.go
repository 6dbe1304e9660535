package meta

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
)

// applyTo encodes cmd and applies it to f as the entry at index; it returns the
// Apply response.
func applyTo(t *testing.T, f *fsm, index uint64, cmd command) any {
	t.Helper()
	entry, err := encodeCommand(cmd)
	require.NoError(t, err)
	require.Equal(t, byte(cmd.commandType()), entry[0])
	return f.Apply(&raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: entry})
}

// requireRejected asserts that an Apply response is an error wrapping want.
func requireRejected(t *testing.T, resp any, want error) {
	t.Helper()
	err, ok := resp.(error)
	require.True(t, ok, "response %#v is not an error", resp)
	require.ErrorIs(t, err, want)
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)

func TestFSMClusterInit(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, ClusterInit{ClusterID: "c1"}))
	require.Equal(t, "c1", f.clusterID())
	require.Nil(t, applyTo(t, f, 2, ClusterInit{ClusterID: "c1"}), "the same id again is a retry")
	requireRejected(t, applyTo(t, f, 3, ClusterInit{ClusterID: "c2"}), ErrClusterInitialized)
	requireRejected(t, applyTo(t, f, 4, ClusterInit{}), ErrInvalid)
	require.Equal(t, "c1", f.clusterID())
	require.EqualValues(t, 4, f.index(), "a rejected command still advances the applied index")
}

func TestFSMLayoutSet(t *testing.T) {
	f := newFSM()
	require.Nil(t, f.currentLayout())
	one := []layout.Node{{ID: "n1", Zone: "a", Capacity: 1}}
	require.Nil(t, applyTo(t, f, 1, LayoutSet{Version: 1, Nodes: one}))
	l := f.currentLayout()
	require.NotNil(t, l)
	require.EqualValues(t, 1, l.Version)
	require.Equal(t, layout.DefaultPartitions, l.Partitions)
	require.Equal(t, 1, l.Replication)
	require.Equal(t, []layout.NodeID{"n1"}, l.Owners(7))

	require.Nil(t, applyTo(t, f, 2, LayoutSet{Version: 1, Partitions: 256, Replication: 1, Nodes: one}), "a retry")
	requireRejected(t, applyTo(t, f, 3, LayoutSet{Version: 1, Nodes: append(one, layout.Node{ID: "n2"})}), ErrStaleLayout)
	requireRejected(t, applyTo(t, f, 4, LayoutSet{Version: 0, Nodes: one}), ErrStaleLayout)
	requireRejected(t, applyTo(t, f, 5, LayoutSet{Version: 2}), ErrInvalid)
	requireRejected(t, applyTo(t, f, 6, LayoutSet{Version: 2, Nodes: one, Partitions: 3}), ErrInvalid)
	requireRejected(t, applyTo(t, f, 7, LayoutSet{Version: 2, Nodes: one, Partitions: 64}), ErrInvalid)
	require.Same(t, l, f.currentLayout(), "rejections leave the layout alone")

	two := []layout.Node{{ID: "n2", Zone: "b"}, {ID: "n1", Zone: "a", Capacity: 1}}
	require.Nil(t, applyTo(t, f, 8, LayoutSet{Version: 2, Nodes: two}))
	require.EqualValues(t, 2, f.currentLayout().Version)
	require.Len(t, f.currentLayout().Owners(0), 2)
}

func TestFSMBuckets(t *testing.T) {
	f := newFSM()
	b := BucketCreate{Name: "photos", Owner: "alice", Region: "eu-west-1", CreatedAt: t0}
	require.Nil(t, applyTo(t, f, 1, b))
	got, ok := f.bucket("photos")
	require.True(t, ok)
	require.Equal(t, "alice", got.Owner)
	require.Equal(t, "eu-west-1", got.Region)
	require.True(t, got.CreatedAt.Equal(t0))

	require.Nil(t, applyTo(t, f, 2, b), "a retry of the same create")
	other := b
	other.CreatedAt = t0.Add(time.Second)
	requireRejected(t, applyTo(t, f, 3, other), ErrBucketExists)
	other = b
	other.Owner = "bob"
	requireRejected(t, applyTo(t, f, 4, other), ErrBucketExists)
	requireRejected(t, applyTo(t, f, 5, BucketCreate{CreatedAt: t0}), ErrInvalid)

	require.Nil(t, applyTo(t, f, 6, BucketCreate{Name: "archive", CreatedAt: t0}))
	names := []string{}
	for _, b := range f.buckets() {
		names = append(names, b.Name)
	}
	require.Equal(t, []string{"archive", "photos"}, names)

	require.Nil(t, applyTo(t, f, 7, BucketDelete{Name: "photos"}))
	_, ok = f.bucket("photos")
	require.False(t, ok)
	requireRejected(t, applyTo(t, f, 8, BucketDelete{Name: "photos"}), ErrNoSuchBucket)
}

func TestFSMAccessKeys(t *testing.T) {
	f := newFSM()
	sealed := []byte{sealFormat, 1, 2, 3}
	require.Nil(t, applyTo(t, f, 1, AccessKeyPut{ID: "AK1", User: "alice", Secret: sealed, CreatedAt: t0}))
	k, ok := f.accessKey("AK1")
	require.True(t, ok)
	require.Equal(t, accessKeyRecord{ID: "AK1", User: "alice", Sealed: sealed, CreatedAt: t0}, k)

	require.Nil(t, applyTo(t, f, 2, AccessKeyPut{ID: "AK1", User: "alice", Secret: sealed, CreatedAt: t0}), "a retry")
	requireRejected(t, applyTo(t, f, 3, AccessKeyPut{ID: "AK1", User: "bob", Secret: sealed, CreatedAt: t0}), ErrAccessKeyExists)
	requireRejected(t, applyTo(t, f, 4, AccessKeyPut{ID: "AK2", User: "bob"}), ErrInvalid)

	require.Nil(t, applyTo(t, f, 5, AccessKeyDelete{ID: "AK1"}))
	_, ok = f.accessKey("AK1")
	require.False(t, ok)
	requireRejected(t, applyTo(t, f, 6, AccessKeyDelete{ID: "AK1"}), ErrNoSuchAccessKey)
}

func TestFSMRootKeySet(t *testing.T) {
	f := newFSM()
	_, ok := f.rootKey()
	require.False(t, ok)
	require.Nil(t, applyTo(t, f, 1, AccessKeyPut{ID: "USER", User: "alice", Secret: []byte{1}, CreatedAt: t0}))
	require.Nil(t, applyTo(t, f, 2, RootKeySet{ID: "ROOT1", Secret: []byte{1}, CreatedAt: t0}))
	require.Nil(t, applyTo(t, f, 3, AccessKeyPut{ID: "ROOT2", User: RootUser, Secret: []byte{2}, CreatedAt: t0.Add(time.Second)}))
	k, ok := f.rootKey()
	require.True(t, ok)
	require.Equal(t, "ROOT2", k.ID, "the newest root key")

	require.Nil(t, applyTo(t, f, 4, RootKeySet{ID: "ROOT3", Secret: []byte{3}, CreatedAt: t0}))
	k, ok = f.rootKey()
	require.True(t, ok)
	require.Equal(t, "ROOT3", k.ID)
	for _, gone := range []string{"ROOT1", "ROOT2"} {
		_, ok := f.accessKey(gone)
		require.False(t, ok, "%s must be replaced", gone)
	}
	_, ok = f.accessKey("USER")
	require.True(t, ok, "other users' keys stay")

	require.Nil(t, applyTo(t, f, 5, RootKeySet{ID: "ROOT3", Secret: []byte{3}, CreatedAt: t0}), "a retry")
	requireRejected(t, applyTo(t, f, 6, RootKeySet{ID: "USER", Secret: []byte{4}, CreatedAt: t0}), ErrAccessKeyExists)
	requireRejected(t, applyTo(t, f, 7, RootKeySet{ID: "ROOT4"}), ErrInvalid)
	k, _ = f.rootKey()
	require.Equal(t, "ROOT3", k.ID)
}

func TestFSMDecodeFailurePanics(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":        nil,
		"unknown type": {127, '{', '}'}, // without IgnoreUnknownTypeFlag (skip_test.go)
		"type zero":    {0, '{', '}'},
		"bad json":     {byte(CmdBucketCreate), '{', 'x'},
		"wrong types":  append([]byte{byte(CmdBucketCreate)}, `{"name":5}`...),
	} {
		t.Run(name, func(t *testing.T) {
			f := newFSM()
			require.Panics(t, func() { f.Apply(&raft.Log{Index: 1, Type: raft.LogCommand, Data: data}) })
			require.Error(t, f.check(data))
			require.ErrorIs(t, f.check(data), ErrInvalid)
		})
	}
}

func TestFSMIgnoresOtherLogTypes(t *testing.T) {
	f := newFSM()
	for _, typ := range []raft.LogType{raft.LogNoop, raft.LogBarrier, raft.LogConfiguration} {
		require.Nil(t, f.Apply(&raft.Log{Index: 9, Type: typ, Data: []byte{200}}))
	}
	require.Zero(t, f.index())
}

// memSink is an in-memory raft.SnapshotSink.
type memSink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { s.closed = true; return nil }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }

func TestFSMSnapshotRestore(t *testing.T) {
	f := newFSM()
	cmds := []command{
		ClusterInit{ClusterID: "c1"},
		LayoutSet{Version: 3, Nodes: []layout.Node{{ID: "n1", Zone: "a"}, {ID: "n2", Zone: "b", Capacity: 2}, {ID: "n3", Zone: "a"}}},
		BucketCreate{Name: "a", Owner: "root", Region: "r1", CreatedAt: t0},
		BucketCreate{Name: "b", Owner: "alice", CreatedAt: t0.Add(time.Hour)},
		BucketTagsSet{Bucket: "b", Tags: map[string]string{"team": "search", "cost-centre": ""}},
		AccessKeyPut{ID: "AK", User: "alice", Secret: []byte{sealFormat, 9, 9}, CreatedAt: t0},
		RootKeySet{ID: "ROOT", Secret: []byte{sealFormat, 8}, CreatedAt: t0},
	}
	for i, c := range cmds {
		require.Nil(t, applyTo(t, f, uint64(i+10), c))
	}

	snap, err := f.Snapshot()
	require.NoError(t, err)
	// The snapshot is a copy: later writes do not change it.
	require.Nil(t, applyTo(t, f, 100, BucketCreate{Name: "later", CreatedAt: t0}))
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	snap.Release()
	require.True(t, sink.closed)
	require.False(t, sink.cancelled)
	require.NotContains(t, sink.String(), `"later"`)

	g := newFSM()
	require.Nil(t, applyTo(t, g, 1, BucketCreate{Name: "stale", CreatedAt: t0}))
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))

	_, ok := g.bucket("stale")
	require.False(t, ok, "Restore replaces all state")
	require.Nil(t, applyTo(t, f, 101, BucketDelete{Name: "later"})) // f back to the snapshot's content
	f.mu.RLock()
	want := f.st.clone()
	f.mu.RUnlock()
	want.Index = 16
	g.mu.RLock()
	require.Equal(t, want, g.st)
	g.mu.RUnlock()
	require.EqualValues(t, 16, g.index())
	b, ok := g.bucket("b")
	require.True(t, ok)
	require.Equal(t, map[string]string{"team": "search", "cost-centre": ""}, b.Tags, "tags survive the round trip")
	require.Equal(t, "c1", g.clusterID())
	fl, gl := f.currentLayout(), g.currentLayout()
	require.Equal(t, fl.Version, gl.Version)
	for p := range fl.Partitions {
		require.Equal(t, fl.Owners(p), gl.Owners(p), "partition %d", p)
	}
	k, ok := g.rootKey()
	require.True(t, ok)
	require.Equal(t, "ROOT", k.ID)
}

func TestFSMRestoreRejectsUnknownFormat(t *testing.T) {
	f := newFSM()
	require.Error(t, f.Restore(io.NopCloser(bytes.NewReader([]byte(`{"version":2,"state":{}}`)))))
	require.Error(t, f.Restore(io.NopCloser(bytes.NewReader([]byte(`not json`)))))
	require.NoError(t, f.Restore(io.NopCloser(bytes.NewReader([]byte(`{"version":1,"state":{}}`)))))
	require.Empty(t, f.buckets())
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "x", CreatedAt: t0}), "restored maps are usable")
}

func TestCommandTypesAreStable(t *testing.T) {
	// The numbers are in every log and snapshot: this test fails if one moves.
	want := map[CommandType]command{
		1: ClusterInit{}, 2: LayoutSet{}, 3: BucketCreate{}, 4: BucketDelete{},
		5: AccessKeyPut{}, 6: AccessKeyDelete{}, 7: RootKeySet{}, 11: BucketTagsSet{},
		12: BucketVersioningSet{}, 20: BucketLifecycleSet{}, 21: BucketObjectLockSet{}, 22: BucketCORSSet{}, 24: BucketQuotaSet{},
		25: BucketEncryptionSet{}, 26: NodeOverrideSet{},
		// cluster
		8: LayoutSyncAck{}, 9: NodeStatusSet{}, 10: RootKeyInit{},
		// IAM
		32: UserCreate{}, 33: UserStatusSet{}, 34: UserExpirySet{}, 35: UserDelete{},
		36: UserKeyCreate{}, 37: AccessKeyRotate{}, 38: GroupCreate{}, 39: GroupDelete{},
		40: GroupMemberAdd{}, 41: GroupMemberRemove{}, 42: PolicyPut{}, 43: PolicyDelete{},
		44: PolicyAttach{}, 45: PolicyDetach{}, 46: BucketPolicyPut{}, 47: BucketPolicyDelete{},
		// site sync
		96: ConnectionPut{}, 97: ConnectionDelete{}, 98: ReplicationRulePut{}, 99: ReplicationRuleDelete{},
		100: ReplicationRulePause{}, 101: ReplicationRulesSet{}, 102: ReplicationProgressSet{}, 103: ReplicationResync{},
	}
	f := newFSM()
	require.Len(t, f.handlers, len(want), "every command has a handler")
	for n, c := range want {
		require.Equal(t, n, c.commandType())
		require.Contains(t, f.handlers, n)
		require.NotContains(t, n.String(), "CommandType(")
	}
}
