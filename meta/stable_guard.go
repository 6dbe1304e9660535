package meta

import (
	"sync"

	"github.com/hashicorp/raft"
)

// stableGuard is the StableStore raft is given: it lets Close end raft's writes
// before the database closes. raft answers a heartbeat on the transport's own
// goroutine (processHeartbeat), not its main loop, so a heartbeat already in hand when
// raft shuts down can still save a newer term after Shutdown returned; on a closed
// database that write fails and raft panics ("failed to save current term: database
// not open"), which a test once hit. After close the guard drops such writes: the node
// is going away, and a term learned from a heartbeat carries no vote, so nothing that
// Raft's safety rests on is lost (the next start learns the term again).
type stableGuard struct {
	raft.StableStore
	mu     sync.RWMutex
	closed bool
}

// Set stores a key unless the guard is closed.
func (g *stableGuard) Set(key, val []byte) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil
	}
	return g.StableStore.Set(key, val)
}

// SetUint64 stores a number unless the guard is closed.
func (g *stableGuard) SetUint64(key []byte, val uint64) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.closed {
		return nil
	}
	return g.StableStore.SetUint64(key, val)
}

// close waits for writes in flight and drops every later one.
func (g *stableGuard) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
