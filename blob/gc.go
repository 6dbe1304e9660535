package blob

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/block"
)

// Garbage collection is mark and sweep. Mark: every block that a version record or a
// part references, read from the local index. Sweep: every other block file is removed
// once all of these hold:
//
//   - a collection at least GCGrace ago already found it unreferenced, and every
//     collection since did too (gcState.since), so an Object opened before its key
//     was overwritten stays readable for GCGrace;
//   - its file was not written or re-Put within GCGrace (block.DeleteIfOlder), so a
//     block just written for a record not yet committed is kept;
//   - no write in flight has it pinned (pinSet): uploads, copies and completions pin
//     their blocks from before they write them until their record is committed, and a
//     pin released while a collection runs holds until that collection ends, so a
//     record committed behind the mark is never swept from under.
//
// In a cluster the local mark is not enough: the records that reference a block live
// on other nodes. The candidates are then checked with every node of every layout
// version in flight (gc_cluster.go), and any missing answer cancels the sweep.
// Tombstones are collected in a cluster too, but only once every owner holds them
// (tombstoneCutoff).

// gcState is what collections remember between runs.
type gcState struct {
	mu      sync.Mutex             // one collection at a time
	since   map[[32]byte]time.Time // unreferenced blocks, by when a run first saw them so
	orphans orphanNotes            // blocks failed writes reported (gc_cluster.go)

	lastMu sync.Mutex
	last   GCResult
	total  GCTotals

	scrubs scrubState // the scrubber's, kept here to leave Store's fields alone
}

// GCResult is what one garbage collection did.
type GCResult struct {
	Start          time.Time     `json:"start"`
	Duration       time.Duration `json:"durationNs"`
	OrphansOnly    bool          `json:"orphansOnly"`            // a run over reported orphans only
	DryRun         bool          `json:"dryRun"`                 // found, removed nothing
	Candidates     int           `json:"candidates"`             // local blocks this node's index does not reference
	Referenced     int           `json:"referencedElsewhere"`    // of those, referenced by another node
	BlocksRemoved  int           `json:"blocksRemoved"`          // (or, in a dry run, removable)
	BytesFreed     int64         `json:"bytesFreed"`             // (or, in a dry run, freeable)
	BlocksWaiting  int           `json:"blocksWaiting"`          // unreferenced, within their grace
	TombstonesGone int           `json:"tombstonesRemoved"`      // tombstones dropped
	SweepSkipped   string        `json:"sweepSkipped,omitempty"` // why no block was swept, if so
	Error          string        `json:"error,omitempty"`
}

// GCTotals counts what every collection since Open did, dry runs excluded, for metrics.
type GCTotals struct {
	Runs          int64 `json:"runs"`
	BlocksRemoved int64 `json:"blocksRemoved"`
	BytesFreed    int64 `json:"bytesFreed"`
	SweepsSkipped int64 `json:"sweepsSkipped"`
}

// LastGC returns the result of the latest garbage collection (zero before the first).
func (s *Store) LastGC() GCResult {
	s.gc.lastMu.Lock()
	defer s.gc.lastMu.Unlock()
	return s.gc.last
}

// GCTotals returns the collector's counters since Open.
func (s *Store) GCTotals() GCTotals {
	s.gc.lastMu.Lock()
	defer s.gc.lastMu.Unlock()
	return s.gc.total
}

func (s *Store) recordGC(r GCResult) {
	s.gc.lastMu.Lock()
	defer s.gc.lastMu.Unlock()
	s.gc.last = r
	if r.DryRun {
		return
	}
	s.gc.total.Runs++
	s.gc.total.BlocksRemoved += int64(r.BlocksRemoved)
	s.gc.total.BytesFreed += r.BytesFreed
	if r.SweepSkipped != "" {
		s.gc.total.SweepsSkipped++
	}
}

// pinSet counts the writes in flight that reference each block.
type pinSet struct {
	mu     sync.Mutex
	n      map[[32]byte]int
	active bool                  // a collection is running
	held   map[[32]byte]struct{} // pins released during the running collection
}

