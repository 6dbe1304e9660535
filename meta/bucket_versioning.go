package meta

import (
	"context"
	"fmt"
)

// A bucket's versioning state, as S3 names it. A bucket starts unversioned ("") and,
// once versioning is Enabled, can only be Enabled or Suspended again: it never
// returns to unversioned.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// CmdBucketVersioningSet sets a bucket's versioning state.
const CmdBucketVersioningSet CommandType = 12

// BucketVersioningSet sets a bucket's versioning state to Status (VersioningEnabled or
// VersioningSuspended). Apply refuses a bucket that does not exist (ErrNoSuchBucket)
// and any other status (ErrInvalid), and Suspended on a bucket with object lock
// (ErrInvalidBucketState). Idempotent.
type BucketVersioningSet struct {
	Bucket string `json:"bucket"`
	Status string `json:"status"`
}

func (BucketVersioningSet) commandType() CommandType { return CmdBucketVersioningSet }

func (f *fsm) applyBucketVersioningSet(c *BucketVersioningSet) error {
	if c.Status != VersioningEnabled && c.Status != VersioningSuspended {
		return invalidf("versioning status %q", c.Status)
	}
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	if b.ObjectLock.Enabled && c.Status != VersioningEnabled {
		return fmt.Errorf("%w: versioning cannot be suspended on bucket %s, which has object lock", ErrInvalidBucketState, c.Bucket)
	}
	b.Versioning = c.Status
	f.st.Buckets[c.Bucket] = b
	return nil
}

// PutBucketVersioning sets a bucket's versioning state: VersioningEnabled or
// VersioningSuspended (ErrInvalid otherwise); ErrNoSuchBucket if it does not exist.
func (m *Meta) PutBucketVersioning(ctx context.Context, bucket, status string) error {
	if status != VersioningEnabled && status != VersioningSuspended {
		return invalidf("versioning status %q", status)
	}
	return m.applySetting(ctx, BucketVersioningSet{Bucket: bucket, Status: status})
}
