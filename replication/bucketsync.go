package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Bucket-level sync (docs/site-sync.md#bucket-level-sync): a rule with SyncBucket
// makes its target bucket when it is missing, and keeps the target bucket's
// versioning, object lock configuration, lifecycle, policy, tags, CORS rules and
// default encryption those of the source bucket. The backfiller compares the two every BucketInterval, through
// the S3 API on both sides, and sends what differs.

// errNoTargetBucket: the target bucket is missing and could not be made.
var errNoTargetBucket = errors.New("replication: the target bucket is missing")

// syncBucketDue compares the rule's buckets when BucketInterval has passed since
// the last time. It reports whether the target bucket is there (delivery may go
// on); a failure is counted, and retried at the next comparison (the next round
// when the target bucket could not be made).
func (d *delivery) syncBucketDue(ctx context.Context) bool {
	k := d.rule.Bucket + "\x00" + d.rule.ID
	d.w.mu.Lock()
	last := d.w.bucketSynced[k]
	d.w.mu.Unlock()
	if time.Since(last) < d.w.cfg.BucketInterval {
		return true
	}
	err := d.syncBucket(ctx)
	if err != nil {
		d.stats.fail(reason(err), fmt.Errorf("bucket %s: %w", d.rule.TargetBucket, err))
		if errors.Is(err, errNoTargetBucket) {
			return false // tried again next round
		}
	}
	// A setting refused (say, the peer's user may not put a policy) is tried
	// again at the next comparison, not every round: the rule's objects are
	// not held back by the failure's back-off meanwhile.
	d.w.mu.Lock()
	d.w.bucketSynced[k] = time.Now()
	d.w.mu.Unlock()
	return true
}

// syncBucket makes the target bucket if it is missing and sends each setting of
// the source bucket's that the target's differs from.
func (d *delivery) syncBucket(ctx context.Context) error {
	src, sb := d.w.cfg.Local, aws.String(d.rule.Bucket)
	lock, err := src.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: sb})
	if err != nil && !hasCode(err, "ObjectLockConfigurationNotFoundError") {
		return sourceErr(err)
	}
	locked := err == nil && lock.ObjectLockConfiguration != nil && lock.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled
	if err := d.makeTargetBucket(ctx, locked); err != nil {
		return err
	}
	steps := []func(context.Context) error{d.syncVersioning, d.syncLifecycle, d.syncPolicy, d.syncBucketTags, d.syncCORS, d.syncEncryption}
	if locked {
		steps = append(steps, func(ctx context.Context) error { return d.syncObjectLock(ctx, lock.ObjectLockConfiguration) })
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// makeTargetBucket creates the target bucket when a HeadBucket says it is not
// there, with object lock when the source bucket has it (S3 enables object lock
// at a bucket's creation), in the connection's region.
func (d *delivery) makeTargetBucket(ctx context.Context, locked bool) error {
	tb := aws.String(d.rule.TargetBucket)
	_, err := d.target.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: tb})
	switch {
	case err == nil:
		return nil
	case !isNotFound(err):
		return err
	}
	in := &s3.CreateBucketInput{Bucket: tb}
	if locked {
		in.ObjectLockEnabledForBucket = aws.Bool(true)
	}
	if c, err := d.w.md.Connection(ctx, d.rule.Connection); err == nil && c.Region != "" && c.Region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(c.Region)}
	}
	if _, err := d.target.CreateBucket(ctx, in); err != nil && !hasCode(err, "BucketAlreadyOwnedByYou") {
		return fmt.Errorf("%w: %w", errNoTargetBucket, err)
	}
	return nil
}

// syncVersioning enables or suspends the target's versioning as the source's is
// (a bucket never versioned has nothing to send: S3 cannot go back to that).
func (d *delivery) syncVersioning(ctx context.Context) error {
	s, err := d.w.cfg.Local.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(d.rule.Bucket)})
	if err != nil {
		return sourceErr(err)
	}
	if s.Status == "" {
		return nil
	}
	t, err := d.target.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(d.rule.TargetBucket)})
	if err != nil {
		return err
	}
	if t.Status == s.Status {
		return nil
	}
	_, err = d.target.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(d.rule.TargetBucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: s.Status}})
	return err
}