func (ps *pinSet) pin(hashes ...[32]byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, h := range hashes {
		ps.n[h]++
	}
}

func (ps *pinSet) unpin(hashes ...[32]byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, h := range hashes {
		if ps.n[h]--; ps.n[h] <= 0 {
			delete(ps.n, h)
		}
		if ps.active {
			ps.held[h] = struct{}{}
		}
	}
}

// begin marks the start of a collection, before its mark phase.
func (ps *pinSet) begin() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.active, ps.held = true, map[[32]byte]struct{}{}
}

// end marks the end of a collection.
func (ps *pinSet) end() {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.active, ps.held = false, nil
}

// sweep runs del for h unless h is pinned or held, atomically with respect to pin.
func (ps *pinSet) sweep(h [32]byte, del func() (bool, error)) (bool, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if _, held := ps.held[h]; held || ps.n[h] > 0 {
		return false, nil
	}
	return del()
}

// gcLoop runs a full collection every GCInterval and, while failed writes have
// reported orphans, a collection over those only every OrphanGrace/2, until ctx ends.
func (s *Store) gcLoop(ctx context.Context) {
	full := time.NewTicker(s.cfg.GCInterval)
	defer full.Stop()
	orphans := time.NewTicker(max(s.cfg.OrphanGrace/2, 10*time.Millisecond))
	defer orphans.Stop()
	for {
		var opt gcOptions
		select {
		case <-ctx.Done():
			return
		case <-full.C:
		case <-orphans.C:
			if len(s.gc.orphans.list()) == 0 {
				continue
			}
			opt.orphansOnly = true
		}
		if r := s.collectGarbage(ctx, opt); r.Error != "" && ctx.Err() == nil {
			s.log.Error("garbage collection failed", "error", r.Error)
		}
	}
}

// every calls fn every period, the first time one period from now, until ctx ends.
func every(ctx context.Context, period time.Duration, fn func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn()
	}
}

// gcOptions shape one collection.
type gcOptions struct {
	dryRun      bool // report, remove nothing, remember nothing
	orphansOnly bool // consider only blocks failed writes reported
}

// CollectGarbage runs one garbage collection now: it removes the block files no
// record or part on any node references (within the rules of the grace periods,
// GCGrace and OrphanGrace) and the tombstones older than TombstoneGrace, and returns
// how many blocks it removed. The background collector calls it every GCInterval.
func (s *Store) CollectGarbage(ctx context.Context) (removed int, err error) {
	r, err := s.RunGC(ctx, false)
	return r.BlocksRemoved, err
}

// RunGC runs one full garbage collection now and returns what it did; with dryRun
// it only reports what it would remove (tombstones are left too).
func (s *Store) RunGC(ctx context.Context, dryRun bool) (GCResult, error) {
	if err := s.enter(); err != nil {
		return GCResult{}, err
	}
	defer s.leave()
	r := s.collectGarbage(ctx, gcOptions{dryRun: dryRun})
	if r.Error != "" {
		return r, errors.New(r.Error)
	}
	return r, nil
}

func (s *Store) collectGarbage(ctx context.Context, opt gcOptions) GCResult {
	s.gc.mu.Lock()
	defer s.gc.mu.Unlock()
	r := GCResult{Start: s.cfg.Now(), OrphansOnly: opt.orphansOnly, DryRun: opt.dryRun}
	start := time.Now()
	err := s.collect(ctx, opt, &r)
	r.Duration = time.Since(start)
	if err != nil {
		r.Error = err.Error()
	}
	s.recordGC(r)
	s.log.Info("garbage collected",
		"orphans_only", r.OrphansOnly, "dry_run", r.DryRun, "candidates", r.Candidates,
		"referenced_elsewhere", r.Referenced, "blocks_removed", r.BlocksRemoved,
		"bytes_freed", r.BytesFreed, "blocks_waiting", r.BlocksWaiting,
		"tombstones_removed", r.TombstonesGone, "sweep_skipped", r.SweepSkipped,
		"duration", r.Duration)
	return r
}

