package blob

import (
	"context"
	"errors"
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
// The mark reads only this node's index, so the sweep runs only when this node holds
// every partition (a one-node layout); a cluster needs a cluster-wide mark first.
// Tombstones are collected in a cluster too, but only once every owner holds them
// (tombstoneCutoff).

// gcState is what collections remember between runs.
type gcState struct {
	mu    sync.Mutex             // one collection at a time
	since map[[32]byte]time.Time // unreferenced blocks, by when a run first saw them so
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

// gcLoop runs CollectGarbage every GCInterval until ctx ends.
func (s *Store) gcLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.collectGarbage(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("garbage collection failed", "error", err)
		}
	}
}

// CollectGarbage runs one garbage collection now: it removes the block files no
// record or part references (within the rules of the grace period, GCGrace) and the
// tombstones older than TombstoneGrace, and returns how many blocks it removed. The
// background collector calls it every GCInterval.
func (s *Store) CollectGarbage(ctx context.Context) (removed int, err error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	return s.collectGarbage(ctx)
}

func (s *Store) collectGarbage(ctx context.Context) (removed int, err error) {
	s.gc.mu.Lock()
	defer s.gc.mu.Unlock()
	start := time.Now()
	now := s.cfg.Now()
	pl, err := s.placement()
	if err != nil {
		return 0, err
	}
	tombs, err := s.idx.CollectTombstonesFunc(ctx, s.tombstoneCutoff(pl, now))
	if err != nil {
		return 0, err
	}
	if !s.alone(pl) {
		s.log.Debug("block sweep skipped: the mark needs every partition", "tombstones_removed", tombs)
		return 0, nil
	}

	s.pins.begin()
	defer s.pins.end()
	marked := map[[32]byte]struct{}{}
	if err := s.idx.WalkBlockRefs(ctx, func(h [32]byte) { marked[h] = struct{}{} }); err != nil {
		return 0, err
	}
	cutoff := now.Add(-s.cfg.GCGrace)
	since := map[[32]byte]time.Time{}
	var kept int
	err = s.blocks.Walk(func(b block.Info) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := marked[b.Hash]; ok {
			return nil
		}
		first, seen := s.gc.since[b.Hash]
		if !seen {
			first = now
		}
		if first.After(cutoff) {
			since[b.Hash] = first
			kept++
			return nil
		}
		gone, err := s.pins.sweep(b.Hash, func() (bool, error) { return s.deleteLocalBlockIfOlder(b.Hash, cutoff) })
		if err != nil {
			return err
		}
		if gone {
			removed++
		} else {
			since[b.Hash] = first
			kept++
		}
		return nil
	})
	if err != nil && !errors.Is(err, ctx.Err()) {
		return removed, err
	}
	if err == nil {
		// Only a complete walk may forget: a block it did not reach keeps its date.
		s.gc.since = since
	}
	s.log.Info("garbage collected",
		"blocks_referenced", len(marked), "blocks_removed", removed, "blocks_waiting", kept,
		"tombstones_removed", tombs, "duration", time.Since(start))
	return removed, err
}
