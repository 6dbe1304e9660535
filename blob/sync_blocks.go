package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// syncBlocks runs the block part of a round: the block partitions this node owns
// under the newest layout with their other owners, and the handoff of the blocks it
// holds but no longer owns.
func (s *Store) syncBlocks(ctx context.Context, pl placement) roundResult {
	var res roundResult
	n := pl.l.Partitions
	inv, err := s.inventory(ctx, n, pl.version())
	if err != nil {
		res.err = fmt.Errorf("list the local blocks: %w", err)
		return res
	}
	me := layout.NodeID(s.cfg.NodeID)
	byPeer := map[layout.NodeID][]int{}
	var owned, handoff []int
	for q := range n {
		switch {
		case ownsNewest(pl, q, me):
			owned = append(owned, q)
			for _, id := range s.peersOf(pl, q) {
				byPeer[id] = append(byPeer[id], q)
			}
		case len(inv.list(q)) > 0:
			handoff = append(handoff, q)
		}
	}

	var mu sync.Mutex
	ok := map[int]map[layout.NodeID]bool{}
	errs := roundErrors{what: "block partitions"}
	var failed atomic.Uint64
	note := func(q int, id layout.NodeID, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs.add(string(id), q, err)
			return
		}
		if ok[q] == nil {
			ok[q] = map[layout.NodeID]bool{}
		}
		ok[q][id] = true
	}
	// Digests first, one call per peer; then the partitions that differ, several at
	// a time, each with its differing peers in turn, so a block the first peer gave
	// is not fetched again from the next.
	mismatched := s.compareDigests(ctx, byPeer, func(ctx context.Context, rep Replica, qs []int) ([]index.Digest, error) {
		return rep.BlockDigests(ctx, pl.version(), n, qs)
	}, func(q int) [32]byte { return inv.digest(q).Sum }, func(q int, id layout.NodeID, same bool, err error) {
		if same || err != nil {
			note(q, id, err)
		}
	})
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	var handoffFailed atomic.Int64
	for _, q := range handoff {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			bad, err := s.handOffBlocks(ctx, pl, inv, q)
			failed.Add(uint64(bad))
			if err != nil {
				handoffFailed.Add(1)
				mu.Lock()
				errs.add("", q, fmt.Errorf("hand off: %w", err))
				mu.Unlock()
			}
		})
	}
	forEachPartition(mismatched, syncParallel, func(q int, peers []peerRep) {
		for _, pr := range peers {
			bad, xerr := s.exchangeBlocks(ctx, pr.rep, n, q, inv.list(q), ownsNewest(pl, q, pr.id))
			failed.Add(uint64(bad))
			note(q, pr.id, xerr)
		}
	})
	wg.Wait()

	res.synced = true
	res.pending = int(handoffFailed.Load())
	for _, q := range owned {
		if !s.pulledQuorum(pl, q, ok[q]) {
			res.synced = false
		}
		for _, id := range s.peersOf(pl, q) {
			if !ok[q][id] {
				res.pending++
				break
			}
		}
	}
	res.blocks = int(failed.Load())
	res.err = errs.err()
	return res
}

// exchangeBlocks brings block partition q of this node (holding ours, sorted) and of
// peer rep in step: it copies here the blocks only the peer has, and (if push) there
// the blocks only this node has. It counts what it copies in the sync totals and
// returns how many blocks it could not copy.
func (s *Store) exchangeBlocks(ctx context.Context, rep Replica, partitions, q int, ours [][32]byte, push bool) (bad int, err error) {
	theirs, err := bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) ([][32]byte, error) { return rep.BlockList(ctx, partitions, q) })
	if err != nil {
		return 0, err
	}
	missing, lacking := diffHashes(ours, theirs)
	bad1, err1 := s.copyBlocks(ctx, missing, &s.sync.blocksPulled, func(ctx context.Context, h [32]byte) (bool, error) {
		if has, err := s.blocks.Has(h); has || err != nil {
			return false, err // another peer gave it since the listing
		}
		data, err := rep.GetBlock(ctx, h, nil)
		if errors.Is(err, block.ErrNotFound) {
			return false, nil // removed there since it listed it
		}
		if err != nil {
			return false, err
		}
		return true, s.putLocalBlock(h, data)
	})
	var bad2 int
	var err2 error
	if push {
		bad2, err2 = s.copyBlocks(ctx, lacking, &s.sync.blocksPushed, func(ctx context.Context, h [32]byte) (bool, error) { return s.pushBlock(ctx, rep, h) })
	}
	return bad1 + bad2, errors.Join(err1, err2)
}

