package blob

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// The scrubber is the background check of every local block against the SHA-256 that
// names it: reads check only the block's fast checksum (see block/trailer.go), which
// catches what the disk does to a block after it was written, while the scrub also
// catches a block stored under the wrong name. A copy that fails is quarantined, as a
// read does, and replaced with a good copy from another owner. A pass reads at most
// ScrubRate bytes a second, so it does not compete with requests for the disk.
//
// A pass also checks the inline bytes of every version record in the local index
// (every version of every key): a bad copy is replaced with the record from another
// owner of its partition, as a read repair would. (Anti-entropy also notices a bad
// inline copy, since it drops out of the node's digest; the scrub finds it even
// where a partition's digests agree for another reason, and reports it.)
//
// A dry run reports what a pass finds and changes nothing: no quarantine, no repair,
// no trailer added to an old block file.

// A block file written before blocks carried their trailer gets it from the scrub
// that finds it good, so that reads check it the fast way from then on.

// ScrubResult counts what one pass of the scrubber found.
type ScrubResult struct {
	Start      time.Time     `json:"start"`
	Duration   time.Duration `json:"durationNs"`
	DryRun     bool          `json:"dryRun"`
	Checked    int           `json:"blocksChecked"`    // blocks read and hashed
	Bytes      int64         `json:"bytesChecked"`     // bytes read
	Corrupt    int           `json:"blocksCorrupt"`    // blocks that failed the check (quarantined unless a dry run)
	Repaired   int           `json:"blocksRepaired"`   // of those, blocks replaced with a good copy from another owner
	Unrepaired int           `json:"blocksUnrepaired"` // of those, blocks no other owner had a good copy of

	InlineChecked    int `json:"inlineChecked"`    // version records checked (inline bytes where present)
	InlineCorrupt    int `json:"inlineCorrupt"`    // of those, records whose inline bytes failed
	InlineRepaired   int `json:"inlineRepaired"`   // of those, replaced from another owner
	InlineUnrepaired int `json:"inlineUnrepaired"` // of those, no other owner had a good copy

	Error string `json:"error,omitempty"`
}

// scrubState is what the scrubber remembers between passes.
type scrubState struct {
	mu    sync.Mutex // one pass at a time
	resMu sync.Mutex
	last  ScrubResult
	total ScrubResult // summed over passes since Open (Start, Duration, DryRun unused)
}

// LastScrub returns the result of the latest scrub pass (zero before the first).
func (s *Store) LastScrub() ScrubResult {
	s.gc.scrubs.resMu.Lock()
	defer s.gc.scrubs.resMu.Unlock()
	return s.gc.scrubs.last
}

// ScrubTotals returns the scrubber's findings summed over every pass since Open but
// dry runs, for metrics.
func (s *Store) ScrubTotals() ScrubResult {
	s.gc.scrubs.resMu.Lock()
	defer s.gc.scrubs.resMu.Unlock()
	return s.gc.scrubs.total
}

func (s *Store) recordScrub(r ScrubResult) {
	s.gc.scrubs.resMu.Lock()
	defer s.gc.scrubs.resMu.Unlock()
	s.gc.scrubs.last = r
	if r.DryRun {
		return
	}
	t := &s.gc.scrubs.total
	t.Checked += r.Checked
	t.Bytes += r.Bytes
	t.Corrupt += r.Corrupt
	t.Repaired += r.Repaired
	t.Unrepaired += r.Unrepaired
	t.InlineChecked += r.InlineChecked
	t.InlineCorrupt += r.InlineCorrupt
	t.InlineRepaired += r.InlineRepaired
	t.InlineUnrepaired += r.InlineUnrepaired
}

// scrubLoop runs a pass every ScrubInterval until ctx ends.
func (s *Store) scrubLoop(ctx context.Context) {
	every(ctx, s.cfg.ScrubInterval, func() {
		if _, err := s.scrub(ctx, false); err != nil && ctx.Err() == nil {
			s.log.Error("scrub failed", "error", err)
		}
	})
}

// Scrub runs one pass of the scrubber now, at the configured rate, and returns what
// it found. The background scrubber runs it every ScrubInterval.
func (s *Store) Scrub(ctx context.Context) (ScrubResult, error) {
	return s.RunScrub(ctx, false)
}

// RunScrub runs one pass now; with dryRun it only reports what it finds.
func (s *Store) RunScrub(ctx context.Context, dryRun bool) (ScrubResult, error) {
	if err := s.enter(); err != nil {
		return ScrubResult{}, err
	}
	defer s.leave()
	return s.scrub(ctx, dryRun)
}

// scrub runs one pass, records its result and logs it.
func (s *Store) scrub(ctx context.Context, dryRun bool) (ScrubResult, error) {
	s.gc.scrubs.mu.Lock()
	defer s.gc.scrubs.mu.Unlock()
	res := ScrubResult{Start: s.cfg.Now(), DryRun: dryRun}
	start := time.Now()
	err := s.scrubBlocks(ctx, &res)
	if err == nil {
		err = s.scrubInline(ctx, &res)
	}
	res.Duration = time.Since(start)
	if err != nil {
		res.Error = err.Error()
	}
	s.recordScrub(res)
	s.log.Info("scrub pass done", "dry_run", dryRun, "blocks", res.Checked, "bytes", res.Bytes,
		"corrupt", res.Corrupt, "repaired", res.Repaired, "inline_checked", res.InlineChecked,
		"inline_corrupt", res.InlineCorrupt, "inline_repaired", res.InlineRepaired, "duration", res.Duration)
	return res, err
}