// syncObjectLock sends the source's object lock configuration (its default
// retention) when the target's differs.
func (d *delivery) syncObjectLock(ctx context.Context, want *types.ObjectLockConfiguration) error {
	tb := aws.String(d.rule.TargetBucket)
	t, err := d.target.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: tb})
	if err != nil && !hasCode(err, "ObjectLockConfigurationNotFoundError") {
		return err
	}
	if err == nil && reflect.DeepEqual(t.ObjectLockConfiguration, want) {
		return nil
	}
	_, err = d.target.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: tb, ObjectLockConfiguration: want})
	return err
}

// bucketSetting is a bucket setting that bucket-level sync keeps the target's the
// source's. get reads it from a bucket through c (a bucket without it answers the
// error code none, read as the zero value); the source's value goes through adapt
// when set; then, when the two differ, put sends the source's, or remove deletes
// the target's when the source's is empty.
type bucketSetting[T any] struct {
	none   string
	get    func(ctx context.Context, c *s3.Client, bucket *string) (T, error)
	adapt  func(T) T
	equal  func(want, got T) bool
	empty  func(T) bool
	put    func(ctx context.Context, c *s3.Client, bucket *string, v T) error
	remove func(ctx context.Context, c *s3.Client, bucket *string) error
}

// syncSetting reads setting s on both sides and sends what differs.
func syncSetting[T any](ctx context.Context, d *delivery, s bucketSetting[T]) error {
	want, err := s.get(ctx, d.w.cfg.Local, aws.String(d.rule.Bucket))
	if err != nil && !hasCode(err, s.none) {
		return sourceErr(err)
	}
	if s.adapt != nil {
		want = s.adapt(want)
	}
	tb := aws.String(d.rule.TargetBucket)
	got, err := s.get(ctx, d.target, tb)
	if err != nil && !hasCode(err, s.none) {
		return err
	}
	switch {
	case s.empty(want) && s.empty(got), s.equal(want, got):
		return nil
	case s.empty(want):
		return s.remove(ctx, d.target, tb)
	default:
		return s.put(ctx, d.target, tb, want)
	}
}

// syncLifecycle sends the source's lifecycle rules, or deletes the target's when
// the source has none.
func (d *delivery) syncLifecycle(ctx context.Context) error {
	return syncSetting(ctx, d, bucketSetting[[]types.LifecycleRule]{
		none: "NoSuchLifecycleConfiguration",
		get: func(ctx context.Context, c *s3.Client, b *string) ([]types.LifecycleRule, error) {
			out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
			if err != nil {
				return nil, err
			}
			return out.Rules, nil
		},
		equal: deepEqual[[]types.LifecycleRule],
		empty: func(r []types.LifecycleRule) bool { return len(r) == 0 },
		put: func(ctx context.Context, c *s3.Client, b *string, r []types.LifecycleRule) error {
			_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: b,
				LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: r}})
			return err
		},
		remove: func(ctx context.Context, c *s3.Client, b *string) error {
			_, err := c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b})
			return err
		},
	})
}

// syncPolicy sends the source's bucket policy, its resources renamed from the
// source bucket's ARN to the target's, or deletes the target's when the source
// has none.
func (d *delivery) syncPolicy(ctx context.Context) error {
	return syncSetting(ctx, d, bucketSetting[string]{
		none: "NoSuchBucketPolicy",
		get: func(ctx context.Context, c *s3.Client, b *string) (string, error) {
			out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
			if err != nil {
				return "", err
			}
			return aws.ToString(out.Policy), nil
		},
		adapt: func(doc string) string { return renameBucketARN(doc, d.rule.Bucket, d.rule.TargetBucket) },
		equal: func(want, got string) bool { return want == got },
		empty: func(doc string) bool { return doc == "" },
		put: func(ctx context.Context, c *s3.Client, b *string, doc string) error {
			_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(doc)})
			return err
		},
		remove: func(ctx context.Context, c *s3.Client, b *string) error {
			_, err := c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b})
			return err
		},
	})
}

