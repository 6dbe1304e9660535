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
// versioning, object lock configuration, lifecycle, policy and tags those of the
// source bucket. The backfiller compares the two every BucketInterval, through
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
	steps := []func(context.Context) error{d.syncVersioning, d.syncLifecycle, d.syncPolicy, d.syncBucketTags}
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

// syncLifecycle sends the source's lifecycle rules, or deletes the target's when
// the source has none.
func (d *delivery) syncLifecycle(ctx context.Context) error {
	const none = "NoSuchLifecycleConfiguration"
	s, err := d.w.cfg.Local.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(d.rule.Bucket)})
	if err != nil && !hasCode(err, none) {
		return sourceErr(err)
	}
	var want []types.LifecycleRule
	if err == nil {
		want = s.Rules
	}
	tb := aws.String(d.rule.TargetBucket)
	t, err := d.target.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: tb})
	if err != nil && !hasCode(err, none) {
		return err
	}
	var got []types.LifecycleRule
	if err == nil {
		got = t.Rules
	}
	switch {
	case len(want) == 0 && len(got) == 0, reflect.DeepEqual(want, got):
		return nil
	case len(want) == 0:
		_, err = d.target.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: tb})
	default:
		_, err = d.target.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: tb,
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: want}})
	}
	return err
}

// syncPolicy sends the source's bucket policy, its resources renamed from the
// source bucket's ARN to the target's, or deletes the target's when the source
// has none.
func (d *delivery) syncPolicy(ctx context.Context) error {
	const none = "NoSuchBucketPolicy"
	s, err := d.w.cfg.Local.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(d.rule.Bucket)})
	if err != nil && !hasCode(err, none) {
		return sourceErr(err)
	}
	var want string
	if err == nil {
		want = renameBucketARN(aws.ToString(s.Policy), d.rule.Bucket, d.rule.TargetBucket)
	}
	tb := aws.String(d.rule.TargetBucket)
	t, err := d.target.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: tb})
	if err != nil && !hasCode(err, none) {
		return err
	}
	var got string
	if err == nil {
		got = aws.ToString(t.Policy)
	}
	switch {
	case want == got:
		return nil
	case want == "":
		_, err = d.target.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: tb})
	default:
		_, err = d.target.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: tb, Policy: aws.String(want)})
	}
	return err
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
	const none = "NoSuchTagSet"
	s, err := d.w.cfg.Local.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(d.rule.Bucket)})
	if err != nil && !hasCode(err, none) {
		return sourceErr(err)
	}
	var want map[string]string
	if err == nil {
		want = tagMap(s.TagSet)
	}
	tb := aws.String(d.rule.TargetBucket)
	t, err := d.target.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: tb})
	if err != nil && !hasCode(err, none) {
		return err
	}
	var got map[string]string
	if err == nil {
		got = tagMap(t.TagSet)
	}
	switch {
	case maps.Equal(want, got):
		return nil
	case len(want) == 0:
		_, err = d.target.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: tb})
	default:
		_, err = d.target.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: tb, Tagging: &types.Tagging{TagSet: tagSet(want)}})
	}
	return err
}

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
