package blob

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// repairTimeout bounds a background repair of a stale or bad copy.
const repairTimeout = time.Minute

// putRecord writes a version record to a write quorum of its partition's owners in the
// newest layout.
//
// A write that fails its quorum is not undone: the owners that stored it keep it, and
// anti-entropy may spread it, so the write can surface later. S3 calls a failed
// write's outcome indeterminate, and it is never a torn object: the record is written
// only after its blocks are durable on a write quorum. (Undoing it is unsafe: an owner
// keeps only the newest record of a key, so on that owner the failed write has
// replaced the previous, acknowledged version, and removing it would lose that one.)
func (s *Store) putRecord(ctx context.Context, pl placement, p int, r index.Record) error {
	return writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutRecord(ctx, pl.version(), p, r)
	}, nil)
}

// getRecord reads the newest record of a key from a read quorum of its partition's
// owners in every layout version in flight (tombstones included; found false if none
// has one), and brings the newest layout's owners that answered with an older record,
// or none, up to date in the background.
func (s *Store) getRecord(ctx context.Context, pl placement, p int, bucket, key string) (rec index.Record, found bool, err error) {
	type got struct {
		rec   index.Record
		found bool
	}
	rs := s.readSet(pl, p)
	answers, err := readQuorum(ctx, s.cfg.RPCTimeout, rs, func(ctx context.Context, rep Replica) (got, error) {
		r, err := rep.GetRecord(ctx, p, bucket, key)
		if errors.Is(err, index.ErrNotFound) {
			return got{}, nil
		}
		return got{rec: r, found: err == nil}, err
	})
	if err != nil {
		return index.Record{}, false, err
	}
	for _, a := range answers {
		if a.val.found && (!found || a.val.rec.Newer(&rec)) {
			rec, found = a.val.rec, true
		}
	}
	if !found {
		return rec, false, nil
	}
	// A record another node wrote may be ahead of this node's clock: later local
	// writes of the key must still order after it.
	s.cfg.Clock.Observe(hlc.Timestamp(rec.HLC))
	for _, a := range answers {
		if !rs.newest[a.node] || a.val.found && !rec.Newer(&a.val.rec) {
			continue
		}
		rep := rs.nodes[a.node].rep
		s.repair(ctx, "record", func(ctx context.Context) error { return rep.PutRecord(ctx, 0, p, rec) })
	}
	return rec, true, nil
}

// repair runs fn in the background, detached from ctx's cancellation but not from its
// values, bounded by repairTimeout; Close waits for it, and once the store is closing
// there is no repair.
func (s *Store) repair(ctx context.Context, what string, fn func(context.Context) error) {
	if s.enter() != nil {
		return
	}
	go func() {
		defer s.leave()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), repairTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			s.log.Warn("read repair failed", "what", what, "error", err)
		}
	}()
}

// putBlock writes a block to a write quorum of its partition's owners in the newest
// layout. done runs once every owner's call has returned and data is no longer used.
func (s *Store) putBlock(ctx context.Context, pl placement, hash [32]byte, data []byte, done func()) error {
	p := pl.l.BlockPartition(hash)
	return writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutBlock(ctx, pl.version(), hash, data)
	}, done)
}

// readBlock reads a block from the first of its owners that has a good copy (the
// newest layout's owners first, the local node first among them, then the owners of
// older versions in flight), each try bounded by RPCTimeout, and repairs, in the
// background, the newest layout's owners tried before it that had a bad copy or none.
// If no owner has it and some did not answer, the error wraps ErrNoQuorum
// (unavailable rather than lost).
func (s *Store) readBlock(ctx context.Context, pl placement, ref index.BlockRef) ([]byte, error) {
	rs := s.readSet(pl, pl.l.BlockPartition(ref.Hash))
	var bad []Replica
	var errs []error
	unreachable := false
	for i, o := range rs.nodes {
		if o.err != nil {
			errs = append(errs, o.err)
			unreachable = true
			continue
		}
		data, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) ([]byte, error) { return o.rep.GetBlock(ctx, ref.Hash) })
		if err == nil && int64(len(data)) != ref.Size {
			err = fmt.Errorf("%w: %d bytes, the record says %d", block.ErrCorrupt, len(data), ref.Size)
		}
		if err == nil {
			for _, rep := range bad {
				s.repair(ctx, "block", func(ctx context.Context) error { return rep.PutBlock(ctx, 0, ref.Hash, data) })
			}
			return data, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		errs = append(errs, fmt.Errorf("node %s: %w", o.id, err))
		missing := errors.Is(err, block.ErrNotFound) || errors.Is(err, block.ErrCorrupt)
		if rs.newest[i] && missing {
			bad = append(bad, o.rep)
		}
		unreachable = unreachable || !missing
	}
	err := fmt.Errorf("blob: block %s unreadable on every owner: %w", hexHash(ref.Hash), errors.Join(errs...))
	if unreachable {
		return nil, fmt.Errorf("%w: %w", ErrNoQuorum, err)
	}
	return nil, err
}