// renameBucketARN renames, in a policy document, the resources of bucket from to
// bucket to: "arn:aws:s3:::from" and "arn:aws:s3:::from/...".
func renameBucketARN(doc, from, to string) string {
	if from == to {
		return doc
	}
	const arn = "arn:aws:s3:::"
	doc = strings.ReplaceAll(doc, `"`+arn+from+`"`, `"`+arn+to+`"`)
	return strings.ReplaceAll(doc, `"`+arn+from+`/`, `"`+arn+to+`/`)
}

// syncBucketTags sends the source bucket's tags, or deletes the target's when the
// source has none.
func (d *delivery) syncBucketTags(ctx context.Context) error {
	return syncSetting(ctx, d, bucketSetting[map[string]string]{
		none: "NoSuchTagSet",
		get: func(ctx context.Context, c *s3.Client, b *string) (map[string]string, error) {
			out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
			if err != nil {
				return nil, err
			}
			return tagMap(out.TagSet), nil
		},
		equal: maps.Equal[map[string]string, map[string]string],
		empty: func(m map[string]string) bool { return len(m) == 0 },
		put: func(ctx context.Context, c *s3.Client, b *string, m map[string]string) error {
			_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: tagSet(m)}})
			return err
		},
		remove: func(ctx context.Context, c *s3.Client, b *string) error {
			_, err := c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b})
			return err
		},
	})
}

// syncCORS sends the source bucket's CORS rules, or deletes the target's when the
// source has none.
func (d *delivery) syncCORS(ctx context.Context) error {
	return syncSetting(ctx, d, bucketSetting[[]types.CORSRule]{
		none: "NoSuchCORSConfiguration",
		get: func(ctx context.Context, c *s3.Client, b *string) ([]types.CORSRule, error) {
			out, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: b})
			if err != nil {
				return nil, err
			}
			return out.CORSRules, nil
		},
		equal: deepEqual[[]types.CORSRule],
		empty: func(r []types.CORSRule) bool { return len(r) == 0 },
		put: func(ctx context.Context, c *s3.Client, b *string, r []types.CORSRule) error {
			_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{CORSRules: r}})
			return err
		},
		remove: func(ctx context.Context, c *s3.Client, b *string) error {
			_, err := c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: b})
			return err
		},
	})
}

// syncEncryption sends the source bucket's default encryption, or deletes the
// target's when the source has none.
func (d *delivery) syncEncryption(ctx context.Context) error {
	return syncSetting(ctx, d, bucketSetting[[]types.ServerSideEncryptionRule]{
		none: "ServerSideEncryptionConfigurationNotFoundError",
		get: func(ctx context.Context, c *s3.Client, b *string) ([]types.ServerSideEncryptionRule, error) {
			out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
			if err != nil || out.ServerSideEncryptionConfiguration == nil {
				return nil, err
			}
			return out.ServerSideEncryptionConfiguration.Rules, nil
		},
		equal: deepEqual[[]types.ServerSideEncryptionRule],
		empty: func(r []types.ServerSideEncryptionRule) bool { return len(r) == 0 },
		put: func(ctx context.Context, c *s3.Client, b *string, r []types.ServerSideEncryptionRule) error {
			_, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b,
				ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: r}})
			return err
		},
		remove: func(ctx context.Context, c *s3.Client, b *string) error {
			_, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: b})
			return err
		},
	})
}

// deepEqual compares two settings as decoded by the SDK.
func deepEqual[T any](a, b T) bool { return reflect.DeepEqual(a, b) }

// hasCode reports an S3 error answer with one of codes.
func hasCode(err error, codes ...string) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.ErrorCode() == c {
			return true
		}
	}
	return false
}
