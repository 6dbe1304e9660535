// Package quota enforces buckets' quotas (docs/quotas.md) for the S3 API: whether a
// write of so many bytes and objects fits in a bucket's quota, judged from the
// cluster's usage figures plus the writes this node has accepted since they were
// measured.
package quota

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
)

// Source gives the cluster's usage of every bucket (blob.ClusterBucketUsage over the
// nodes that answered) and the time of the oldest measurement in it: what was written
// after that time may be missing from the figures. cmd/node supplies it.
type Source interface {
	QuotaUsage(ctx context.Context) (usage map[string]blob.BucketUsage, measuredAt time.Time, err error)
}

// Exceeded is the error of a write that does not fit in its bucket's quota.
type Exceeded struct {
	Bucket string
	Quota  meta.BucketQuota
	// Used is the bucket's usage as the check counted it (the figures plus this
	// node's writes since), Adding what the write would add.
	Used, Adding blob.BucketUsage
}

// Error says which limit the write would pass.
func (e *Exceeded) Error() string {
	if e.Quota.Bytes > 0 && e.Used.VersionBytes+e.Adding.VersionBytes > e.Quota.Bytes {
		return fmt.Sprintf("The bucket %s holds %d bytes of its quota of %d; this write adds %d.", e.Bucket, e.Used.VersionBytes, e.Quota.Bytes, e.Adding.VersionBytes)
	}
	return fmt.Sprintf("The bucket %s holds %d objects of its quota of %d; this write adds %d.", e.Bucket, e.Used.Versions, e.Quota.Objects, e.Adding.Versions)
}

// ErrExceeded matches every *Exceeded with errors.Is.
var ErrExceeded = errors.New("quota: bucket quota exceeded")

// Is makes errors.Is(err, ErrExceeded) true.
func (e *Exceeded) Is(target error) bool { return target == ErrExceeded }

// Config configures an Enforcer.
type Config struct {
	// Keep is how long the Enforcer remembers the writes it accepted, to add them to
	// figures measured before them: at least the oldest age the Source's figures can
	// have (the nodes' --usage-max-age plus the Source's own cache). Default 5 minutes.
	Keep time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Enforcer decides whether writes fit in their buckets' quotas. One per node, shared
// by every S3 API instance of the node (the S3 port and the console's), so that each
// counts the others' writes. Safe for concurrent use.
type Enforcer struct {
	src  Source
	keep time.Duration
	now  func() time.Time

	mu sync.Mutex
	// recent holds, per bucket with a quota, the writes this node accepted in the last
	// Keep, summed per second (at most Keep/1s entries a bucket), oldest first.
	recent map[string][]second
}

// second is the writes accepted within one second, stamped with the second's end.
type second struct {
	end   time.Time
	usage blob.BucketUsage
}

// New returns an Enforcer over src.
func New(cfg Config, src Source) *Enforcer {
	if cfg.Keep <= 0 {
		cfg.Keep = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Enforcer{src: src, keep: cfg.Keep, now: cfg.Now, recent: map[string][]second{}}
}

// Reserve checks that adding bytes and objects (versions holding data) to bucket
// stays within q, and if so counts them as written at once, so that concurrent
// writes through this node cannot pass the quota together. The caller calls release
// if the write then fails (release is safe to call more than once, and after a
// success it must not be called). A zero q is no quota: nothing is checked or
// counted. The error is an *Exceeded, or the Source's.
func (e *Enforcer) Reserve(ctx context.Context, bucket string, q meta.BucketQuota, bytes, objects int64) (release func(), err error) {
	if q.IsZero() {
		return func() {}, nil
	}
	usage, measuredAt, err := e.src.QuotaUsage(ctx)
	if err != nil {
		return nil, err
	}
	add := blob.BucketUsage{Versions: objects, VersionBytes: bytes}
	e.mu.Lock()
	defer e.mu.Unlock()
	used := usage[bucket]
	used.Add(e.since(bucket, measuredAt))
	if (q.Bytes > 0 && used.VersionBytes+bytes > q.Bytes) || (q.Objects > 0 && used.Versions+objects > q.Objects) {
		return nil, &Exceeded{Bucket: bucket, Quota: q, Used: used, Adding: add}
	}
	end := e.record(bucket, add)
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.unrecord(bucket, end, add)
		})
	}, nil
}

// Check is Reserve without counting the write: for a part of a multipart upload,
// whose bytes count once the upload is completed.
func (e *Enforcer) Check(ctx context.Context, bucket string, q meta.BucketQuota, bytes, objects int64) error {
	release, err := e.Reserve(ctx, bucket, q, bytes, objects)
	if err == nil {
		release()
	}
	return err
}

// since sums bucket's writes in the seconds that end after t (a second that ends at
// t or before was measured), dropping those older than Keep. e.mu held.
func (e *Enforcer) since(bucket string, t time.Time) blob.BucketUsage {
	secs := e.recent[bucket]
	cutoff := e.now().Add(-e.keep)
	drop := 0
	for drop < len(secs) && secs[drop].end.Before(cutoff) {
		drop++
	}
	secs = secs[drop:]
	if len(secs) == 0 {
		delete(e.recent, bucket)
	} else {
		e.recent[bucket] = secs
	}
	var sum blob.BucketUsage
	for _, s := range secs {
		if s.end.After(t) {
			sum.Add(s.usage)
		}
	}
	return sum
}

// record adds u to the current second of bucket and returns that second's end. e.mu
// held.
func (e *Enforcer) record(bucket string, u blob.BucketUsage) time.Time {
	end := e.now().Truncate(time.Second).Add(time.Second)
	secs := e.recent[bucket]
	if n := len(secs); n > 0 && secs[n-1].end.Equal(end) {
		secs[n-1].usage.Add(u)
		return end
	}
	e.recent[bucket] = append(secs, second{end: end, usage: u})
	return end
}

// unrecord takes u back out of the second that ends at end. e.mu held.
func (e *Enforcer) unrecord(bucket string, end time.Time, u blob.BucketUsage) {
	secs := e.recent[bucket]
	for i := range secs {
		if secs[i].end.Equal(end) {
			neg := blob.BucketUsage{Versions: -u.Versions, VersionBytes: -u.VersionBytes}
			secs[i].usage.Add(neg)
			return
		}
	}
}
