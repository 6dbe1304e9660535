package meta

import (
	"context"
	"fmt"
)

// A bucket's quota (docs/quotas.md): hard limits on what the bucket may hold, which
// the S3 API enforces on every write from the cluster's usage figures.

// CmdBucketQuotaSet sets or clears a bucket's quota.
const CmdBucketQuotaSet CommandType = 24

// BucketQuota is a bucket's quota. The zero value is no quota. A limit of 0 is no
// limit of that kind.
type BucketQuota struct {
	// Bytes is the most bytes the bucket may hold: the sizes of all its versions that
	// hold data, current and noncurrent (BucketUsage.VersionBytes). 0: no limit.
	Bytes int64 `json:"bytes,omitempty"`
	// Objects is the most versions holding data the bucket may hold, current and
	// noncurrent (BucketUsage.Versions; in an unversioned bucket, its objects). 0: no
	// limit.
	Objects int64 `json:"objects,omitempty"`
}

// IsZero reports a quota that limits nothing.
func (q BucketQuota) IsZero() bool { return q.Bytes == 0 && q.Objects == 0 }

// check refuses negative limits (ErrInvalid).
func (q BucketQuota) check() error {
	if q.Bytes < 0 || q.Objects < 0 {
		return invalidf("a quota's limits are 0 (none) or positive, not %d bytes and %d objects", q.Bytes, q.Objects)
	}
	return nil
}

// BucketQuotaSet sets Bucket's quota to Quota; the zero Quota clears it. Apply
// refuses a bucket that does not exist (ErrNoSuchBucket) and negative limits
// (ErrInvalid). Idempotent. The quota goes with the bucket when it is deleted.
type BucketQuotaSet struct {
	Bucket string      `json:"bucket"`
	Quota  BucketQuota `json:"quota,omitzero"`
}

func (BucketQuotaSet) commandType() CommandType { return CmdBucketQuotaSet }

func (f *fsm) applyBucketQuotaSet(c *BucketQuotaSet) error {
	if err := c.Quota.check(); err != nil {
		return err
	}
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	b.Quota = c.Quota
	f.st.Buckets[c.Bucket] = b
	return nil
}

// SetBucketQuota sets a bucket's quota; the zero quota clears it. ErrNoSuchBucket if
// the bucket does not exist, ErrInvalid for a negative limit.
func (m *Meta) SetBucketQuota(ctx context.Context, bucket string, q BucketQuota) error {
	if err := q.check(); err != nil {
		return err
	}
	return m.applySetting(ctx, BucketQuotaSet{Bucket: bucket, Quota: q})
}
