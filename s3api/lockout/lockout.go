// Package lockout slows down guessing of credentials without handing anyone a way to
// lock others out. It counts failed authentications per client address and per
// (client address, access key id), never per access key id alone: an access key id is
// public (every presigned URL carries it), so a count per key would let anyone who
// knows it lock its owner out from everywhere.
//
//   - MaxFailures bad signatures for one key from one address within Window refuse
//     that key from that address for Duration. The key's owner at any other address,
//     and other keys at the same address (other users behind the same NAT), are not
//     affected.
//   - MaxAddressFailures failures from one address, whatever keys they name, refuse
//     the whole address for Duration: a client cycling through many keys is stopped
//     too.
//
// Memory is bounded: at most Config.MaxSources counters are kept, the least recently
// failed forgotten first. docs/iam.md describes the behaviour.
package lockout

import (
	"container/list"
	"errors"
	"sync"
	"time"
)

// Config configures a Limiter. The zero value of a field means its default.
type Config struct {
	// MaxFailures is how many failed authentications for one access key from one
	// client address within Window lock that key out at that address. Default 10;
	// negative disables the limiter. Lower values slow guessing more but refuse a
	// misconfigured client sooner (only at its own address).
	MaxFailures int
	// MaxAddressFailures is how many failed authentications from one client address,
	// whatever access keys they name, within Window lock the whole address out.
	// Default 100 (ten times the default MaxFailures). Lower values stop a client that
	// cycles through keys sooner, but users sharing one address (a NAT, a proxy)
	// lock each other out sooner.
	MaxAddressFailures int
	// Window is the period over which failures are counted, from the first one.
	// Default 1 minute.
	Window time.Duration
	// Duration is how long a lock lasts. Default 1 minute. During it, every request
	// it covers is refused, correct credentials included, so that the lockout gives
	// away nothing about a guess.
	Duration time.Duration
	// MaxSources bounds the counters kept at once (about 150 bytes each). Default
	// 100,000. When full, the counter whose last failure is oldest is forgotten, so a
	// flood of addresses can shorten other counters' memory, never grow the heap.
	MaxSources int
}

// DefaultConfig returns the defaults: 10 failures for one key from one address, or 100
// from one address, within 1 minute lock it out for 1 minute; at most 100,000
// counters are kept.
func DefaultConfig() Config {
	return Config{MaxFailures: 10, MaxAddressFailures: 100, Window: time.Minute, Duration: time.Minute, MaxSources: 100_000}
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxFailures == 0 {
		c.MaxFailures = d.MaxFailures
	}
	if c.MaxAddressFailures == 0 {
		c.MaxAddressFailures = max(d.MaxAddressFailures, c.MaxFailures)
	}
	if c.Window == 0 {
		c.Window = d.Window
	}
	if c.Duration == 0 {
		c.Duration = d.Duration
	}
	if c.MaxSources == 0 {
		c.MaxSources = d.MaxSources
	}
	return c
}

// Validate reports a negative duration or bound.
func (c Config) Validate() error {
	if c.Window < 0 || c.Duration < 0 || c.MaxSources < 0 || c.MaxAddressFailures < 0 {
		return errors.New("lockout: Window, Duration, MaxSources and MaxAddressFailures must not be negative")
	}
	return nil
}

// Limiter tracks failed authentications. Its methods are safe for concurrent use. A
// nil *Limiter never locks anything.
type Limiter struct {
	cfg Config
	now func() time.Time

	mu       sync.Mutex
	counters map[counterKey]*list.Element // of *entry
	lru      list.List                    // front: most recently failed
}

// counterKey names one counter: an address (key empty, whole is true) or an address
// and an access key id.
type counterKey struct {
	addr, key string
	whole     bool
}

// entry is one counter's state.
type entry struct {
	id          counterKey
	windowStart time.Time // first failure of the current window
	failures    int
	lockedUntil time.Time
}

// New returns a Limiter. now is its clock; time.Now when nil.
func New(cfg Config, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{cfg: cfg.withDefaults(), now: now, counters: map[counterKey]*list.Element{}}
}

// Locked reports whether a request from addr naming accessKey ("" when it names
// none) is locked out, and until when: the address as a whole, or that key at that
// address.
func (l *Limiter) Locked(addr, accessKey string) (until time.Time, locked bool) {
	if l == nil || l.cfg.MaxFailures < 0 {
		return time.Time{}, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range counters(addr, accessKey) {
		el, ok := l.counters[id]
		if !ok {
			continue
		}
		if e := el.Value.(*entry); now.Before(e.lockedUntil) {
			locked = true
			if e.lockedUntil.After(until) {
				until = e.lockedUntil
			}
		}
	}
	return until, locked
}

// Fail records a failed authentication from addr naming accessKey ("" when it named
// none or an unreadable one): it counts against the address and against the pair.
// A counter that reaches its limit within Window locks for Duration, and starts
// again.
func (l *Limiter) Fail(addr, accessKey string) {
	if l == nil || l.cfg.MaxFailures < 0 {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetStale(now)
	for _, id := range counters(addr, accessKey) {
		limit := l.cfg.MaxFailures
		if id.whole {
			limit = l.cfg.MaxAddressFailures
		}
		l.fail(id, limit, now)
	}
}

// counters are the counters a request from addr naming accessKey touches. Never one
// for the key alone: see the package comment.
func counters(addr, accessKey string) []counterKey {
	out := []counterKey{{addr: addr, whole: true}}
	if accessKey != "" {
		out = append(out, counterKey{addr: addr, key: accessKey})
	}
	return out
}

// forgetStale drops, from the least recently failed end, the counters that are
// neither locked nor within a window of failures: they would start afresh anyway.
func (l *Limiter) forgetStale(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		e := el.Value.(*entry)
		if now.Before(e.lockedUntil) || now.Sub(e.windowStart) < l.cfg.Window {
			return
		}
		delete(l.counters, e.id)
		l.lru.Remove(el)
	}
}

func (l *Limiter) fail(id counterKey, limit int, now time.Time) {
	var e *entry
	if el, ok := l.counters[id]; ok {
		e = el.Value.(*entry)
		l.lru.MoveToFront(el)
	} else {
		for len(l.counters) >= l.cfg.MaxSources {
			oldest := l.lru.Back()
			delete(l.counters, oldest.Value.(*entry).id)
			l.lru.Remove(oldest)
		}
		e = &entry{id: id}
		l.counters[id] = l.lru.PushFront(e)
	}
	if now.Before(e.lockedUntil) {
		return // already locked; failures while locked do not extend it
	}
	if e.failures == 0 || now.Sub(e.windowStart) >= l.cfg.Window {
		e.windowStart, e.failures = now, 0
	}
	e.failures++
	if e.failures >= limit {
		e.lockedUntil = now.Add(l.cfg.Duration)
		e.failures = 0
	}
}

// Len returns how many counters are kept.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.counters)
}
