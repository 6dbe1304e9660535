package blob

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/index"
)

// Counts are this node's local copies: what it holds, not what the cluster holds.
type Counts struct {
	// Objects are live version records (tombstones excluded) in the partitions this
	// node holds.
	Objects int64
	// Tombstones are delete records not yet collected.
	Tombstones int64
	// Blocks and BlockBytes are the block files on this node's disk.
	Blocks     int64
	BlockBytes int64
	// IndexBytes is the size of the version index's files (records, inline data).
	IndexBytes int64
	// Buckets is what each bucket holds in each partition this node has records
	// of, from the same walk of the index (see ClusterBucketUsage).
	Buckets index.PartitionUsage `json:",omitempty"`
	// MeasuredAt is when the figures were taken; they may be up to Config.UsageMaxAge old.
	MeasuredAt time.Time
}

// countsCache keeps the last measurement.
type countsCache struct {
	mu   sync.Mutex
	last Counts
}

// Counts returns this node's object and block counts, measured at most
// Config.UsageMaxAge ago (counting walks the whole local index and block directory,
// too costly for every admin request or scrape).
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	now := s.cfg.Now()
	if !s.counts.last.MeasuredAt.IsZero() && now.Sub(s.counts.last.MeasuredAt) < s.cfg.UsageMaxAge {
		return s.counts.last, nil
	}
	ix, err := s.idx.Stats(ctx)
	if err != nil {
		return Counts{}, err
	}
	bs, err := s.blocks.Stats()
	if err != nil {
		return Counts{}, err
	}
	ib, err := fileBytes(filepath.Join(s.cfg.Dir, "index.db"))
	if err != nil {
		return Counts{}, err
	}
	s.counts.last = Counts{
		Objects: int64(ix.Versions - ix.Tombstones), Tombstones: int64(ix.Tombstones),
		Blocks: bs.Count, BlockBytes: bs.Bytes, IndexBytes: ib, Buckets: ix.Usage, MeasuredAt: now,
	}
	return s.counts.last, nil
}
