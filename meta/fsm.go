package meta

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/layout"
)

// snapshotVersion is the format of a persisted snapshot. A change that an older node
// could not read gets a new version, and Restore refuses versions it does not know.
const snapshotVersion = 1

// fsm is the Raft state machine: the metadata state behind an RWMutex. Apply is
// deterministic (no clock, no randomness, no I/O): every node applies the same log to
// the same state.
type fsm struct {
	mu     sync.RWMutex
	st     state
	layout *layout.Layout // built from st.Layout; nil until a LayoutSet
	// history is built from st.Cluster.LayoutHistory (fsm_cluster.go).
	history []*layout.Layout

	// handlers is the dispatch table, one entry per CommandType, built in newFSM.
	handlers map[CommandType]handler
	// changes wakes waiters after every Apply and Restore.
	changes broadcast
	// clusterChanges wakes the leader's reconciler after a change to the layouts,
	// the sync acks or a node's status, and after Restore.
	clusterChanges broadcast
}

// handler decodes and applies one type of command.
type handler struct {
	// check decodes the body without applying it: it vets a forwarded entry before it
	// is proposed, since an entry the FSM cannot decode would stop every node.
	check func(body []byte) error
	// apply decodes the body and applies it with f.mu held. A body that does not
	// decode is a bug and panics; a rejected command returns its error.
	apply func(body []byte) error
}

// on makes the handler of command type C from its applier.
func on[C any](apply func(*C) error) handler {
	return handler{
		check: func(body []byte) error {
			var c C
			return json.Unmarshal(body, &c)
		},
		apply: func(body []byte) error {
			var c C
			if err := json.Unmarshal(body, &c); err != nil {
				panic(fmt.Sprintf("meta: cannot decode a %T log entry: %v", c, err))
			}
			return apply(&c)
		},
	}
}

func newFSM() *fsm {
	f := &fsm{st: newState()}
	f.handlers = map[CommandType]handler{
		CmdClusterInit:     on(f.applyClusterInit),
		CmdLayoutSet:       on(f.applyLayoutSet),
		CmdBucketCreate:    on(f.applyBucketCreate),
		CmdBucketDelete:    on(f.applyBucketDelete),
		CmdAccessKeyPut:    on(f.applyAccessKeyPut),
		CmdAccessKeyDelete: on(f.applyAccessKeyDelete),
		CmdRootKeySet:      on(f.applyRootKeySet),
		CmdBucketTagsSet:   on(f.applyBucketTagsSet),

		CmdBucketVersioningSet: on(f.applyBucketVersioningSet),
		CmdBucketLifecycleSet:  on(f.applyBucketLifecycleSet),
		CmdBucketObjectLockSet: on(f.applyBucketObjectLockSet),
		CmdBucketQuotaSet:      on(f.applyBucketQuotaSet),
		CmdBucketCORSSet:       on(f.applyBucketCORSSet),
		CmdBucketEncryptionSet: on(f.applyBucketEncryptionSet),

		// cluster (fsm_cluster.go)
		CmdLayoutSyncAck: on(f.applyLayoutSyncAck),
		CmdNodeStatusSet: on(f.applyNodeStatusSet),
		CmdRootKeyInit:   on(f.applyRootKeyInit),
		// node_override.go
		CmdNodeOverrideSet: on(f.applyNodeOverrideSet),

		// IAM (iam_apply.go)
		CmdUserCreate:         on(f.applyUserCreate),
		CmdUserStatusSet:      on(f.applyUserStatusSet),
		CmdUserExpirySet:      on(f.applyUserExpirySet),
		CmdUserDelete:         on(f.applyUserDelete),
		CmdUserKeyCreate:      on(f.applyUserKeyCreate),
		CmdAccessKeyRotate:    on(f.applyAccessKeyRotate),
		CmdGroupCreate:        on(f.applyGroupCreate),
		CmdGroupDelete:        on(f.applyGroupDelete),
		CmdGroupMemberAdd:     on(f.applyGroupMemberAdd),
		CmdGroupMemberRemove:  on(f.applyGroupMemberRemove),
		CmdPolicyPut:          on(f.applyPolicyPut),
		CmdPolicyDelete:       on(f.applyPolicyDelete),
		CmdPolicyAttach:       on(f.applyPolicyAttach),
		CmdPolicyDetach:       on(f.applyPolicyDetach),
		CmdBucketPolicyPut:    on(f.applyBucketPolicyPut),
		CmdBucketPolicyDelete: on(f.applyBucketPolicyDelete),

		// site sync (replication_commands.go)
		CmdConnectionPut:          on(f.applyConnectionPut),
		CmdConnectionDelete:       on(f.applyConnectionDelete),
		CmdReplicationRulePut:     on(f.applyReplicationRulePut),
		CmdReplicationRuleDelete:  on(f.applyReplicationRuleDelete),
		CmdReplicationRulePause:   on(f.applyReplicationRulePause),
		CmdReplicationRulesSet:    on(f.applyReplicationRulesSet),
		CmdReplicationProgressSet: on(f.applyReplicationProgressSet),
		CmdReplicationResync:      on(f.applyReplicationResync),
	}
	return f
}

