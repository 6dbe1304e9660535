package blob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cairnstore/cairn/blob/sse"
	"github.com/cairnstore/cairn/cluster/hlc"
	"github.com/cairnstore/cairn/cluster/layout"
)

// Config configures a Store.
type Config struct {
	// NodeID identifies this node in version records (the HLC tie breaker) and in the
	// layout. Required.
	NodeID string
	// Dir holds the block files (Dir/blocks, Dir/tmp) and the version index
	// (Dir/index.db). Required.
	Dir string
	// EncryptionKey is the 32-byte master key that seals the data keys of objects
	// written with server-side encryption (PutInput.Encrypt, docs/encryption.md). It
	// must be the same on every node and across restarts: cmd/ derives it from the
	// key that seals secrets in meta. Empty: encrypted writes are refused and
	// encrypted objects cannot be read.
	EncryptionKey []byte
	// BlockSize is the largest block, in bytes. Default 1 MiB. Larger blocks mean fewer
	// files and fsyncs; smaller ones mean finer deduplication and striping.
	BlockSize int
	// InlineLimit is the largest object, in bytes, kept inside its version record
	// instead of in blocks. Default 16 KiB; at most BlockSize. Inlining saves a file and
	// an fsync per small object, at the cost of a larger index.
	InlineLimit int
	// MinPartSize is the smallest part other than the last that a multipart upload may
	// complete with. Default 5 MiB, as in S3.
	MinPartSize int64
	// PipelineDepth is how many blocks of one upload are hashed and written at once.
	// Default 4. An upload holds about PipelineDepth+1 blocks in memory; a deeper
	// pipeline overlaps more fsyncs (and, in a cluster, round trips).
	PipelineDepth int
	// GCGrace is how long a block file must be both unreferenced and unwritten before
	// the garbage collector removes it. Default 30m. It bounds how long an opened Object
	// stays readable after its key is overwritten or deleted, and must exceed the
	// longest a copy or multipart completion takes between reading a block list and
	// committing it. Shorter reclaims space sooner.
	GCGrace time.Duration
	// GCInterval is the period of the background garbage collection. Default 10m;
	// negative disables it (CollectGarbage still works). An unreferenced block is removed
	// by the first run at least GCGrace after a run first saw it unreferenced, so a
	// deleted object's blocks come back within GCGrace + 2*GCInterval (50m by default),
	// provided every node of every layout version in flight answers the collector
	// (cluster-wide mark, gc_cluster.go). Each run walks the local index and block
	// files and asks every other node to walk its index once.
	GCInterval time.Duration
	// OrphanGrace replaces GCGrace for the blocks a failed write (a bad checksum or
	// signature, a body cut short, a failed quorum) reported orphaned to their owners.
	// Default 2m; the collector then also runs every OrphanGrace/2 while such notes
	// are pending, over those blocks only. It must exceed the longest another write
	// of the same bytes takes between pinning its blocks and committing its record when
	// its coordinator is not a layout member (members report their pins). Shorter
	// returns the space of failed uploads sooner.
	OrphanGrace time.Duration
	// TombstoneGrace is how long a delete's tombstone stays in the index before the
	// garbage collector drops it. Default 24h. It must exceed the time a lagging owner
	// may take to catch up (anti-entropy), or a delete could be undone by an older copy.
	TombstoneGrace time.Duration
	// Layout returns the current data placement, for a store that never sees two
	// layout versions at once. Ignored when Layouts is set. Default: a single-node
	// layout of NodeID with replication 1 and layout.DefaultPartitions partitions.
	Layout func() *layout.Layout
	// Layouts returns the layout versions in flight, newest first: the current layout
	// and every older one whose data is still being synced to it (meta.Layouts). Writes
	// go to the newest version's owners; reads and listings need a quorum of the owners
	// of every version returned. All versions must have the same partition count. An
	// empty answer (no layout yet) fails operations with ErrNoQuorum. Default: Layout.
	Layouts func() []*layout.Layout
	// OnLayoutSynced is called once this node holds everything it owns under layout
	// version (pulled from a quorum of the owners of every older version in flight),
	// so the older versions can be retired once every node has said so. The wiring
	// passes meta.AckLayoutSync; an error is retried on the next sync round. Default:
	// nothing.
	OnLayoutSynced func(ctx context.Context, version uint64) error
	// Replicas reaches the owner replicas of other nodes (the local node always uses
	// the in-process replica), usually RemoteReplicas over the cluster transport.
	// Default: none, so a layout naming another node fails those owners' operations.
	Replicas func(layout.NodeID) (Replica, error)
	// RPCTimeout bounds each call to one owner, so a node that is down or hung costs
	// a request at most this long: a stopped node fails at once (connection refused),
	// a hung one after RPCTimeout. Default 10s. Shorter fails faster when a node hangs;
	// it must still cover writing one block to a slow disk across the network.
	RPCTimeout time.Duration
	// SyncInterval is the period of anti-entropy: comparing, with the other owners,
	// the records and blocks of every partition this node holds, and copying what is
	// missing or older. A round also runs at startup, at once when the newest layout
	// version changes, and on TriggerSync. Default 1m; negative disables the
	// background rounds (SyncNow still works). Each round reads the whole local index
	// and lists the block files, so a shorter period costs I/O for faster repair.
	SyncInterval time.Duration
	// ScrubInterval is the pause between two passes of the scrubber, which reads every
	// local block file and checks it against its SHA-256 (reads check only a fast
	// checksum), quarantining and repairing a bad copy. Default 24h; negative disables
	// it (Scrub still works). Shorter finds damage sooner, at the cost of reading the
	// whole disk more often.
	ScrubInterval time.Duration
	// UsageMaxAge is how long Counts (the node's object, block and per-bucket usage
	// figures) reuses a measurement before walking the index and the block
	// directory again. Default 1m; negative measures on every call. Shorter gives
	// fresher usage in the admin API and the metrics at the cost of more full walks.
	UsageMaxAge time.Duration
	// ScrubRate is the most bytes a second the scrubber reads. Default 32 MiB/s;
	// negative means no limit. Higher finishes a pass sooner and takes more of the
	// disk's bandwidth from requests.
	ScrubRate int64
	// Clock stamps versions. Default: a new clock reading Now. Share the node's clock so
	// that timestamps observed from peers order later local writes.
	Clock *hlc.Clock
	// Now reads wall time for the garbage collector's grace periods. Default time.Now.
	Now func() time.Time
	// SiteID returns this node's site id (its cluster's id). It orders a version
	// site sync brought with its original time against the key's other versions
	// at an exact HLC tie, by site (replicaNode). Default: none (""), which orders
	// every such version after this site's own at a tie.
	SiteID func() string
	// Logger receives the store's logs, tagged component=blob. Default slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the defaults for everything but NodeID and Dir.
func DefaultConfig() Config {
	return Config{
		BlockSize:      1 << 20,
		InlineLimit:    16 << 10,
		MinPartSize:    5 << 20,
		PipelineDepth:  4,
		GCGrace:        30 * time.Minute,
		GCInterval:     10 * time.Minute,
		OrphanGrace:    2 * time.Minute,
		TombstoneGrace: 24 * time.Hour,
		RPCTimeout:     10 * time.Second,
		SyncInterval:   time.Minute,
		ScrubInterval:  24 * time.Hour,
		ScrubRate:      32 << 20,
		UsageMaxAge:    time.Minute,
	}
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.BlockSize == 0 {
		c.BlockSize = d.BlockSize
	}
	if c.InlineLimit == 0 {
		c.InlineLimit = min(d.InlineLimit, c.BlockSize)
	}
	if c.MinPartSize == 0 {
		c.MinPartSize = d.MinPartSize
	}
	if c.PipelineDepth == 0 {
		c.PipelineDepth = d.PipelineDepth
	}
	if c.GCGrace == 0 {
		c.GCGrace = d.GCGrace
	}
	if c.GCInterval == 0 {
		c.GCInterval = d.GCInterval
	}
	if c.OrphanGrace == 0 {
		c.OrphanGrace = d.OrphanGrace
	}
	if c.TombstoneGrace == 0 {
		c.TombstoneGrace = d.TombstoneGrace
	}
	if c.RPCTimeout == 0 {
		c.RPCTimeout = d.RPCTimeout
	}
	if c.SyncInterval == 0 {
		c.SyncInterval = d.SyncInterval
	}
	if c.ScrubInterval == 0 {
		c.ScrubInterval = d.ScrubInterval
	}
	if c.ScrubRate == 0 {
		c.ScrubRate = d.ScrubRate
	}
	if c.UsageMaxAge == 0 {
		c.UsageMaxAge = d.UsageMaxAge
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Clock == nil {
		c.Clock = hlc.New(c.Now)
	}
	if c.SiteID == nil {
		c.SiteID = func() string { return "" }
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports what is wrong with c. Zero fields count as their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("NodeID is required"))
	}
	if n := len(c.EncryptionKey); n != 0 && n != sse.KeySize {
		errs = append(errs, fmt.Errorf("EncryptionKey must be %d bytes, got %d", sse.KeySize, n))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("Dir is required"))
	}
	if c.BlockSize <= 0 {
		errs = append(errs, fmt.Errorf("BlockSize %d must be positive", c.BlockSize))
	}
	if c.InlineLimit < 0 || c.InlineLimit > c.BlockSize {
		errs = append(errs, fmt.Errorf("InlineLimit %d must be within 0..BlockSize", c.InlineLimit))
	}
	if c.MinPartSize < 0 {
		errs = append(errs, fmt.Errorf("MinPartSize %d must not be negative", c.MinPartSize))
	}
	if c.PipelineDepth < 0 {
		errs = append(errs, fmt.Errorf("PipelineDepth %d must not be negative", c.PipelineDepth))
	}
	if c.GCGrace < 0 || c.TombstoneGrace < 0 || c.OrphanGrace < 0 {
		errs = append(errs, errors.New("GCGrace, OrphanGrace and TombstoneGrace must not be negative"))
	}
	if c.RPCTimeout < 0 {
		errs = append(errs, fmt.Errorf("RPCTimeout %s must not be negative", c.RPCTimeout))
	}
	if c.BlockSize > maxBlockSize {
		errs = append(errs, fmt.Errorf("BlockSize %d exceeds %d, the largest block a node-to-node request carries", c.BlockSize, maxBlockSize))
	}
	if len(errs) > 0 {
		return fmt.Errorf("blob: config: %w", errors.Join(errs...))
	}
	return nil
}
