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

// putRecord writes a version record to a write quorum of its partition's owners.
func (s *Store) putRecord(ctx context.Context, pl placement, p int, r index.Record) error {
	return writeQuorum(ctx, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutRecord(ctx, p, r)
	}, nil)
}

// getRecord reads the newest record of a key from a read quorum of its partition's
// owners (tombstones included; found false if none has one), and brings the owners
// that answered with an older record, or none, up to date in the background.
func (s *Store) getRecord(ctx context.Context, pl placement, p int, bucket, key string) (rec index.Record, found bool, err error) {
	type got struct {
		rec   index.Record
		found bool
		rep   Replica
	}
	answers, err := readQuorum(ctx, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) (got, error) {
		r, err := rep.GetRecord(ctx, p, bucket, key)
		if errors.Is(err, index.ErrNotFound) {
			return got{rep: rep}, nil
		}
		return got{rec: r, found: err == nil, rep: rep}, err
	})
	if err != nil {
		return index.Record{}, false, err
	}
	for _, a := range answers {
		if a.found && (!found || a.rec.Newer(&rec)) {
			rec, found = a.rec, true
		}
	}
	if !found {
		return rec, false, nil
	}
	// A record another node wrote may be ahead of this node's clock: later local
	// writes of the key must still order after it.
	s.cfg.Clock.Observe(hlc.Timestamp(rec.HLC))
	for _, a := range answers {
		if !a.found || rec.Newer(&a.rec) {
			s.repair(ctx, "record", func(ctx context.Context) error { return a.rep.PutRecord(ctx, p, rec) })
		}
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

// putBlock writes a block to a write quorum of its partition's owners. done runs once
// every owner's call has returned and data is no longer used.
func (s *Store) putBlock(ctx context.Context, pl placement, hash [32]byte, data []byte, done func()) error {
	p := pl.l.BlockPartition(hash)
	return writeQuorum(ctx, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutBlock(ctx, hash, data)
	}, done)
}

// readBlock reads a block from the first of its owners that has a good copy, and
// repairs, in the background, the owners before it that had a bad copy or none.
func (s *Store) readBlock(ctx context.Context, pl placement, ref index.BlockRef) ([]byte, error) {
	var bad []Replica
	var errs []error
	for _, o := range s.owners(pl, pl.l.BlockPartition(ref.Hash)) {
		if o.err != nil {
			errs = append(errs, o.err)
			continue
		}
		data, err := o.rep.GetBlock(ctx, ref.Hash)
		if err == nil && int64(len(data)) != ref.Size {
			err = fmt.Errorf("%w: %d bytes, the record says %d", block.ErrCorrupt, len(data), ref.Size)
		}
		if err == nil {
			for _, rep := range bad {
				s.repair(ctx, "block", func(ctx context.Context) error { return rep.PutBlock(ctx, ref.Hash, data) })
			}
			return data, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		errs = append(errs, fmt.Errorf("node %s: %w", o.id, err))
		if errors.Is(err, block.ErrNotFound) || errors.Is(err, block.ErrCorrupt) {
			bad = append(bad, o.rep)
		}
	}
	return nil, fmt.Errorf("blob: block %s unreadable on every owner: %w", hexHash(ref.Hash), errors.Join(errs...))
}
