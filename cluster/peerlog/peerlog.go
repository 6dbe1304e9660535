// Package peerlog keeps the log about a failing peer short. A node that is down makes
// every other node fail the same way many times a second (Raft heartbeats, data
// calls, anti-entropy exchanges); logging each failure wrote megabytes a minute. A
// Limiter lets the first failure of a kind through at once and then one line per
// Interval, carrying how many it held back in between.
package peerlog

import (
	"sync"
	"time"
)

// DefaultInterval is how often a repeating failure is logged again: once a minute.
const DefaultInterval = time.Minute

// maxKeys bounds the kinds a Limiter remembers; past it, the oldest are forgotten (and
// are then logged at once again), so no input grows it without bound.
const maxKeys = 1024

// Limiter decides which lines about repeating failures to log. The zero value is not
// usable: call New. It is safe for concurrent use.
type Limiter struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	keys map[string]*state
}

// state is what a Limiter remembers of one kind of failure.
type state struct {
	last       time.Time // when a line was last let through
	suppressed int       // lines held back since
}

// New returns a Limiter that lets a line of each kind through at most once per
// interval (DefaultInterval if interval <= 0).
func New(interval time.Duration) *Limiter {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Limiter{interval: interval, now: time.Now, keys: map[string]*state{}}
}

// Allow reports whether a line of kind key may be logged now, and if so how many
// lines of that kind were held back since the last one (to log as "repeated").
func (l *Limiter) Allow(key string) (ok bool, suppressed int) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.keys[key]
	if st == nil {
		if len(l.keys) >= maxKeys {
			l.forgetOldest()
		}
		l.keys[key] = &state{last: now}
		return true, 0
	}
	if now.Sub(st.last) < l.interval {
		st.suppressed++
		return false, 0
	}
	n := st.suppressed
	st.last, st.suppressed = now, 0
	return true, n
}

// Reset forgets kind key (the failure ended): its next line is logged at once. It
// returns how many lines of that kind were held back and never logged.
func (l *Limiter) Reset(key string) (suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.keys[key]; st != nil {
		suppressed = st.suppressed
		delete(l.keys, key)
	}
	return suppressed
}

// forgetOldest drops the kind logged longest ago.
func (l *Limiter) forgetOldest() {
	var oldest string
	var at time.Time
	for k, st := range l.keys {
		if oldest == "" || st.last.Before(at) {
			oldest, at = k, st.last
		}
	}
	delete(l.keys, oldest)
}
