package meta

import (
	"context"
	"sync"
)

// broadcast wakes every waiter at once: wait returns a channel that the next notify
// closes. A waiter takes the channel before it checks its condition, so a change
// between the check and the wait is never missed.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// coalescer shares one run of fn among the callers that arrive before it starts, so
// every caller is served by a run that began after it called, and at most one run is
// in flight with one more queued however many callers there are. It keeps a flood of
// read misses (e.g. requests with unknown access keys) from becoming a flood of Raft
// barriers.
type coalescer struct {
	fn func() error

	mu      sync.Mutex
	next    *coalescedRun // the queued run that callers join; nil if none
	running sync.Mutex    // held by the run in flight
}

type coalescedRun struct {
	done chan struct{}
	err  error
}

// do joins the queued run, or queues one, and waits for it or for ctx.
func (c *coalescer) do(ctx context.Context) error {
	c.mu.Lock()
	r := c.next
	if r == nil {
		r = &coalescedRun{done: make(chan struct{})}
		c.next = r
		go c.start(r)
	}
	c.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *coalescer) start(r *coalescedRun) {
	c.running.Lock()
	defer c.running.Unlock()
	c.mu.Lock()
	c.next = nil // r starts now: later callers queue the next run
	c.mu.Unlock()
	r.err = c.fn()
	close(r.done)
}
