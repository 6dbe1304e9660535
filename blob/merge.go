package blob

import (
	"container/heap"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/cairnstore/cairn/blob/index"
)

// A listing merges the sorted streams of every partition. Each partition stream pulls
// batches from its owners (fetchFunc) and the merger keeps the streams in a heap by
// their next key. A stream whose batch is used up sits in the heap at its resume
// position and fetches its next batch only when that position reaches the top, so a
// page of 1000 keys over 256 partitions reads a few entries per partition, and the
// keys under a common prefix already returned are skipped with one seek per partition
// rather than read.

// batch is one partition's batch of entries, and whether more follow.
type batch[E any] struct {
	entries []E
	more    bool
}

// fetchFunc reads the next batch of each partition in ps after pos, at most limit
// entries each, aligned with ps.
type fetchFunc[E any] func(ctx context.Context, ps []int, pos index.Position, limit int) ([]batch[E], error)

// maxBatch is the largest batch a stream asks for.
const maxBatch = 1000

// stream is one partition's sorted entries: a buffered batch, and where the next
// batch resumes.
type stream[E any] struct {
	p     int
	buf   []E
	more  bool
	pos   index.Position
	batch int
	// head is the key of buf[0], or with nothing buffered, pos.After (bound set): the
	// heap's sort key, kept here so that comparing two streams calls nothing.
	head  string
	bound bool
}

// setHead updates the stream's sort key after its buffer changed.
func (st *stream[E]) setHead(key func(E) string) {
	if len(st.buf) > 0 {
		st.head, st.bound = key(st.buf[0]), false
	} else {
		st.head, st.bound = st.pos.After, true
	}
}

// merger merges partition streams in key order.
type merger[E any] struct {
	fetch fetchFunc[E]
	key   func(E) string
	after func(E) index.Position // the position just after an entry
	h     streamHeap[E]
}

// newMerger opens a stream per partition at start, fetching every partition's first
// batch (of size entries) in one round.
func newMerger[E any](ctx context.Context, partitions int, start index.Position, size int,
	fetch fetchFunc[E], key func(E) string, after func(E) index.Position) (*merger[E], error) {
	m := &merger[E]{fetch: fetch, key: key, after: after}
	ps := make([]int, partitions)
	for p := range ps {
		ps[p] = p
	}
	batches, err := fetch(ctx, ps, start, size)
	if err != nil {
		return nil, err
	}
	for p, b := range batches {
		st := &stream[E]{p: p, pos: start, batch: size}
		if err := m.fill(st, b); err != nil {
			return nil, err
		}
		if len(st.buf) > 0 || st.more {
			m.h.s = append(m.h.s, st)
		}
	}
	heap.Init(&m.h)
	return m, nil
}

// refill fetches a stream's next batch; its buffer must be empty.
func (m *merger[E]) refill(ctx context.Context, st *stream[E]) error {
	batches, err := m.fetch(ctx, []int{st.p}, st.pos, st.batch)
	if err != nil {
		return err
	}
	return m.fill(st, batches[0])
}

// fill gives a stream a fetched batch, and doubles the size of its next one.
func (m *merger[E]) fill(st *stream[E], b batch[E]) error {
	if len(b.entries) == 0 && b.more {
		return fmt.Errorf("blob: partition %d: an empty batch with more to come", st.p)
	}
	st.buf, st.more = b.entries, b.more
	if len(b.entries) > 0 {
		st.pos = m.after(b.entries[len(b.entries)-1])
	}
	st.batch = min(st.batch*2, maxBatch)
	st.setHead(m.key)
	return nil
}

// peek returns the smallest entry of all streams without consuming it.
func (m *merger[E]) peek(ctx context.Context) (e E, ok bool, err error) {
	for len(m.h.s) > 0 {
		st := m.h.s[0]
		if len(st.buf) > 0 {
			return st.buf[0], true, nil
		}
		if err := m.refill(ctx, st); err != nil {
			return e, false, err
		}
		if len(st.buf) == 0 {
			heap.Pop(&m.h)
		} else {
			heap.Fix(&m.h, 0)
		}
	}
	return e, false, nil
}

// pop consumes the entry peek returned.
func (m *merger[E]) pop() {
	st := m.h.s[0]
	st.buf = st.buf[1:]
	st.setHead(m.key)
	if len(st.buf) == 0 && !st.more {
		heap.Pop(&m.h)
	} else {
		heap.Fix(&m.h, 0)
	}
}

// skipUnder drops every entry that starts with prefix, from every stream. It is
// called once the listing has returned prefix as a common prefix, which is the
// smallest key left, so buffered keys under it are at the front of the buffers.
func (m *merger[E]) skipUnder(prefix string) {
	live := m.h.s[:0]
	for _, st := range m.h.s {
		for len(st.buf) > 0 && strings.HasPrefix(m.key(st.buf[0]), prefix) {
			st.buf = st.buf[1:]
		}
		if len(st.buf) == 0 && strings.HasPrefix(st.pos.After, prefix) {
			st.pos = index.Position{After: prefix, Under: true}
		}
		st.setHead(m.key)
		if len(st.buf) > 0 || st.more {
			live = append(live, st)
		}
	}
	m.h.s = live
	heap.Init(&m.h)
}

// streamHeap orders streams by their next key; a stream with nothing buffered stands
// at its resume position, and after a buffered key equal to it (its next key is
// greater).
type streamHeap[E any] struct {
	s []*stream[E]
}

func (h *streamHeap[E]) Len() int { return len(h.s) }
func (h *streamHeap[E]) Less(i, j int) bool {
	a, b := h.s[i], h.s[j]
	if a.head != b.head {
		return a.head < b.head
	}
	return !a.bound && b.bound
}
func (h *streamHeap[E]) Swap(i, j int) { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *streamHeap[E]) Push(x any)    { h.s = append(h.s, x.(*stream[E])) }
func (h *streamHeap[E]) Pop() any {
	st := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return st
}

// mergeOwnerPages merges the batches that several owners of one partition returned
// for the same query into one batch: entries with the same identity (cmp 0) are
// merged by pick, and entries after the point where some owner's batch stopped short
// are dropped (that owner may hold newer versions of them), to come in the next batch.
func mergeOwnerPages[E any](pages [][]E, mores []bool, cmp func(a, b E) int, pick func(a, b E) E) ([]E, bool) {
	if len(pages) == 1 {
		return pages[0], mores[0]
	}
	var cut *E
	for i, pg := range pages {
		if mores[i] && len(pg) > 0 && (cut == nil || cmp(pg[len(pg)-1], *cut) < 0) {
			cut = &pg[len(pg)-1]
		}
	}
	var all []E
	more := false
	for i, pg := range pages {
		more = more || mores[i]
		all = append(all, pg...)
	}
	sort.SliceStable(all, func(i, j int) bool { return cmp(all[i], all[j]) < 0 })
	out := all[:0]
	for _, e := range all {
		if cut != nil && cmp(e, *cut) > 0 {
			more = true
			break
		}
		if n := len(out); n > 0 && cmp(out[n-1], e) == 0 {
			out[n-1] = pick(out[n-1], e)
			continue
		}
		out = append(out, e)
	}
	return out, more
}