// pushBlock copies a local block to rep and reports whether it did; a block removed
// here since the listing is skipped, and a corrupt one quarantined (a good copy comes
// back from another owner).
func (s *Store) pushBlock(ctx context.Context, rep Replica, h [32]byte) (bool, error) {
	data, err := s.local.GetBlock(ctx, h, nil)
	if errors.Is(err, block.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, rep.PutBlock(ctx, 0, h, data)
}

// copyBlocks runs fn for every hash, blockCopies at a time, each bounded by
// RPCTimeout, adds each block copied (fn reported true) to total at once, and returns
// how many failed and the first few errors.
func (s *Store) copyBlocks(ctx context.Context, hashes [][32]byte, total *atomic.Uint64, fn func(context.Context, [32]byte) (bool, error)) (failed int, err error) {
	if len(hashes) == 0 {
		return 0, nil
	}
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, blockCopies)
	var wg sync.WaitGroup
	started := 0
	for _, h := range hashes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return failed + len(hashes) - started, ctx.Err()
		}
		started++
		wg.Go(func() {
			defer func() { <-sem }()
			copied, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) (bool, error) { return fn(ctx, h) })
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				failed++
				if len(errs) < 3 {
					errs = append(errs, fmt.Errorf("block %s: %w", hexHash(h), err))
				}
			case copied:
				total.Add(1)
			}
		})
	}
	wg.Wait()
	return failed, errors.Join(errs...)
}

// handOffBlocks pushes the blocks this node holds in block partition q, which it does
// not own under the newest layout, to every owner of q under the newest layout, and
// once all of them have every one, removes them here (unless written again since the
// hand-off began), counting them in the sync totals. It returns how many it could
// not push.
func (s *Store) handOffBlocks(ctx context.Context, pl placement, inv *blockInventory, q int) (failed int, err error) {
	began := time.Now()
	ours := inv.list(q)
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, id := range pl.l.Owners(q) {
		wg.Go(func() {
			o := s.resolve(id)
			err := o.err
			var bad int
			if err == nil {
				var theirs [][32]byte
				theirs, err = bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) ([][32]byte, error) {
					return o.rep.BlockList(ctx, pl.l.Partitions, q)
				})
				if err == nil {
					_, lacking := diffHashes(ours, theirs)
					bad, err = s.copyBlocks(ctx, lacking, &s.sync.blocksPushed, func(ctx context.Context, h [32]byte) (bool, error) { return s.pushBlock(ctx, o.rep, h) })
				}
			}
			mu.Lock()
			defer mu.Unlock()
			failed += bad
			if err != nil {
				errs = append(errs, fmt.Errorf("node %s: %w", id, err))
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return failed + len(ours), errors.Join(errs...)
	}
	removed := 0
	for _, h := range ours {
		gone, err := s.deleteLocalBlockIfOlder(h, began)
		if err != nil {
			return failed, err
		}
		if gone {
			removed++
			s.sync.blocksHandedOff.Add(1)
		}
	}
	if removed > 0 {
		s.log.Info("handed blocks off to their new owners", "block_partition", q, "blocks", removed)
	}
	return failed, nil
}

// diffHashes compares two ascending lists of block names: missing is what only
// theirs has, lacking what only ours has.
func diffHashes(ours, theirs [][32]byte) (missing, lacking [][32]byte) {
	i, j := 0, 0
	for i < len(ours) || j < len(theirs) {
		switch {
		case j == len(theirs):
			lacking = append(lacking, ours[i])
			i++
		case i == len(ours):
			missing = append(missing, theirs[j])
			j++
		default:
			switch c := bytes.Compare(ours[i][:], theirs[j][:]); {
			case c == 0:
				i++
				j++
			case c < 0:
				lacking = append(lacking, ours[i])
				i++
			default:
				missing = append(missing, theirs[j])
				j++
			}
		}
	}
	return missing, lacking
}
