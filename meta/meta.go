// Package meta holds the cluster-wide metadata — buckets, users and access keys, the
// layout — in a Raft FSM replicated to every node. Writes go through Raft (forwarded
// to the leader); reads are local, and a local miss is confirmed against the leader.
// docs/meta.md describes what is replicated, the commands and their versioning, how
// secrets are sealed and the timings.
package meta

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"

	"github.com/cairnstore/cairn/cluster/layout"
)

const (
	// snapshotsRetained is how many snapshots the file store keeps.
	snapshotsRetained = 2
	// logCacheSize is how many recent log entries raft keeps in memory.
	logCacheSize = 256
	// transportPool and transportTimeout tune the TCP transport: connections kept per
	// peer, and the I/O deadline of one RPC.
	transportPool    = 3
	transportTimeout = 10 * time.Second
	// storeLockTimeout bounds the wait for raft.db's file lock, so that a second Open
	// of the same Dir fails instead of hanging.
	storeLockTimeout = 2 * time.Second
)

// Bucket is a bucket and its configuration.
type Bucket struct {
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`  // the user that created it
	Region    string    `json:"region"` // its LocationConstraint
	CreatedAt time.Time `json:"createdAt"`
	// Tags are the bucket's tags (S3's bucket tagging), set with PutBucketTags; nil
	// when it has none. CreateBucket ignores them. The map is the caller's copy.
	Tags map[string]string `json:"tags,omitempty"`
	// Versioning is the bucket's versioning state: "" (never enabled),
	// VersioningEnabled or VersioningSuspended.
	Versioning string `json:"versioning,omitempty"`
	// Lifecycle is the bucket's lifecycle configuration (PutBucketLifecycle); nil
	// when it has none. The value is the caller's copy.
	Lifecycle *LifecycleConfig `json:"lifecycle,omitempty"`
	// ObjectLock is the bucket's object lock configuration; the zero value when it
	// has none (see bucket_objectlock.go).
	ObjectLock ObjectLockConfig `json:"objectLock,omitzero"`
	// Quota is the bucket's quota (bucket_quota.go); the zero value when it has none.
	Quota BucketQuota `json:"quota,omitzero"`
	// CORS is the bucket's CORS configuration (PutBucketCORS); nil when it has none.
	// The value is the caller's copy.
	CORS *CORSConfig `json:"cors,omitempty"`
	// Encryption is the bucket's default encryption; the zero value when it has none
	// (bucket_encryption.go).
	Encryption BucketEncryption `json:"encryption,omitzero"`
}

// AccessKey is an access key with its secret in the clear (decrypted for the caller).
// It formats and logs with the secret redacted.
type AccessKey struct {
	ID        string
	Secret    string
	User      string
	CreatedAt time.Time
	// Expiry, when set, is the instant from which the key is refused; the leader
	// deletes it a minute later (ExpiredKeyGrace). nil: never.
	Expiry *time.Time
}

// RootUser is the name of the user that may do everything.
const RootUser = "root"

// Meta is one node's view of the cluster metadata.
type Meta struct {
	cfg    Config
	log    *slog.Logger
	fsm    *fsm
	sealer *sealer

	raft     *raft.Raft
	trans    *raft.NetworkTransport
	store    *raftboltdb.BoltStore
	stable   *stableGuard // m.store as raft's StableStore
	observer *raft.Observer

	// leaderEvents wakes waiters whenever raft's state or known leader changes.
	leaderEvents broadcast
	// barrier coalesces the leader's barriers (read index, read-miss confirmation).
	barrier coalescer
	// cl is the state of the cluster goroutine (cluster.go); unused without
	// Membership.
	cl clusterRuntime
	// toldRemoved is set when the leader told this node it was removed (removed.go).
	toldRemoved atomic.Bool

	stop      context.CancelFunc // stops the background goroutines
	wg        sync.WaitGroup
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	closeErr  error
}

// Open starts Raft and the FSM. It does not wait for a leader: call WaitReady. With
// cfg.Bootstrap and no Raft state in cfg.Dir, it first bootstraps a cluster with this
// node as the single voter.
func Open(ctx context.Context, cfg Config) (_ *Meta, err error) {
	if cfg.StreamLayer != nil {
		defer func() {
			if err != nil {
				_ = cfg.StreamLayer.Close() // the transport owns it once made
			}
		}()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sealer, err := newSealer(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	m := &Meta{
		cfg:    cfg,
		log:    cfg.Logger.With("component", "meta"),
		fsm:    newFSM(),
		sealer: sealer,
		done:   make(chan struct{}),
	}
	m.barrier.fn = m.runBarrier
	rlog := newHCLogger(cfg.Logger.With("component", "raft"))

	var closers []func() error // undone in reverse if Open fails
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()

	dbPath := filepath.Join(cfg.Dir, "raft.db")
	m.store, err = raftboltdb.New(raftboltdb.Options{Path: dbPath, BoltOptions: &bbolt.Options{Timeout: storeLockTimeout}})
	if err != nil {
		return nil, fmt.Errorf("meta: open %s: %w", dbPath, err)
	}
	closers = append(closers, m.store.Close)
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, snapshotsRetained, rlog)
	if err != nil {
		return nil, fmt.Errorf("meta: snapshot store: %w", err)
	}
	if m.trans, err = m.newTransport(rlog); err != nil {
		return nil, err
	}
	closers = append(closers, m.trans.Close)

	rc := m.raftConfig(rlog)
	hasState, err := raft.HasExistingState(m.store, m.store, snaps)
	if err != nil {
		return nil, fmt.Errorf("meta: read raft state: %w", err)
	}
	if err := checkSealKey(cfg, !hasState); err != nil {
		return nil, err
	}
	if cfg.Bootstrap && !hasState {
		if err := m.bootstrap(rc, snaps); err != nil {
			return nil, err
		}
		hasState = true
	}
	logs, err := raft.NewLogCache(logCacheSize, m.store)
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	m.stable = &stableGuard{StableStore: m.store}
	if m.raft, err = raft.NewRaft(rc, m.fsm, logs, m.stable, snaps, m.trans); err != nil {
		return nil, fmt.Errorf("meta: start raft: %w", err)
	}

	events := make(chan raft.Observation, 16)
	m.observer = raft.NewObserver(events, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.LeaderObservation, raft.RaftState:
			return true
		}
		return false
	})
	m.raft.RegisterObserver(m.observer)
	bg, stop := context.WithCancel(context.Background())
	m.stop = stop
	m.wg.Add(2)
	go m.forwardEvents(bg, events)
	go m.runLeaderTasks(bg)
	if cfg.Membership != nil {
		m.startCluster(bg, hasState)
	}
	m.log.Info("raft started", "node_id", cfg.NodeID, "raft_addr", m.trans.LocalAddr(), "dir", cfg.Dir)
	return m, nil
}

// raftConfig is raft's configuration from ours.
func (m *Meta) raftConfig(logger *hclogAdapter) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(m.cfg.NodeID)
	rc.Logger = logger
	rc.HeartbeatTimeout = m.cfg.HeartbeatTimeout
	rc.ElectionTimeout = m.cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = m.cfg.LeaderLeaseTimeout
	rc.CommitTimeout = m.cfg.CommitTimeout
	return rc
}

// newTransport is Raft's network transport: over Config.StreamLayer when set, else
// plain TCP on RaftAddr.
func (m *Meta) newTransport(rlog *hclogAdapter) (*raft.NetworkTransport, error) {
	if m.cfg.StreamLayer != nil {
		return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
			Stream:  m.cfg.StreamLayer,
			MaxPool: transportPool,
			Timeout: transportTimeout,
			Logger:  rlog,
		}), nil
	}
	var advertise net.Addr
	if m.cfg.RaftAdvertise != "" {
		var err error
		if advertise, err = net.ResolveTCPAddr("tcp", m.cfg.RaftAdvertise); err != nil {
			return nil, fmt.Errorf("%w: RaftAdvertise: %w", ErrInvalid, err)
		}
	}
	t, err := raft.NewTCPTransportWithLogger(m.cfg.RaftAddr, advertise, transportPool, transportTimeout, rlog)
	if err != nil {
		return nil, fmt.Errorf("meta: raft transport on %s: %w", m.cfg.RaftAddr, err)
	}
	return t, nil
}

// bootstrap makes this node the single voter of a new cluster; the caller has checked
// that Dir holds no Raft state.
func (m *Meta) bootstrap(rc *raft.Config, snaps raft.SnapshotStore) error {
	conf := raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: rc.LocalID, Address: m.trans.LocalAddr()}}}
	if err := raft.BootstrapCluster(rc, m.store, m.store, snaps, m.trans, conf); err != nil {
		return fmt.Errorf("meta: bootstrap: %w", err)
	}
	m.log.Info("bootstrapped a new cluster", "node_id", m.cfg.NodeID, "raft_addr", m.trans.LocalAddr())
	return nil
}

// forwardEvents turns raft's leader and state observations into leaderEvents.
func (m *Meta) forwardEvents(ctx context.Context, events <-chan raft.Observation) {
	defer m.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-events:
			m.leaderEvents.notify()
		}
	}
}

// WaitReady blocks until there is a leader and the local FSM has applied the log up to
// the leader's commit index as of the call, and the cluster has its id and a layout.
// On the leader that is a Raft barrier; a follower asks the leader for its read index
// through the Forwarder.
func (m *Meta) WaitReady(ctx context.Context) error {
	if err := m.catchUp(ctx); err != nil {
		return err
	}
	for {
		changed := m.fsm.changes.wait()
		if m.fsm.initialized() {
			return nil
		}
		select {
		case <-changed:
		case <-m.done:
			return ErrClosed
		case <-ctx.Done():
			return notReady(ctx, "waiting for the cluster id and layout")
		}
	}
}

// Close stops Raft and closes the stores. It is idempotent; later calls return the
// first call's result.
func (m *Meta) Close() error {
	m.closeOnce.Do(func() {
		close(m.done)
		m.stop()
		m.raft.DeregisterObserver(m.observer)
		errs := []error{m.raft.Shutdown().Error()}
		m.leaderEvents.notify() // waiters see the shutdown state
		m.wg.Wait()
		errs = append(errs, m.trans.Close())
		m.stable.close() // see stableGuard: a late heartbeat must not write to a closed store
		errs = append(errs, m.store.Close())
		if err := errors.Join(errs...); err != nil {
			m.closeErr = fmt.Errorf("meta: close: %w", err)
		}
		m.log.Info("raft stopped", "node_id", m.cfg.NodeID)
	})
	return m.closeErr
}

// ClusterID returns the id the cluster got when it was bootstrapped; "" before
// WaitReady.
func (m *Meta) ClusterID() string { return m.fsm.clusterID() }

// Layout returns the current layout; never nil once WaitReady has returned. The
// layout is shared: treat it as read-only.
func (m *Meta) Layout() *layout.Layout { return m.fsm.currentLayout() }

// SetLayout proposes a new layout. Its version must be newer than the current one
// (ErrStaleLayout otherwise; the same layout again is a no-op, so it is proposed again
// when an election makes the outcome unknown) and its partition count must not change.
func (m *Meta) SetLayout(ctx context.Context, l *layout.Layout) error {
	if l == nil {
		return invalidf("nil layout")
	}
	return m.applyIdempotent(ctx, layoutSetOf(l)) // the same layout again is a no-op
}

func layoutSetOf(l *layout.Layout) LayoutSet {
	return LayoutSet{Version: l.Version, Partitions: l.Partitions, Replication: l.Replication, Nodes: l.Nodes}
}

// RaftAddr returns the address of this node's Raft transport as other nodes reach it:
// RaftAdvertise, or else the bound address (with the port read back).
func (m *Meta) RaftAddr() string { return string(m.trans.LocalAddr()) }

// RaftState reports this node's Raft state ("Follower", "Candidate", "Leader" or
// "Shutdown"), the leader's Raft address ("" if unknown), the current term, the commit
// index and the index last handed to the FSM.
func (m *Meta) RaftState() (state, leader string, term, commitIndex, appliedIndex uint64) {
	addr, _ := m.raft.LeaderWithID()
	return m.raft.State().String(), string(addr), m.raft.CurrentTerm(), m.raft.CommitIndex(), m.raft.AppliedIndex()
}
