// Package lockout slows down guessing of credentials: it counts failed
// authentications per source (a client address, an access key id) and, after too many
// within a window, refuses that source for a while. Memory is bounded: it tracks at
// most Config.MaxSources sources, forgetting the least recently failed first.
package lockout

import (
	"container/list"
	"errors"
	"sync"
	"time"
)

// Config configures a Limiter. The zero value of a field means its default.
type Config struct {
	// MaxFailures is how many failed authentications from one source within Window
	// lock it out. Default 10; negative disables the limiter. Lower values slow
	// guessing more but lock out a misconfigured client sooner.
	MaxFailures int
	// Window is the period over which failures are counted, from the first one.
	// Default 1 minute.
	Window time.Duration
	// Duration is how long a source stays locked out. Default 1 minute. During it,
	// every request from the source is refused, correct credentials included, so
	// that the lockout gives away nothing about a guess.
	Duration time.Duration
	// MaxSources bounds the sources tracked at once (about 100 bytes each). Default
	// 100,000. When full, the source whose last failure is oldest is forgotten, so a
	// flood of sources can shorten other sources' memory, never grow the heap.
	MaxSources int
}

// DefaultConfig returns the defaults: 10 failures in 1 minute lock a source out for 1
// minute; at most 100,000 sources are tracked.
func DefaultConfig() Config {
	return Config{MaxFailures: 10, Window: time.Minute, Duration: time.Minute, MaxSources: 100_000}
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxFailures == 0 {
		c.MaxFailures = d.MaxFailures
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
	if c.Window < 0 || c.Duration < 0 || c.MaxSources < 0 {
		return errors.New("lockout: Window, Duration and MaxSources must not be negative")
	}
	return nil
}

// Limiter tracks failed authentications. Its methods are safe for concurrent use.
type Limiter struct {
	cfg Config
	now func() time.Time

	mu      sync.Mutex
	sources map[string]*list.Element // of *entry
	lru     list.List                // front: most recently failed
}

// entry is one source's state.
type entry struct {
	source      string
	windowStart time.Time // first failure of the current window
	failures    int
	lockedUntil time.Time
}

// New returns a Limiter. now is its clock; time.Now when nil.
func New(cfg Config, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{cfg: cfg.withDefaults(), now: now, sources: map[string]*list.Element{}}
}

// Locked reports whether any of the sources is locked out, and until when (the latest
// end). Empty sources are ignored.
func (l *Limiter) Locked(sources ...string) (until time.Time, locked bool) {
	if l == nil || l.cfg.MaxFailures < 0 {
		return time.Time{}, false
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range sources {
		el, ok := l.sources[s]
		if !ok || s == "" {
			continue
		}
		e := el.Value.(*entry)
		if now.Before(e.lockedUntil) {
			locked = true
			if e.lockedUntil.After(until) {
				until = e.lockedUntil
			}
		}
	}
	return until, locked
}

// Fail records a failed authentication from each of the sources (empty ones are
// ignored). A source that reaches MaxFailures within Window is locked out for
// Duration, and its count starts again.
func (l *Limiter) Fail(sources ...string) {
	if l == nil || l.cfg.MaxFailures < 0 {
		return
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.forgetStale(now)
	for _, s := range sources {
		if s != "" {
			l.fail(s, now)
		}
	}
}

// forgetStale drops, from the least recently failed end, the sources that are
// neither locked out nor within a window of failures: they would start afresh anyway.
func (l *Limiter) forgetStale(now time.Time) {
	for el := l.lru.Back(); el != nil; el = l.lru.Back() {
		e := el.Value.(*entry)
		if now.Before(e.lockedUntil) || now.Sub(e.windowStart) < l.cfg.Window {
			return
		}
		delete(l.sources, e.source)
		l.lru.Remove(el)
	}
}

func (l *Limiter) fail(source string, now time.Time) {
	var e *entry
	if el, ok := l.sources[source]; ok {
		e = el.Value.(*entry)
		l.lru.MoveToFront(el)
	} else {
		for len(l.sources) >= l.cfg.MaxSources {
			oldest := l.lru.Back()
			delete(l.sources, oldest.Value.(*entry).source)
			l.lru.Remove(oldest)
		}
		e = &entry{source: source}
		l.sources[source] = l.lru.PushFront(e)
	}
	if now.Before(e.lockedUntil) {
		return // already locked out; failures while locked do not extend it
	}
	if e.failures == 0 || now.Sub(e.windowStart) >= l.cfg.Window {
		e.windowStart, e.failures = now, 0
	}
	e.failures++
	if e.failures >= l.cfg.MaxFailures {
		e.lockedUntil = now.Add(l.cfg.Duration)
		e.failures = 0
	}
}

// Len returns how many sources are tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.sources)
}
