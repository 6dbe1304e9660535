package meta

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// MaxLifecycleRules is the most rules a bucket's lifecycle configuration may hold, as
// in S3.
const MaxLifecycleRules = 1000

// CmdBucketLifecycleSet sets or removes a bucket's lifecycle configuration. 13–19
// are left to the other bucket settings being added at the same time.
const CmdBucketLifecycleSet CommandType = 20

// LifecycleConfig is a bucket's lifecycle configuration: what S3's
// PutBucketLifecycleConfiguration sets. The S3 API validates it (S3's errors) before
// it is stored; the lifecycle engine applies it. A value held by the state is never
// modified: callers get their own copy (Clone).
type LifecycleConfig struct {
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one rule of a lifecycle configuration. Day counts are whole
// lifecycle days (a day is 24h unless the node shortens it for tests); 0 means the
// action is absent.
type LifecycleRule struct {
	ID      string `json:"id,omitempty"`
	Enabled bool   `json:"enabled"`
	// Filter selects the objects the rule applies to.
	Filter LifecycleFilter `json:"filter"`
	// ExpirationDays expires current versions this many days after their creation.
	ExpirationDays int `json:"expirationDays,omitempty"`
	// ExpirationDate expires current versions from this date (midnight UTC) on.
	ExpirationDate time.Time `json:"expirationDate,omitzero"`
	// ExpiredObjectDeleteMarker removes a delete marker that is a key's only version.
	ExpiredObjectDeleteMarker bool `json:"expiredObjectDeleteMarker,omitempty"`
	// NoncurrentDays removes a noncurrent version this many days after it became
	// noncurrent (the creation of its successor).
	NoncurrentDays int `json:"noncurrentDays,omitempty"`
	// NewerNoncurrentVersions keeps this many newer noncurrent versions whatever
	// their age; only with NoncurrentDays.
	NewerNoncurrentVersions int `json:"newerNoncurrentVersions,omitempty"`
	// AbortDays aborts a multipart upload this many days after it was initiated.
	AbortDays int `json:"abortDays,omitempty"`
}

// LifecycleFilter selects objects by key prefix, tags and size. Every condition set
// must hold. Form records how the XML named it, so that a GET returns it the way it
// was given.
type LifecycleFilter struct {
	// Form is FilterLegacy (a top-level Prefix), FilterSingle (a Filter with at most
	// one condition) or FilterAnd (a Filter with an And).
	Form   string         `json:"form,omitempty"`
	Prefix string         `json:"prefix,omitempty"`
	Tags   []LifecycleTag `json:"tags,omitempty"`
	// SizeGreaterThan and SizeLessThan bound the object's size in bytes; 0 means no
	// bound.
	SizeGreaterThan int64 `json:"sizeGreaterThan,omitempty"`
	SizeLessThan    int64 `json:"sizeLessThan,omitempty"`
}

// The forms of a LifecycleFilter.
const (
	FilterLegacy = "legacy"
	FilterSingle = "single"
	FilterAnd    = "and"
)

// LifecycleTag is one tag a filter requires, in the order given.
type LifecycleTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Clone returns a copy that shares nothing with c; nil for nil.
func (c *LifecycleConfig) Clone() *LifecycleConfig {
	if c == nil {
		return nil
	}
	out := &LifecycleConfig{Rules: slices.Clone(c.Rules)}
	for i := range out.Rules {
		out.Rules[i].Filter.Tags = slices.Clone(out.Rules[i].Filter.Tags)
	}
	return out
}

// Matches reports whether an object with this key, tags and size is one the filter
// selects.
func (f *LifecycleFilter) Matches(key string, tags map[string]string, size int64) bool {
	if len(key) < len(f.Prefix) || key[:len(f.Prefix)] != f.Prefix {
		return false
	}
	for _, t := range f.Tags {
		if v, ok := tags[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	if f.SizeGreaterThan > 0 && size <= f.SizeGreaterThan {
		return false
	}
	if f.SizeLessThan > 0 && size >= f.SizeLessThan {
		return false
	}
	return true
}

// HasTagOrSize reports whether the filter looks at tags or size, which an
// ExpiredObjectDeleteMarker action may not (a delete marker has neither).
func (f *LifecycleFilter) HasTagOrSize() bool {
	return len(f.Tags) > 0 || f.SizeGreaterThan > 0 || f.SizeLessThan > 0
}

// BucketLifecycleSet replaces a bucket's lifecycle configuration; a nil Config
// removes it. The proposer validates it (the S3 API, with S3's errors): Apply
// refuses only a bucket that does not exist (ErrNoSuchBucket) and more than
// MaxLifecycleRules rules (ErrInvalid). Idempotent.
type BucketLifecycleSet struct {
	Bucket string           `json:"bucket"`
	Config *LifecycleConfig `json:"config,omitempty"`
}

func (BucketLifecycleSet) commandType() CommandType { return CmdBucketLifecycleSet }

func (f *fsm) applyBucketLifecycleSet(c *BucketLifecycleSet) error {
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	if c.Config != nil && len(c.Config.Rules) > MaxLifecycleRules {
		return invalidf("%d lifecycle rules, at most %d", len(c.Config.Rules), MaxLifecycleRules)
	}
	// The decoded config belongs to this command alone: nothing else holds it.
	b.Lifecycle = c.Config
	if c.Config != nil && len(c.Config.Rules) == 0 {
		b.Lifecycle = nil
	}
	f.st.Buckets[c.Bucket] = b
	return nil
}

// PutBucketLifecycle replaces a bucket's lifecycle configuration (validated by the
// caller); ErrNoSuchBucket if the bucket does not exist, ErrInvalid for more than
// MaxLifecycleRules rules.
func (m *Meta) PutBucketLifecycle(ctx context.Context, bucket string, cfg *LifecycleConfig) error {
	if cfg != nil && len(cfg.Rules) > MaxLifecycleRules {
		return invalidf("%d lifecycle rules, at most %d", len(cfg.Rules), MaxLifecycleRules)
	}
	return m.applySetting(ctx, BucketLifecycleSet{Bucket: bucket, Config: cfg.Clone()})
}

// DeleteBucketLifecycle removes a bucket's lifecycle configuration; a bucket without
// one is a no-op, as in S3. ErrNoSuchBucket if the bucket does not exist.
func (m *Meta) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	return m.applySetting(ctx, BucketLifecycleSet{Bucket: bucket})
}

// cloneBucket returns b with its own copies of the maps and configurations it holds.
func cloneBucket(b Bucket) Bucket {
	b.Tags = maps.Clone(b.Tags)
	b.Lifecycle = b.Lifecycle.Clone()
	b.CORS = b.CORS.Clone()
	return b
}
