package metrics

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"
)

// OtherBucket is the bucket label of everything not given its own: it cannot be a
// bucket's name (S3 bucket names hold no underscore).
const OtherBucket = "_other"

// MaxTrackedBuckets caps the buckets whose requests a node counts one by one: a
// bucket name comes from the client, and a name that does not exist costs nothing to
// send, so the map of counters must not grow with what clients invent. Requests to
// further names are counted in OtherBucket only.
const MaxTrackedBuckets = 10000

// BucketTraffic is one bucket's requests as one node served them since it started.
type BucketTraffic struct {
	// Requests by operation class (Classes).
	Requests map[string]int64 `json:"requests"`
	// Errors are the requests answered with an S3 error (4xx or 5xx).
	Errors int64 `json:"errors"`
	// BytesIn and BytesOut are request and response body bytes.
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}

// trafficCounters are one bucket's live counters.
type trafficCounters struct {
	requests          [4]atomic.Int64 // by index in Classes
	errors            atomic.Int64
	bytesIn, bytesOut atomic.Int64
}

func (t *trafficCounters) add(class int, failed bool, in, out int64) {
	t.requests[class].Add(1)
	if failed {
		t.errors.Add(1)
	}
	t.bytesIn.Add(in)
	t.bytesOut.Add(out)
}

func (t *trafficCounters) snapshot() BucketTraffic {
	b := BucketTraffic{Requests: make(map[string]int64, len(Classes)),
		Errors: t.errors.Load(), BytesIn: t.bytesIn.Load(), BytesOut: t.bytesOut.Load()}
	for i, c := range Classes {
		b.Requests[c] = t.requests[i].Load()
	}
	return b
}

func (t *trafficCounters) total() int64 {
	var n int64
	for i := range t.requests {
		n += t.requests[i].Load()
	}
	return n
}

// bucketTraffic counts every bucket's requests exactly (up to MaxTrackedBuckets
// names) and chooses which buckets get their own Prometheus label.
//
// The labelled set is the opt-in list plus the top buckets by requests since the
// previous choice, chosen again at most once per selectEvery scrapes' worth of time
// (see choose). Requests to a bucket outside the set at the time they are served are
// also added to OtherBucket's counters, so that every exported series only ever
// grows: a bucket that joins the set appears with its whole count (a new series, not
// a jump), one that leaves disappears, and OtherBucket never goes down.
type bucketTraffic struct {
	limit  int             // buckets labelled by traffic, besides the opt-in list
	optIn  map[string]bool // always labelled
	mu     sync.RWMutex
	byName map[string]*trafficCounters
	other  trafficCounters // requests to buckets outside the labelled set
	// labelled is the current set; read on every request.
	labelled atomic.Pointer[map[string]bool]
	// lastTotals are each bucket's request totals at the last choice.
	chooseMu   sync.Mutex
	lastTotals map[string]int64
}

func newBucketTraffic(limit int, optIn []string) *bucketTraffic {
	t := &bucketTraffic{limit: limit, optIn: map[string]bool{}, byName: map[string]*trafficCounters{}, lastTotals: map[string]int64{}}
	set := map[string]bool{}
	for _, b := range optIn {
		t.optIn[b] = true
		set[b] = true
	}
	t.labelled.Store(&set)
	return t
}

// record counts one request to bucket.
func (t *bucketTraffic) record(bucket, op string, failed bool, in, out int64) {
	class := slices.Index(Classes, OperationClass(op))
	if !(*t.labelled.Load())[bucket] {
		t.other.add(class, failed, in, out)
	}
	t.mu.RLock()
	c := t.byName[bucket]
	t.mu.RUnlock()
	if c == nil {
		t.mu.Lock()
		if c = t.byName[bucket]; c == nil && len(t.byName) < MaxTrackedBuckets {
			c = &trafficCounters{}
			t.byName[bucket] = c
		}
		t.mu.Unlock()
	}
	if c != nil {
		c.add(class, failed, in, out)
	}
}

// snapshot returns every tracked bucket's counters.
func (t *bucketTraffic) snapshot() map[string]BucketTraffic {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]BucketTraffic, len(t.byName))
	for name, c := range t.byName {
		out[name] = c.snapshot()
	}
	return out
}

// choose picks the labelled set again: the opt-in list and the limit buckets with
// the most requests since the previous choice (ties by name).
func (t *bucketTraffic) choose() map[string]bool {
	t.chooseMu.Lock()
	defer t.chooseMu.Unlock()
	type recent struct {
		name string
		n    int64
	}
	var rs []recent
	t.mu.RLock()
	for name, c := range t.byName {
		total := c.total()
		if d := total - t.lastTotals[name]; d > 0 {
			rs = append(rs, recent{name, d})
		}
		t.lastTotals[name] = total
	}
	t.mu.RUnlock()
	slices.SortFunc(rs, func(a, b recent) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name))
	})
	set := make(map[string]bool, len(t.optIn)+t.limit)
	for b := range t.optIn {
		set[b] = true
	}
	for _, r := range rs[:min(t.limit, len(rs))] {
		set[r.name] = true
	}
	t.labelled.Store(&set)
	return set
}
