package bench

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// poolEntry is one object of the prepared set.
type poolEntry struct {
	key     string
	size    int64
	readers atomic.Int32 // GETs and STATs in flight on it
}

// objectPool is the set of objects that GET, STAT and DELETE draw from. A DELETE
// takes only an object that no GET or STAT is reading, and removes it from the
// set first, so no read ever races with the deletion of its object and fails
// with a spurious NoSuchKey.
type objectPool struct {
	mu      sync.Mutex
	entries []*poolEntry
	// limit caps the set, so a long mixed run, whose PUTs outnumber its
	// DELETEs, keeps bounded memory; objects beyond it are only cleaned up.
	limit int
}

func (p *objectPool) add(key string, size int64) {
	p.mu.Lock()
	if p.limit == 0 || len(p.entries) < p.limit {
		p.entries = append(p.entries, &poolEntry{key: key, size: size})
	}
	p.mu.Unlock()
}

func (p *objectPool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.entries)
}

// acquire returns a random object for reading, or nil when the set is empty.
// The caller must release it.
func (p *objectPool) acquire(rng *rand.Rand) *poolEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.entries) == 0 {
		return nil
	}
	e := p.entries[rng.IntN(len(p.entries))]
	e.readers.Add(1)
	return e
}

func (p *objectPool) release(e *poolEntry) { e.readers.Add(-1) }

// take removes and returns a random object that nobody is reading, or nil when
// there is none (after a few tries).
func (p *objectPool) take(rng *rand.Rand) *poolEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	for try := 0; try < 16 && len(p.entries) > 0; try++ {
		i := rng.IntN(len(p.entries))
		e := p.entries[i]
		if e.readers.Load() != 0 {
			continue
		}
		last := len(p.entries) - 1
		p.entries[i] = p.entries[last]
		p.entries[last] = nil
		p.entries = p.entries[:last]
		return e
	}
	return nil
}
