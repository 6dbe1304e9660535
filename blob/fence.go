package blob

import (
	"context"
	"fmt"
	"sync"
)

// The fence keeps a write made under a superseded layout version from slipping past
// the sync that retires that version.
//
// A node that becomes an owner under layout version v pulls each partition from a
// quorum of its older owners. A coordinator that has not yet seen v may still be
// writing to those older owners; if such a write landed on an old owner after the pull
// read it, and was acknowledged, it would be lost once v's sync completes. So every
// write carries the layout version its coordinator placed it under, and a replica
// refuses (ErrStaleLayout) a write older than the newest version it knows, from its own
// Config.Layouts or from any request that told it of a newer one. A pull for v first
// raises the old owner's fence to v and waits for the writes it had already admitted
// under older versions to finish, so that everything it acknowledged before is in what
// the pull reads, and nothing it acknowledges after can be of an older version.
//
// Version 0 is exempt: repair and anti-entropy copy data that already exists, and are
// never the write a client waits for.
type fence struct {
	known func() uint64 // the newest version in this node's own layouts

	mu       sync.Mutex
	seen     uint64         // the newest version any request told of
	inflight map[uint64]int // writes admitted and not finished, by version
	changed  chan struct{}  // closed (and replaced) whenever a write finishes
}

func newFence(known func() uint64) *fence {
	return &fence{known: known, inflight: map[uint64]int{}, changed: make(chan struct{})}
}

// enter admits a write made under version v, or refuses it with ErrStaleLayout. An
// admitted write must call leave(v).
func (f *fence) enter(v uint64) error {
	if v == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	newest := max(f.seen, f.known())
	if v < newest {
		return fmt.Errorf("%w: the write was placed under layout version %d, this node knows version %d", ErrStaleLayout, v, newest)
	}
	f.seen = max(f.seen, v)
	f.inflight[v]++
	return nil
}

// leave ends a write admitted by enter(v).
func (f *fence) leave(v uint64) {
	if v == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.inflight[v]--; f.inflight[v] <= 0 {
		delete(f.inflight, v)
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

// newest returns the newest layout version this node knows of.
func (f *fence) newest() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return max(f.seen, f.known())
}

// raise refuses every later write older than v, and waits until the writes older than
// v already admitted have finished.
func (f *fence) raise(ctx context.Context, v uint64) error {
	if v == 0 {
		return nil
	}
	f.mu.Lock()
	f.seen = max(f.seen, v)
	for {
		busy := false
		for w := range f.inflight {
			if w < v {
				busy = true
				break
			}
		}
		if !busy {
			f.mu.Unlock()
			return nil
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		f.mu.Lock()
	}
}