func (s *Store) scrubBlocks(ctx context.Context, res *ScrubResult) error {
	var hashes [][32]byte
	if err := s.blocks.Walk(func(i block.Info) error {
		hashes = append(hashes, i.Hash)
		return ctx.Err()
	}); err != nil {
		return err
	}
	buf := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(buf)
	start := time.Now()
	for _, h := range hashes {
		if err := ctx.Err(); err != nil {
			return err
		}
		var n int64
		var err error
		if res.DryRun {
			err = s.blocks.Verify(h, *buf)
			if err == nil || errors.Is(err, block.ErrCorrupt) {
				if st, serr := s.blocks.Stat(h); serr == nil {
					n = st.Size
				}
			}
		} else {
			n, err = s.blocks.Scrub(h, *buf)
		}
		if errors.Is(err, block.ErrNotFound) {
			continue // removed since the walk
		}
		res.Checked++
		res.Bytes += n
		switch {
		case errors.Is(err, block.ErrCorrupt):
			res.Corrupt++
			if res.DryRun {
				s.log.Warn("scrub (dry run): bad block copy", "block", hexHash(h))
				break
			}
			s.local.quarantine(h)
			if s.repairLocalBlock(ctx, h) {
				res.Repaired++
			} else {
				res.Unrepaired++
			}
		case err != nil:
			return err
		}
		if err := s.pace(ctx, start, res.Bytes); err != nil {
			return err
		}
	}
	return nil
}

// pace waits until reading done bytes since start keeps within ScrubRate.
func (s *Store) pace(ctx context.Context, start time.Time, done int64) error {
	if s.cfg.ScrubRate <= 0 {
		return nil
	}
	due := start.Add(time.Duration(float64(done) / float64(s.cfg.ScrubRate) * float64(time.Second)))
	wait := time.Until(due)
	if wait <= 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// repairLocalBlock fetches a good copy of block h from another of its owners and
// stores it here; it reports whether it did.
func (s *Store) repairLocalBlock(ctx context.Context, h [32]byte) bool {
	pl, err := s.placement()
	if err != nil {
		return false
	}
	rs := s.readSet(pl, pl.l.BlockPartition(h))
	me := layout.NodeID(s.cfg.NodeID)
	for _, o := range rs.nodes {
		if o.err != nil || o.id == me {
			continue
		}
		data, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) ([]byte, error) { return o.rep.GetBlock(ctx, h, nil) })
		if err != nil || block.Sum(data) != h {
			continue
		}
		if err := s.putLocalBlock(h, data); err != nil {
			s.log.Error("scrub: storing a good copy failed", "block", hexHash(h), "error", err)
			return false
		}
		s.log.Info("scrub: replaced a bad block copy", "block", hexHash(h), "from", o.id)
		return true
	}
	s.log.Error("scrub: no other owner has a good copy of a bad block", "block", hexHash(h))
	return false
}

// scrubInline checks the inline bytes of every local version record and repairs a bad
// copy from another owner of its partition.
func (s *Store) scrubInline(ctx context.Context, res *ScrubResult) error {
	var bad []index.InlineRef
	n, err := s.idx.ScanInline(ctx, func(r index.InlineRef) { bad = append(bad, r) })
	res.InlineChecked += n
	if err != nil {
		return err
	}
	for _, r := range bad {
		res.InlineCorrupt++
		if res.DryRun {
			s.log.Warn("scrub (dry run): bad inline copy", "bucket", r.Bucket, "key", r.Key, "hlc", r.HLC)
			continue
		}
		if s.repairLocalRecord(ctx, r) {
			res.InlineRepaired++
		} else {
			res.InlineUnrepaired++
		}
	}
	return nil
}

// repairLocalRecord stores here the record of r's key from another owner of its
// partition, if that owner has a good copy of the same version or a newer one (which
// supersedes the bad copy); it reports whether it did.
func (s *Store) repairLocalRecord(ctx context.Context, r index.InlineRef) bool {
	pl, err := s.placement()
	if err != nil {
		return false
	}
	rs := s.readSet(pl, r.Partition)
	me := layout.NodeID(s.cfg.NodeID)
	for _, o := range rs.nodes {
		if o.err != nil || o.id == me {
			continue
		}
		rec, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) (index.Record, error) {
			return o.rep.GetRecord(ctx, r.Partition, r.Bucket, r.Key)
		})
		if err != nil || rec.HLC < r.HLC {
			continue
		}
		if err := s.local.PutRecord(ctx, 0, r.Partition, rec); err != nil {
			s.log.Error("scrub: storing a good record failed", "bucket", r.Bucket, "key", r.Key, "error", err)
			return false
		}
		s.log.Info("scrub: replaced a bad inline copy", "bucket", r.Bucket, "key", r.Key, "from", o.id)
		return true
	}
	s.log.Error("scrub: no other owner has a good copy of a bad inline record", "bucket", r.Bucket, "key", r.Key)
	return false
}
