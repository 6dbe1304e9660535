package node

import (
	"time"

	"github.com/cairnstore/cairn/blob"
)

// Tuning holds the object layer's and S3 API's tunables that an operator may set.
// Its fields are part of Config; zero fields keep the defaults of blob.DefaultConfig
// and s3api.DefaultConfig, where each field's unit and trade-off is described.
type Tuning struct {
	// MaxObjectSize is the largest single PUT or part, in bytes. Default 5 GiB.
	// Flag --max-object-size.
	MaxObjectSize int64
	// InlineLimit is the largest object, in bytes, kept inside its version record.
	// Default 16 KiB. Flag --inline-limit.
	InlineLimit int
	// PipelineDepth is how many blocks of one upload are written at once. Default 4.
	// Flag --pipeline-depth.
	PipelineDepth int
	// GCGrace, GCInterval, OrphanGrace and TombstoneGrace tune the garbage collector.
	// Defaults 30m, 10m, 2m and 24h. Flags --gc-grace, --gc-interval, --orphan-grace,
	// --tombstone-grace.
	GCGrace        time.Duration
	GCInterval     time.Duration
	OrphanGrace    time.Duration
	TombstoneGrace time.Duration
	// BlobRPCTimeout bounds each call to another node's object store. Default 10s.
	// Flag --rpc-timeout.
	BlobRPCTimeout time.Duration
	// SyncInterval is the period of anti-entropy. Default 1m. Flag --sync-interval.
	SyncInterval time.Duration
	// ScrubInterval is the pause between two passes of the block scrubber; negative
	// turns it off. Default 24h. Flag --scrub-interval.
	ScrubInterval time.Duration
	// ScrubRate is the most bytes a second the scrubber reads; negative means no
	// limit. Default 32 MiB/s. Flag --scrub-rate.
	ScrubRate int64
	// LifecycleInterval is the time between the starts of two lifecycle runs;
	// negative turns the engine off. Default 1h. Flag --lifecycle-interval.
	LifecycleInterval time.Duration
	// LifecycleDay is the length of a lifecycle "day" in rules (Days 1 = one
	// LifecycleDay). Default 24h, as in S3; shorten it only for tests and
	// demonstrations. Flag --lifecycle-day.
	LifecycleDay time.Duration
	// UsageMaxAge is how long the node reuses its usage figures (objects, blocks,
	// per-bucket usage) before counting again. Default 1m. Flag --usage-max-age.
	UsageMaxAge time.Duration
}

// apply sets the non-zero fields of t on the object layer's config.
func (t Tuning) apply(c *blob.Config) {
	set := func(dst *time.Duration, v time.Duration) {
		if v != 0 {
			*dst = v
		}
	}
	if t.InlineLimit != 0 {
		c.InlineLimit = t.InlineLimit
	}
	if t.PipelineDepth != 0 {
		c.PipelineDepth = t.PipelineDepth
	}
	set(&c.GCGrace, t.GCGrace)
	set(&c.GCInterval, t.GCInterval)
	set(&c.OrphanGrace, t.OrphanGrace)
	set(&c.TombstoneGrace, t.TombstoneGrace)
	set(&c.RPCTimeout, t.BlobRPCTimeout)
	set(&c.SyncInterval, t.SyncInterval)
	set(&c.ScrubInterval, t.ScrubInterval)
	set(&c.UsageMaxAge, t.UsageMaxAge)
	if t.ScrubRate != 0 {
		c.ScrubRate = t.ScrubRate
	}
}
