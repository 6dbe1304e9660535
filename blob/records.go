package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
)

// repairTimeout bounds a background repair of a stale or bad copy.
const repairTimeout = time.Minute

// putRecord writes a version record to a write quorum of its partition's owners in the
// newest layout.
//
// A write that fails its quorum is not undone: the owners that stored it keep it, and
// anti-entropy may spread it, so the write can surface later. S3 calls a failed
// write's outcome indeterminate, and it is never a torn object: the record is written
// only after its blocks are durable on a write quorum. (Undoing it is unsafe: a null
// record has superseded, on that owner, the previous acknowledged null version, and
// removing it would lose that one.)
func (s *Store) putRecord(ctx context.Context, pl placement, p int, r index.Record) error {
	return writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutRecord(ctx, pl.version(), p, r)
	}, nil)
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
//
// buf, if not nil, is a buffer the block may be read into; the answer then aliases it.
func (s *Store) readBlock(ctx context.Context, pl placement, ref index.BlockRef, buf []byte) ([]byte, error) {
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
		data, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) ([]byte, error) { return o.rep.GetBlock(ctx, ref.Hash, buf) })
		if err == nil && int64(len(data)) != ref.Size {
			err = fmt.Errorf("%w: %d bytes, the record says %d", block.ErrCorrupt, len(data), ref.Size)
		}
		if err == nil {
			if len(bad) > 0 {
				good := bytes.Clone(data) // the repairs outlive the caller's buffer
				for _, rep := range bad {
					s.repair(ctx, "block", func(ctx context.Context) error { return rep.PutBlock(ctx, 0, ref.Hash, good) })
				}
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
	return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
}
