package meta

import (
	"context"
	"errors"
	"fmt"
)

// Object lock's bucket side (docs/object-lock.md): whether a bucket has object lock,
// and its default retention for new versions. Once enabled it is never disabled, and
// the bucket's versioning stays Enabled for good (it cannot be suspended).

// CmdBucketObjectLockSet enables object lock on a bucket (creating it first when the
// command carries a BucketCreate) or replaces its default retention.
const CmdBucketObjectLockSet CommandType = 21

// ErrInvalidBucketState: object lock enabled on a bucket whose versioning is not
// Enabled, or versioning suspended on a bucket with object lock.
var ErrInvalidBucketState = errors.New("meta: the bucket's state does not allow this")

// The retention modes of a default retention, as S3 names them.
const (
	RetentionGovernance = "GOVERNANCE"
	RetentionCompliance = "COMPLIANCE"
)

// ObjectLockConfig is a bucket's object lock configuration. The zero value is a
// bucket without object lock.
type ObjectLockConfig struct {
	Enabled bool `json:"enabled,omitempty"`
	// Mode is the default retention's mode, RetentionGovernance or
	// RetentionCompliance; "" for no default retention. Exactly one of Days and
	// Years is positive when Mode is set.
	Mode  string `json:"mode,omitempty"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// check reports a configuration that can never be applied (ErrInvalid).
func (c ObjectLockConfig) check() error {
	switch {
	case !c.Enabled:
		return invalidf("object lock cannot be disabled")
	case c.Mode == "" && (c.Days != 0 || c.Years != 0):
		return invalidf("a default retention needs a mode")
	case c.Mode == "":
		return nil
	case c.Mode != RetentionGovernance && c.Mode != RetentionCompliance:
		return invalidf("retention mode %q", c.Mode)
	case (c.Days > 0) == (c.Years > 0) || c.Days < 0 || c.Years < 0:
		return invalidf("a default retention has a positive Days or Years, not both")
	}
	return nil
}

// BucketObjectLockSet sets Bucket's object lock configuration to Config (Enabled
// set). With Create, the bucket is created first (as BucketCreate, a retry being a
// no-op) and its versioning turned on, in the same step; without it, the bucket must
// exist (ErrNoSuchBucket) with versioning Enabled (ErrInvalidBucketState). A
// configuration that breaks the rules is ErrInvalid. Idempotent.
type BucketObjectLockSet struct {
	Bucket string           `json:"bucket"`
	Config ObjectLockConfig `json:"config"`
	Create *BucketCreate    `json:"create,omitempty"`
}

func (BucketObjectLockSet) commandType() CommandType { return CmdBucketObjectLockSet }

func (f *fsm) applyBucketObjectLockSet(c *BucketObjectLockSet) error {
	if err := c.Config.check(); err != nil {
		return err
	}
	if c.Create != nil {
		if c.Create.Name != c.Bucket {
			return invalidf("bucket %q created as %q", c.Bucket, c.Create.Name)
		}
		old, existed := f.st.Buckets[c.Bucket]
		if err := f.applyBucketCreate(c.Create); err != nil {
			return err
		}
		if existed && !old.ObjectLock.Enabled {
			// The same create without object lock made it: this one cannot succeed.
			return fmt.Errorf("%w: %s", ErrBucketExists, c.Bucket)
		}
		b := f.st.Buckets[c.Bucket]
		b.Versioning = VersioningEnabled
		f.st.Buckets[c.Bucket] = b
	}
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	if b.Versioning != VersioningEnabled {
		return fmt.Errorf("%w: versioning must be Enabled on bucket %s to apply an object lock configuration", ErrInvalidBucketState, c.Bucket)
	}
	b.ObjectLock = c.Config
	f.st.Buckets[c.Bucket] = b
	return nil
}

// CreateLockedBucket creates a bucket with object lock enabled and versioning on (S3's
// CreateBucket with x-amz-bucket-object-lock-enabled), in one step: errors as
// CreateBucket.
func (m *Meta) CreateLockedBucket(ctx context.Context, b Bucket) error {
	if b.Name == "" {
		return invalidf("empty bucket name")
	}
	b.CreatedAt = createdAt(b.CreatedAt)
	create := BucketCreate{Name: b.Name, Owner: b.Owner, Region: b.Region, CreatedAt: b.CreatedAt}
	return m.applyIdempotent(ctx, BucketObjectLockSet{Bucket: b.Name, Config: ObjectLockConfig{Enabled: true}, Create: &create})
}

// PutBucketObjectLock sets a bucket's object lock configuration (Enabled must be
// set: object lock is never disabled). ErrNoSuchBucket, ErrInvalidBucketState (its
// versioning is not Enabled), ErrInvalid (see ObjectLockConfig).
func (m *Meta) PutBucketObjectLock(ctx context.Context, bucket string, c ObjectLockConfig) error {
	if err := c.check(); err != nil {
		return err
	}
	return m.applySetting(ctx, BucketObjectLockSet{Bucket: bucket, Config: c})
}