// Apply applies a committed log entry. It returns nil or the error that rejected the
// command; (*Meta).apply hands that error to the proposer. An entry that is empty, of
// an unknown type or that does not decode panics: that is a bug or a log written by a
// newer version, and applying it partially would make this node diverge.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	h, body := f.handlerOf(l.Data, l.Index)
	f.mu.Lock()
	err := h.apply(body)
	f.st.Index = l.Index
	f.mu.Unlock()
	f.changes.notify()
	if err != nil {
		return err
	}
	return nil // not a typed nil error
}

// handlerOf splits an entry into its handler and body, and panics if it has none.
func (f *fsm) handlerOf(entry []byte, index uint64) (handler, []byte) {
	if len(entry) == 0 {
		panic(fmt.Sprintf("meta: empty log entry at index %d", index))
	}
	t := CommandType(entry[0])
	h, ok := f.handlers[t&^IgnoreUnknownTypeFlag]
	switch {
	case ok:
		return h, entry[1:]
	case t&IgnoreUnknownTypeFlag != 0:
		return skipHandler, nil // a newer node's command this one may miss
	}
	panic(fmt.Sprintf("meta: unknown command type %d at index %d (written by a newer version?)", entry[0], index))
}

// skipHandler passes over a command of an unknown type marked IgnoreUnknownTypeFlag.
var skipHandler = handler{
	check: func([]byte) error { return nil },
	apply: func([]byte) error { return nil },
}

// check reports whether entry is a command this FSM can apply, without applying it.
func (f *fsm) check(entry []byte) error {
	if len(entry) == 0 {
		return invalidf("empty entry")
	}
	t := CommandType(entry[0])
	h, ok := f.handlers[t&^IgnoreUnknownTypeFlag]
	switch {
	case !ok && t&IgnoreUnknownTypeFlag != 0:
		return nil // a newer node's command that this one will skip
	case !ok:
		return invalidf("unknown command type %d", entry[0])
	}
	if err := h.check(entry[1:]); err != nil {
		return invalidf("%s: %v", CommandType(entry[0]), err)
	}
	return nil
}

// The appliers. Each runs with f.mu held and changes nothing when it rejects.

func (f *fsm) applyClusterInit(c *ClusterInit) error {
	switch {
	case c.ClusterID == "":
		return invalidf("empty cluster id")
	case f.st.ClusterID == c.ClusterID:
		return nil
	case f.st.ClusterID != "":
		return fmt.Errorf("%w: id %s", ErrClusterInitialized, f.st.ClusterID)
	}
	f.st.ClusterID = c.ClusterID
	return nil
}

func (f *fsm) applyLayoutSet(c *LayoutSet) error {
	next, err := (&layoutSpec{Version: c.Version, Partitions: c.Partitions, Replication: c.Replication, Nodes: c.Nodes}).build()
	if err != nil {
		return err
	}
	spec := specOf(next)
	if cur := f.st.Layout; cur != nil {
		switch {
		case sameSpec(cur, spec):
			return nil
		case spec.Version <= cur.Version:
			return fmt.Errorf("%w: version %d, current %d", ErrStaleLayout, spec.Version, cur.Version)
		case spec.Partitions != cur.Partitions:
			return invalidf("the partition count is fixed at %d", cur.Partitions)
		}
	}
	f.installLayout(spec, next)
	return nil
}

func (f *fsm) applyBucketCreate(c *BucketCreate) error {
	if c.Name == "" {
		return invalidf("empty bucket name")
	}
	b := Bucket{Name: c.Name, Owner: c.Owner, Region: c.Region, CreatedAt: c.CreatedAt}
	if old, ok := f.st.Buckets[c.Name]; ok {
		if sameBucket(old, b) {
			return nil // a retry of the create that made it
		}
		return fmt.Errorf("%w: %s", ErrBucketExists, c.Name)
	}
	f.st.Buckets[c.Name] = b
	return nil
}

func (f *fsm) applyBucketDelete(c *BucketDelete) error {
	if _, ok := f.st.Buckets[c.Name]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Name)
	}
	delete(f.st.Buckets, c.Name)
	delete(f.st.IAM.BucketPolicies, c.Name) // a bucket's policy goes with it
	f.deleteBucketRules(c.Name)             // and its replication rules
	return nil
}

func (f *fsm) applyBucketTagsSet(c *BucketTagsSet) error {
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	// A new Bucket value with the decoded map, which nothing else holds: values in
	// the state are never modified in place (see state).
	b.Tags = nil
	if len(c.Tags) > 0 {
		b.Tags = c.Tags
	}
	f.st.Buckets[c.Bucket] = b
	return nil
}

