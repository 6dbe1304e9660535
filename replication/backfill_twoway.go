package replication

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Bidirectional backfill. A bidirectional rule, on each of the two sites, also
// backfills what its bucket held before the rule, like an all rule, but last
// write wins decides each key the two sides hold differently:
//   - the target holds a version the source does not (another ETag): the source's
//     is sent with its origin time and takes its place by that time there (older:
//     a non-current version, or superseded); the target's own rule's backfill
//     sends the target's here alike, so both end with the later;
//   - the target has no current version of the key: when its delete (a delete
//     marker, or an unversioned delete's tombstone, whose origin its 404 tells)
//     is later than the source's version, the delete is applied here, with its
//     origin; otherwise the source's version is sent;
//   - keys only the target has are the target's backfill's.
// A backfill never deletes a key on the target: a delete goes out only as a
// delete applied by the side that lacks it, for a key the other side listed.

// backfillTwoWay is backfillOne for a bidirectional rule: key with etag, the
// source's current version, against the target's state of it.
func (d *delivery) backfillTwoWay(ctx context.Context, key, etag string) (int64, error) {
	if err := d.backfillVersions(ctx, key); err != nil {
		return 0, err
	}
	target, k := aws.String(d.rule.TargetBucket), aws.String(key)
	head, err := d.target.HeadObject(ctx, &s3.HeadObjectInput{Bucket: target, Key: k})
	switch {
	case err == nil && aws.ToString(head.ETag) == etag:
		alike, err := d.looksAlikeOnSource(ctx, key, head)
		if err != nil || alike {
			return 0, err
		}
	case err == nil:
	case !isNotFound(err):
		return 0, err
	default:
		deleted := originOf(errorHeader(err))
		if deleted.time != "" && errorHeader(err).Get(hdrLifecycleDelete) == "" {
			pulled, err := d.pullDelete(ctx, key, deleted)
			if err != nil || pulled {
				return 0, err
			}
		}
	}
	n, err := d.apply(ctx, key, 0)
	if err != nil {
		return 0, err
	}
	return n + 1, nil
}

// pullDelete applies here the target's delete of key, from origin deleted, when
// it is later than the source's current version (the greater site id breaking an
// exact tie, as the versions' order does): the delete is the key's last write.
// A delete that was made here is never pulled back: a site whose current version
// is older than its own delete has removed that delete marker by id since, and
// the removal is on its way to the target (removeVersion); pulling the marker
// back would bring a removed version back to life.
func (d *delivery) pullDelete(ctx context.Context, key string, deleted origin) (bool, error) {
	if deleted.site == d.w.md.ClusterID() {
		return false, nil
	}
	src, bucket, k := d.w.cfg.Local, aws.String(d.rule.Bucket), aws.String(key)
	head, err := src.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: k})
	if isNotFound(err) {
		return false, nil // deleted here meanwhile: the feed sends it
	}
	if err != nil {
		return false, sourceErr(err)
	}
	ours := originOf(outputHeader(head.ResultMetadata))
	if !later(deleted, ours) {
		return false, nil
	}
	_, err = src.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: k}, withOrigin(deleted))
	if err != nil {
		return false, sourceErr(err)
	}
	d.stats.sent(0, true)
	return true, nil
}

// later reports whether a is a later write than b by origin time, the greater
// site id breaking a tie; false when either time is unknown.
func later(a, b origin) bool {
	ta, errA := strconv.ParseUint(a.time, 10, 64)
	tb, errB := strconv.ParseUint(b.time, 10, 64)
	if errA != nil || errB != nil {
		return false
	}
	if ta != tb {
		return ta > tb
	}
	return a.site > b.site
}
