package meta

import (
	"context"
	"time"
)

// CreateBucket creates a bucket; ErrBucketExists if one with that name exists.
// b.CreatedAt defaults to now. The caller validates the name's S3 syntax.
func (m *Meta) CreateBucket(ctx context.Context, b Bucket) error {
	if b.Name == "" {
		return invalidf("empty bucket name")
	}
	b.CreatedAt = createdAt(b.CreatedAt)
	// Applied twice, the same create (same CreatedAt) is a no-op: it is proposed again
	// when an election makes its outcome unknown.
	return m.applyIdempotent(ctx, BucketCreate{Name: b.Name, Owner: b.Owner, Region: b.Region, CreatedAt: b.CreatedAt})
}

// createdAt is t, or now when t is zero: the proposer sets a bucket's creation time.
func createdAt(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t
}

// DeleteBucket removes a bucket's metadata; ErrNoSuchBucket if there is none. Whether
// the bucket is empty is the object layer's check, made before the call.
func (m *Meta) DeleteBucket(ctx context.Context, name string) error {
	return m.applyConfig(ctx, BucketDelete{Name: name})
}

// Bucket returns a bucket; ErrNoSuchBucket if there is none. A local miss is confirmed
// against the leader first, so it may return an error wrapping ErrNotReady.
func (m *Meta) Bucket(ctx context.Context, name string) (Bucket, error) {
	b, ok, err := confirmed(ctx, m, func() (Bucket, bool) { return m.fsm.bucket(name) })
	switch {
	case err != nil:
		return Bucket{}, err
	case !ok:
		return Bucket{}, ErrNoSuchBucket
	}
	return b, nil
}

// BucketLatest returns a bucket as the leader's committed state has it: it first
// catches this node up with the leader (a round trip to it), so that reading a
// bucket's configuration through any node shows a change just made through any other
// (GetBucketVersioning right after PutBucketVersioning, behind a load balancer).
// ErrNoSuchBucket if there is none.
func (m *Meta) BucketLatest(ctx context.Context, name string) (Bucket, error) {
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	if err := m.catchUp(ctx); err != nil {
		return Bucket{}, err
	}
	b, ok := m.fsm.bucket(name)
	if !ok {
		return Bucket{}, ErrNoSuchBucket
	}
	return b, nil
}

// Buckets returns every bucket in name order, from the local state (a bucket created
// through another node an instant ago may be missing).
func (m *Meta) Buckets(ctx context.Context) ([]Bucket, error) {
	return m.fsm.buckets(), nil
}
