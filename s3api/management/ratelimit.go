package management

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per client address plus one for all clients together.
// Memory is bounded: it tracks at most maxClients addresses, and when full it
// forgets the buckets that have refilled (idle clients) first, then any.
type limiter struct {
	now   func() time.Time
	rate  float64 // tokens per second per client; negative: no per-client limit
	burst float64
	max   int

	mu      sync.Mutex
	clients map[string]*bucket
	total   *bucket // nil: no total limit
}

// bucket is one token bucket: tokens available at last.
type bucket struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newLimiter(cfg Config) *limiter {
	l := &limiter{
		now: cfg.Now, rate: cfg.RateLimit, burst: float64(cfg.Burst), max: cfg.MaxClients,
		clients: map[string]*bucket{},
	}
	if cfg.TotalRateLimit >= 0 {
		l.total = &bucket{rate: cfg.TotalRateLimit, burst: float64(cfg.TotalBurst), tokens: float64(cfg.TotalBurst), last: cfg.Now()}
	}
	return l
}

// allow takes a token for client and one from the total. When either is empty it
// takes none and returns how long until a retry can succeed.
func (l *limiter) allow(client string) (ok bool, retry time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if l.rate >= 0 {
		b = l.clients[client]
		if b == nil {
			l.makeRoom(now)
			b = &bucket{rate: l.rate, burst: l.burst, tokens: l.burst, last: now}
			l.clients[client] = b
		}
		b.refill(now)
	}
	if l.total != nil {
		l.total.refill(now)
	}
	if b != nil && b.tokens < 1 {
		return false, b.wait()
	}
	if l.total != nil && l.total.tokens < 1 {
		return false, l.total.wait()
	}
	if b != nil {
		b.tokens--
	}
	if l.total != nil {
		l.total.tokens--
	}
	return true, 0
}

// makeRoom frees a slot when the client table is full: first every client whose
// bucket has refilled (it would start full anyway), else an arbitrary one.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.clients) < l.max {
		return
	}
	for k, b := range l.clients {
		b.refill(now)
		if b.tokens >= b.burst {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) < l.max {
			return
		}
		delete(l.clients, k)
	}
}

// refill adds the tokens earned since last, up to burst.
func (b *bucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(b.burst, b.tokens+elapsed*b.rate)
		b.last = now
	}
}

// wait is how long until the bucket holds a whole token; an hour if it never
// refills (rate 0).
func (b *bucket) wait() time.Duration {
	if b.rate <= 0 {
		return time.Hour
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}
