// Package hlc implements a hybrid logical clock: timestamps that follow wall time,
// never go backwards on one node, and order causally related events across nodes.
package hlc

import (
	"sync"
	"time"
)

// logicalBits is how many low bits of a Timestamp count events within one millisecond.
const logicalBits = 16

// Timestamp is a hybrid logical clock reading: milliseconds since the Unix epoch in the
// high 48 bits and a logical counter in the low 16. Timestamps compare as integers.
type Timestamp uint64

// FromTime returns the Timestamp for wall time t with a zero logical counter.
func FromTime(t time.Time) Timestamp {
	return Timestamp(uint64(t.UnixMilli()) << logicalBits)
}

// Time returns the wall-clock part of ts.
func (ts Timestamp) Time() time.Time {
	return time.UnixMilli(int64(ts >> logicalBits)).UTC()
}

// Clock hands out strictly increasing Timestamps. The zero value is not usable; use New.
type Clock struct {
	mu   sync.Mutex
	now  func() time.Time
	last Timestamp
}

// New returns a Clock reading wall time from now (time.Now when nil).
func New(now func() time.Time) *Clock {
	if now == nil {
		now = time.Now
	}
	return &Clock{now: now}
}

// Now returns a Timestamp greater than every Timestamp this clock has returned or seen.
func (c *Clock) Now() Timestamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	wall := FromTime(c.now())
	if wall > c.last {
		c.last = wall
	} else {
		c.last++
	}
	return c.last
}

// Observe advances the clock past a Timestamp received from another node, so that
// every later local event orders after it.
func (c *Clock) Observe(remote Timestamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if remote > c.last {
		c.last = remote
	}
}