func (s *Store) collect(ctx context.Context, opt gcOptions, r *GCResult) error {
	now := r.Start
	pl, err := s.placement()
	if err != nil {
		return err
	}
	if !opt.dryRun && !opt.orphansOnly {
		if r.TombstonesGone, err = s.idx.CollectTombstonesFunc(ctx, s.tombstoneCutoff(pl, now)); err != nil {
			return err
		}
	}

	s.pins.begin()
	defer s.pins.end()
	// Mark: every record and part of the local index, every version of every key.
	marked := map[[32]byte]struct{}{}
	if err := s.idx.WalkBlockRefs(ctx, func(h [32]byte) { marked[h] = struct{}{} }); err != nil {
		return err
	}
	// Candidates: the local blocks it does not reference.
	var cands []block.Info
	consider := func(b block.Info) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := marked[b.Hash]; ok {
			s.gc.orphans.forget(b.Hash) // something references it after all
			return nil
		}
		cands = append(cands, b)
		return nil
	}
	if opt.orphansOnly {
		for _, h := range s.gc.orphans.list() {
			b, err := s.blocks.Stat(h)
			if errors.Is(err, block.ErrNotFound) {
				s.gc.orphans.forget(h)
				continue
			}
			if err != nil {
				return err
			}
			if err := consider(b); err != nil {
				return err
			}
		}
	} else if err := s.blocks.Walk(consider); err != nil {
		return err
	}
	r.Candidates = len(cands)
	// Cluster-wide mark: every other node of every layout version in flight.
	if !s.alone(pl) && len(cands) > 0 {
		hs := make([][32]byte, len(cands))
		for i, b := range cands {
			hs[i] = b.Hash
		}
		refs, err := s.clusterRefs(ctx, pl, hs)
		if err != nil {
			r.SweepSkipped = err.Error()
			s.log.Warn("block sweep skipped", "error", err)
			return nil // no proof, no sweep, and the grace clocks stand still
		}
		r.Referenced = len(refs)
		cands = slices.DeleteFunc(cands, func(b block.Info) bool {
			if _, ok := refs[b.Hash]; ok {
				s.gc.orphans.forget(b.Hash)
				return true
			}
			return false
		})
	}
	// Sweep.
	since := map[[32]byte]time.Time{}
	for _, b := range cands {
		first, seen := s.gc.since[b.Hash]
		if !seen {
			first = now
		}
		grace := s.cfg.GCGrace
		if _, orphan := s.gc.orphans.get(b.Hash); orphan {
			grace = min(grace, s.cfg.OrphanGrace)
		}
		cutoff := now.Add(-grace)
		if first.After(cutoff) {
			since[b.Hash] = first
			r.BlocksWaiting++
			continue
		}
		if opt.dryRun {
			r.BlocksRemoved++
			r.BytesFreed += b.Size
			since[b.Hash] = first
			continue
		}
		gone, err := s.pins.sweep(b.Hash, func() (bool, error) { return s.deleteLocalBlockIfOlder(b.Hash, cutoff) })
		if err != nil {
			return err
		}
		if gone {
			r.BlocksRemoved++
			r.BytesFreed += b.Size
			s.gc.orphans.forget(b.Hash)
		} else {
			since[b.Hash] = first
			r.BlocksWaiting++
		}
	}
	switch {
	case opt.dryRun:
	case opt.orphansOnly:
		// Only the orphans were looked at: the other blocks keep their dates.
		for _, b := range cands {
			delete(s.gc.since, b.Hash)
		}
		if s.gc.since == nil {
			s.gc.since = map[[32]byte]time.Time{}
		}
		maps.Copy(s.gc.since, since)
	default:
		s.gc.since = since // a complete walk: a block no longer a candidate forgets its date
	}
	return nil
}
