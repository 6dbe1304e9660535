package meta

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/raft"
)

// Config configures a Meta. Start from DefaultConfig; Open fills any zero field with
// its default, then calls Validate.
type Config struct {
	// NodeID is this node's Raft server id and its id in the layout. Required; stable
	// across restarts.
	NodeID string
	// Dir holds the Raft log and stable store (Dir/raft.db, raft-boltdb/v2) and the
	// snapshots (Dir/snapshots, the last 2 kept). Required.
	Dir string
	// RaftAddr is the TCP address the Raft transport binds. Default "127.0.0.1:0" (any
	// free port; RaftAddr() reads the bound address back). The bind address must not be
	// unspecified (0.0.0.0) unless RaftAdvertise is set.
	RaftAddr string
	// RaftAdvertise is the address other nodes use to reach this node's Raft transport,
	// and the address stored in the Raft configuration. Default: the bound address.
	// Set it when binding 0.0.0.0 or behind NAT; a stable value also keeps the stored
	// configuration right across restarts (see docs/meta.md on changed ports).
	RaftAdvertise string
	// SecretKey is the 32-byte AES-256 key that encrypts access-key secrets before they
	// enter the Raft log; the FSM, its snapshots and the log never hold them in clear.
	// Required, and the same on every node of the cluster.
	SecretKey []byte
	// SecretKeySource says where SecretKey comes from, in words an operator acts on
	// (e.g. "the cluster secret (CAIRN_CLUSTER_SECRET)"). Open records it with a new
	// node's data and names it if the node later starts with another key. Default
	// "SecretKey".
	SecretKeySource string
	// Bootstrap makes this node bootstrap a new cluster with itself as the only voter
	// when it has no Raft state yet (the single-node default). The bootstrapping node
	// also gives the cluster its id and a first layout holding only itself.
	Bootstrap bool
	// Zone and Capacity describe this node in the first layout. Capacity is a relative
	// weight; default 1.
	Zone     string
	Capacity uint64
	// Logger receives meta's logs (component "meta") and raft's (component "raft").
	// Default slog.Default().
	Logger *slog.Logger

	// HeartbeatTimeout is how long a follower waits without contact from the leader
	// before it starts an election, and how long a single node waits after start
	// before it elects itself. Default 300ms: a single node is leader within about
	// 0.3–0.6s of Open. Raise it (e.g. 1s) across slow links or on disks with long
	// fsync stalls, where a short value causes needless elections.
	HeartbeatTimeout time.Duration
	// ElectionTimeout is how long a candidate waits for votes. Default 300ms; must be
	// at least HeartbeatTimeout.
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout is how long a leader stays leader without reaching a quorum.
	// Default 150ms; must be at most HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout is the longest a follower waits to learn of a new commit index when
	// there is no other traffic. Default 50ms.
	CommitTimeout time.Duration
	// RequestTimeout bounds a write, or the confirmation of a read miss, when the
	// caller's context has no deadline. Default 10s.
	RequestTimeout time.Duration

	// Forwarder carries a follower's writes and read-index requests to the leader.
	// Nil (the single-node default): a follower's writes and misses fail with an error
	// wrapping ErrNotReady.
	Forwarder Forwarder

	// StreamLayer, when set, carries Raft's traffic instead of a plain TCP transport
	// on RaftAddr: in a cluster, a transport.RaftLayer, whose connections prove the
	// cluster key. RaftAddr and RaftAdvertise are then unused. Meta closes it, also
	// when Open fails.
	StreamLayer raft.StreamLayer
	// Membership is the cluster's gossip. Nil: a single node, whose Raft membership
	// and layout never change by themselves. Set: the leader adds the nodes gossip
	// finds to Raft and to the layout (cluster.go), and BootstrapExpect works.
	Membership Membership
	// BootstrapExpect, with Membership and without Bootstrap, waits until this many
	// nodes are alive in gossip and none of them has Raft state; then the one with
	// the lowest id bootstraps the cluster with them as voters (up to the voter cap).
	// 0: never bootstrap through gossip (wait to be added by a leader).
	BootstrapExpect int
	// ReconcileInterval is how often the leader compares Raft membership and the
	// layout with gossip when no event prompts it. Default 5s; events (a member
	// joins, a sync ack) prompt it at once, so this only bounds recovery from a
	// failed step.
	ReconcileInterval time.Duration
}

// DefaultConfig returns a Config with every default set; the caller sets NodeID, Dir
// and SecretKey.
func DefaultConfig() Config {
	return Config{
		RaftAddr:           "127.0.0.1:0",
		Capacity:           1,
		HeartbeatTimeout:   300 * time.Millisecond,
		ElectionTimeout:    300 * time.Millisecond,
		LeaderLeaseTimeout: 150 * time.Millisecond,
		CommitTimeout:      50 * time.Millisecond,
		RequestTimeout:     10 * time.Second,
		ReconcileInterval:  5 * time.Second,
	}
}

// withDefaults returns c with each zero field set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.RaftAddr == "" {
		c.RaftAddr = d.RaftAddr
	}
	if c.Capacity == 0 {
		c.Capacity = d.Capacity
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = d.HeartbeatTimeout
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = max(d.ElectionTimeout, c.HeartbeatTimeout)
	}
	if c.LeaderLeaseTimeout == 0 {
		c.LeaderLeaseTimeout = min(d.LeaderLeaseTimeout, c.HeartbeatTimeout)
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = d.CommitTimeout
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = d.RequestTimeout
	}
	if c.ReconcileInterval == 0 {
		c.ReconcileInterval = d.ReconcileInterval
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.SecretKeySource == "" {
		c.SecretKeySource = "SecretKey"
	}
	return c
}

// Validate reports the first problem with c, or nil. Zero timings are invalid here:
// Open fills them in before it validates.
func (c Config) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("NodeID is required"))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("Dir is required"))
	}
	if len(c.SecretKey) != secretKeySize {
		errs = append(errs, fmt.Errorf("SecretKey must be %d bytes, got %d", secretKeySize, len(c.SecretKey)))
	}
	// raft's own limits (raft.ValidateConfig), reported with our field names.
	if c.HeartbeatTimeout < 5*time.Millisecond {
		errs = append(errs, errors.New("HeartbeatTimeout must be at least 5ms"))
	}
	if c.ElectionTimeout < c.HeartbeatTimeout {
		errs = append(errs, errors.New("ElectionTimeout must be at least HeartbeatTimeout"))
	}
	if c.LeaderLeaseTimeout < 5*time.Millisecond || c.LeaderLeaseTimeout > c.HeartbeatTimeout {
		errs = append(errs, errors.New("LeaderLeaseTimeout must be between 5ms and HeartbeatTimeout"))
	}
	if c.CommitTimeout < time.Millisecond {
		errs = append(errs, errors.New("CommitTimeout must be at least 1ms"))
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, errors.New("RequestTimeout must be positive"))
	}
	if c.ReconcileInterval <= 0 {
		errs = append(errs, errors.New("ReconcileInterval must be positive"))
	}
	if c.BootstrapExpect < 0 {
		errs = append(errs, errors.New("BootstrapExpect must not be negative"))
	}
	if c.BootstrapExpect > 0 && c.Membership == nil {
		errs = append(errs, errors.New("BootstrapExpect needs Membership (gossip) to find the other nodes"))
	}
	if c.BootstrapExpect > 0 && c.Bootstrap {
		errs = append(errs, errors.New("Bootstrap (alone) and BootstrapExpect exclude each other"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: config: %w", ErrInvalid, err)
	}
	return nil
}
