package blob

import (
	"context"
	"sync"
	"time"
)

// countsMaxAge is how long Counts reuses a measurement: counting walks the whole
// local index and block directory, too costly for every admin request.
const countsMaxAge = time.Minute

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
	// MeasuredAt is when the figures were taken; they may be up to a minute old.
	MeasuredAt time.Time
}

// countsCache keeps the last measurement.
type countsCache struct {
	mu   sync.Mutex
	last Counts
}

// Counts returns this node's object and block counts, measured at most a minute ago.
func (s *Store) Counts(ctx context.Context) (Counts, error) {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	now := s.cfg.Now()
	if !s.counts.last.MeasuredAt.IsZero() && now.Sub(s.counts.last.MeasuredAt) < countsMaxAge {
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
	s.counts.last = Counts{
		Objects: int64(ix.Versions - ix.Tombstones), Tombstones: int64(ix.Tombstones),
		Blocks: bs.Count, BlockBytes: bs.Bytes, MeasuredAt: now,
	}
	return s.counts.last, nil
}