func (f *fsm) applyAccessKeyPut(c *AccessKeyPut) error {
	if c.ID == "" || c.User == "" || len(c.Secret) == 0 {
		return invalidf("access key needs an id, a user and a secret")
	}
	if old, ok := f.st.AccessKeys[c.ID]; ok && old.User != c.User {
		return fmt.Errorf("%w: %s", ErrAccessKeyExists, c.ID)
	}
	f.st.AccessKeys[c.ID] = accessKeyRecord{ID: c.ID, User: c.User, Sealed: c.Secret, CreatedAt: c.CreatedAt, Expiry: utcPtr(c.Expiry)}
	return nil
}

func (f *fsm) applyAccessKeyDelete(c *AccessKeyDelete) error {
	if _, ok := f.st.AccessKeys[c.ID]; !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchAccessKey, c.ID)
	}
	delete(f.st.AccessKeys, c.ID)
	return nil
}

func (f *fsm) applyRootKeySet(c *RootKeySet) error {
	if c.ID == "" || len(c.Secret) == 0 {
		return invalidf("root key needs an id and a secret")
	}
	if old, ok := f.st.AccessKeys[c.ID]; ok && old.User != RootUser {
		return fmt.Errorf("%w: %s", ErrAccessKeyExists, c.ID)
	}
	for id, k := range f.st.AccessKeys {
		if k.User == RootUser {
			delete(f.st.AccessKeys, id)
		}
	}
	f.st.AccessKeys[c.ID] = accessKeyRecord{ID: c.ID, User: RootUser, Sealed: c.Secret, CreatedAt: c.CreatedAt}
	return nil
}

// sameBucket reports whether a and b are the same bucket (times compared as instants).
func sameBucket(a, b Bucket) bool {
	return a.Name == b.Name && a.Owner == b.Owner && a.Region == b.Region && a.CreatedAt.Equal(b.CreatedAt)
}

// Snapshot copies the state under the read lock; Persist does the I/O.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return &fsmSnapshot{st: f.st.clone()}, nil
}

// snapshotFile is the persisted form of a snapshot.
type snapshotFile struct {
	Version int   `json:"version"`
	State   state `json:"state"`
}

// fsmSnapshot is a point-in-time copy of the state.
type fsmSnapshot struct {
	st state
}

// Persist writes the snapshot as JSON. Secrets in it are sealed.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(snapshotFile{Version: snapshotVersion, State: s.st}); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("meta: persist snapshot: %w", err)
	}
	return sink.Close()
}

// Release does nothing: the snapshot holds no resources.
func (s *fsmSnapshot) Release() {}

// Restore replaces all state with the snapshot's.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var file snapshotFile
	if err := json.NewDecoder(rc).Decode(&file); err != nil {
		return fmt.Errorf("meta: restore snapshot: %w", err)
	}
	if file.Version != snapshotVersion {
		return fmt.Errorf("meta: restore snapshot: unknown format version %d (written by a newer version?)", file.Version)
	}
	st := file.State.clone() // non-nil maps
	var l *layout.Layout
	if st.Layout != nil {
		var err error
		if l, err = st.Layout.build(); err != nil {
			return fmt.Errorf("meta: restore snapshot: %w", err)
		}
	}
	hist, err := restoreHistory(st)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.st, f.layout, f.history = st, l, hist
	f.mu.Unlock()
	f.clusterChanges.notify()
	f.changes.notify()
	return nil
}

// Local reads.

// bucket returns a bucket with its own copy of the tags, so that a caller cannot
// change the state through them.
func (f *fsm) bucket(name string) (Bucket, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	b, ok := f.st.Buckets[name]
	return cloneBucket(b), ok
}

// buckets returns every bucket in name order, each with its own copy of the tags.
func (f *fsm) buckets() []Bucket {
	f.mu.RLock()
	bs := make([]Bucket, 0, len(f.st.Buckets))
	for _, b := range f.st.Buckets {
		bs = append(bs, cloneBucket(b))
	}
	f.mu.RUnlock()
	slices.SortFunc(bs, func(a, b Bucket) int { return cmp.Compare(a.Name, b.Name) })
	return bs
}

func (f *fsm) accessKey(id string) (accessKeyRecord, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	k, ok := f.st.AccessKeys[id]
	return k, ok
}

// rootKey returns the root user's newest key (RootKeySet leaves exactly one; an
// AccessKeyPut for root may add more).
func (f *fsm) rootKey() (accessKeyRecord, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var best accessKeyRecord
	found := false
	for _, k := range f.st.AccessKeys {
		if k.User != RootUser {
			continue
		}
		if !found || k.CreatedAt.After(best.CreatedAt) || k.CreatedAt.Equal(best.CreatedAt) && k.ID < best.ID {
			best, found = k, true
		}
	}
	return best, found
}

func (f *fsm) clusterID() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.ClusterID
}

func (f *fsm) currentLayout() *layout.Layout {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.layout
}

// index is the Raft index of the last command applied.
func (f *fsm) index() uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.Index
}

// initialized reports whether the cluster has its id and a layout.
func (f *fsm) initialized() bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.ClusterID != "" && f.layout != nil
}
