package meta

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
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
	if c.Logger == nil {
		c.Logger = slog.Default()
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
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: config: %w", ErrInvalid, err)
	}
	return nil
}
