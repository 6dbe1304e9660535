package meta

import (
	"context"
	"fmt"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
)

// BucketPolicy is a bucket's policy.
type BucketPolicy struct {
	Bucket string
	// Document is the policy JSON as it was put.
	Document  []byte
	UpdatedAt time.Time
	// Policy is Document compiled, shared and immutable, for policy.Evaluate. It is
	// nil only if the document no longer compiles (a stricter newer version of the
	// policy package): the caller must then fail closed.
	Policy *policy.Policy
}

// PutBucketPolicy sets a bucket's policy, replacing any. doc must validate with
// policy.ParseBucketPolicy for this bucket (every statement has a Principal, S3
// actions only, resources in the bucket); otherwise the error wraps ErrMalformedPolicy
// and the *policy.ValidationError. ErrNoSuchBucket if the bucket does not exist. The
// policy is deleted with the bucket.
func (m *Meta) PutBucketPolicy(ctx context.Context, bucket string, doc []byte) error {
	if _, err := policy.ParseBucketPolicy(doc, bucket); err != nil {
		return malformed(err)
	}
	return m.applySetting(ctx, BucketPolicyPut{Bucket: bucket, Document: string(doc), UpdatedAt: time.Now().UTC()})
}

// BucketPolicy returns a bucket's policy; ErrNoSuchBucketPolicy if it has none. The
// read is local and unconfirmed, since the authorizer calls it on every request: a
// policy put through another node an instant ago may not be seen yet (the time the
// node takes to apply the entry, milliseconds on a healthy cluster). Whether the
// bucket exists is the caller's check.
func (m *Meta) BucketPolicy(ctx context.Context, bucket string) (BucketPolicy, error) {
	p, ok := m.fsm.bucketPolicy(bucket)
	if !ok {
		return BucketPolicy{}, fmt.Errorf("%w: %s", ErrNoSuchBucketPolicy, bucket)
	}
	return p, nil
}

// DeleteBucketPolicy removes a bucket's policy; a bucket without one is a no-op, as
// S3. ErrNoSuchBucket if the bucket does not exist.
func (m *Meta) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	return m.applyConfig(ctx, BucketPolicyDelete{Bucket: bucket})
}
