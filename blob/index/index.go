// Package index is the local, ordered version index of one node: version records,
// multipart uploads and their parts, for the partitions the node owns. It is a bbolt
// B+tree in one file (see docs/storage-engine.md for why), and knows nothing of the
// network.
//
// Writes are durable when they return: bbolt fsyncs on every commit. Concurrent
// writers are grouped into one commit (group commit), because bbolt allows one writer
// at a time and a commit costs an fsync.
package index

import (
	"context"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The bbolt buckets (keyspaces).
var (
	versionsBucket = []byte("versions")
	uploadsBucket  = []byte("uploads")
	partsBucket    = []byte("parts")
)

// maxGroup is the most write operations one commit carries.
const maxGroup = 256

// Index is the version index of one node. It is safe for concurrent use.
type Index struct {
	db      *bolt.DB
	ops     chan *writeOp
	closing chan struct{}
	done    chan struct{}
	once    sync.Once
}

// writeOp is one write waiting for the group commit.
type writeOp struct {
	ctx  context.Context
	fn   func(*bolt.Tx) error
	done chan error
}

// Open opens (creating if needed) the index file at path. Another process holding the
// file makes Open fail after a few seconds.
func Open(path string) (*Index, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      5 * time.Second,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{versionsBucket, uploadsBucket, partsBucket, changesBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("index: open %s: %w", path, err)
	}
	x := &Index{
		db:      db,
		ops:     make(chan *writeOp),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
	}
	go x.commitLoop()
	return x, nil
}

// Close stops the writer and closes the file; it waits for reads in progress.
func (x *Index) Close() error {
	x.once.Do(func() { close(x.closing) })
	<-x.done
	return x.db.Close()
}

// update runs fn in a read-write transaction, grouped with other writers into one
// commit, and returns once that commit is durable. fn may run more than once (if
// another operation of its group fails, each is retried alone), so it must set, not
// accumulate, whatever it reports. An operation whose ctx is done before its group
// starts is not run.
func (x *Index) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case x.ops <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-x.closing:
		return ErrClosed
	}
	// Once taken, the operation runs (or is skipped) within one commit; waiting for
	// its outcome, rather than for ctx, means a caller never hears "failed" for a
	// write that is in fact committed.
	return <-op.done
}

// commitLoop is the single writer: it takes every operation waiting, commits them
// together, and reports to each.
func (x *Index) commitLoop() {
	defer close(x.done)
	for {
		var group []*writeOp
		select {
		case op := <-x.ops:
			group = append(group, op)
		case <-x.closing:
			return
		}
	fill:
		for len(group) < maxGroup {
			select {
			case op := <-x.ops:
				group = append(group, op)
			default:
				break fill
			}
		}
		x.commit(group)
	}
}

func (x *Index) commit(group []*writeOp) {
	live := group[:0]
	for _, op := range group {
		if err := op.ctx.Err(); err != nil {
			op.done <- err
			continue
		}
		live = append(live, op)
	}
	if len(live) == 0 {
		return
	}
	var opErr error
	err := x.db.Update(func(tx *bolt.Tx) error {
		for _, op := range live {
			if opErr = op.fn(tx); opErr != nil {
				return opErr
			}
		}
		return nil
	})
	switch {
	case err == nil:
		for _, op := range live {
			op.done <- nil
		}
	case opErr != nil && len(live) > 1:
		// One operation failed and rolled back the group: run each alone so that only
		// the failing one fails.
		for _, op := range live {
			op.done <- x.db.Update(op.fn)
		}
	default: // the one operation failed, or the commit itself did
		for _, op := range live {
			op.done <- err
		}
	}
}

// view runs fn in a read-only transaction.
func (x *Index) view(fn func(*bolt.Tx) error) error {
	return x.db.View(fn)
}

// Stats counts the records in the index. It reads the whole index.
func (x *Index) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Usage: PartitionUsage{}}
	err := x.view(func(tx *bolt.Tx) error {
		walk := usageWalk{out: st.Usage}
		c := tx.Bucket(versionsBucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			st.Versions++
			if recordIsTombstone(v) {
				st.Tombstones++
			}
			walk.add(k, v)
			if st.Versions%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		walk.flush()
		uc := tx.Bucket(uploadsBucket).Cursor()
		for k, v := uc.First(); k != nil; k, v = uc.Next() {
			if uploadDeleted(v) != 0 {
				st.UploadTombstones++
			} else {
				st.Uploads++
			}
		}
		st.Parts = tx.Bucket(partsBucket).Stats().KeyN
		return nil
	})
	return st, err
}
