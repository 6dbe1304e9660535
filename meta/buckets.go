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
	if b.CreatedAt.IsZero() {
		b.CreatedAt = time.Now().UTC()
	}
	return m.apply(ctx, BucketCreate{Name: b.Name, Owner: b.Owner, Region: b.Region, CreatedAt: b.CreatedAt})
}

// DeleteBucket removes a bucket's metadata; ErrNoSuchBucket if there is none. Whether
// the bucket is empty is the object layer's check, made before the call.
func (m *Meta) DeleteBucket(ctx context.Context, name string) error {
	return m.apply(ctx, BucketDelete{Name: name})
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

// Buckets returns every bucket in name order, from the local state (a bucket created
// through another node an instant ago may be missing).
func (m *Meta) Buckets(ctx context.Context) ([]Bucket, error) {
	return m.fsm.buckets(), nil
}
