package replication

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
)

// The versions in between (docs/site-sync.md#versions): under a bidirectional rule
// between versioned Cairn buckets, a key written several times (or deleted and
// written again) before the sender reads it would reach the target as its
// current state only. So before the current state the sender sends every version
// and delete marker of the key made within the partition's window (since a little
// before its checkpoint) that the target lacks, oldest first, each at its original
// HLC and with its version id: the target then holds the same versions, under the
// same ids, in the same order, as the source. A version is matched across the
// sites by its slot's HLC (the time in its version id). Nothing is ever deleted
// by this comparison: a version deleted by id is not told from one never sent.
// A removal by id is replicated from its proof alone, the source's tombstone of
// the version, which the change feed names (removeVersion).

// maxFillVersions bounds the versions of one key listed per change.
const maxFillVersions = 1000

// sourceVersion is a version or delete marker of the source's, in the window.
type sourceVersion struct {
	id     string
	at     uint64 // the slot's HLC
	marker bool
}

// fillVersionsOf is fillVersions for a key whose newest version or delete marker
// on the source is current (its id; "" or "null" in a bucket never versioned, which
// has nothing in between), with the partition's window (zero: none).
func (d *delivery) fillVersionsOf(ctx context.Context, key, current string, window uint64, site string, timed bool) error {
	if window == 0 || current == "" || current == blob.NullVersion {
		return nil
	}
	return d.fillVersions(ctx, key, window, site, timed)
}

// fillVersions sends the versions and delete markers of key made since the stamp
// since (wall milliseconds << 16, as HLCs are; 0 for all) that the target lacks,
// but the newest version, which apply sends with its attributes (a newest delete
// marker is sent here, under its id: apply sends no delete to a target that has
// no current version of the key). It does nothing unless the rule's sends are timed (timed.go): the
// target's versions are matched by their time. A target that refuses to list
// versions (s3:ListBucketVersions) gets the current state only, as before.
func (d *delivery) fillVersions(ctx context.Context, key string, since uint64, site string, timed bool) error {
	if !timed {
		return nil
	}
	src, _, err := d.versionsSince(ctx, d.w.cfg.Local, d.rule.Bucket, key, since)
	if err != nil {
		return sourceErr(err)
	}
	send := src
	if n := len(src); n > 0 && !src[n-1].marker {
		send = src[:n-1] // the newest version is apply's, with its attributes
	}
	if len(send) == 0 {
		return nil
	}
	got, null, err := d.versionsSince(ctx, d.target, d.rule.TargetBucket, key, since)
	if hasCode(err, "AccessDenied") {
		return nil
	}
	if err != nil {
		return err
	}
	if null {
		// The target's bucket is not versioned (or suspended): it keeps no
		// history to fill, and older writes sent there are superseded on arrival.
		return nil
	}
	have := map[uint64]bool{}
	for _, v := range got {
		have[v.at] = true
	}
	for _, v := range send { // oldest first
		if have[v.at] {
			continue
		}
		if err := d.sendVersion(ctx, key, v, site); err != nil {
			return fmt.Errorf("version %s: %w", v.id, err)
		}
	}
	return nil
}

// versionsSince lists the versions and delete markers of key in bucket through c
// whose slot time is after since, oldest first; null versions, which have none,
// are left out, and reported by null.
func (d *delivery) versionsSince(ctx context.Context, c *s3.Client, bucket, key string, since uint64) (vs []sourceVersion, null bool, err error) {
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(key),
		MaxKeys: aws.Int32(maxFillVersions)})
	if err != nil {
		return nil, false, err
	}
	add := func(k, id *string, marker bool) {
		if aws.ToString(k) != key {
			return
		}
		if aws.ToString(id) == blob.NullVersion {
			null = true
		}
		at, ok := blob.VersionIDTime(aws.ToString(id))
		if ok && uint64(at) > since {
			vs = append(vs, sourceVersion{id: aws.ToString(id), at: uint64(at), marker: marker})
		}
	}
	for _, v := range out.Versions {
		add(v.Key, v.VersionId, false)
	}
	for _, m := range out.DeleteMarkers {
		add(m.Key, m.VersionId, true)
	}
	slices.SortFunc(vs, func(a, b sourceVersion) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	return vs, null, nil
}

// sendVersion sends one version or delete marker of the source's at its original
// time, unless it came from the target's site.
func (d *delivery) sendVersion(ctx context.Context, key string, v sourceVersion, site string) error {
	src, bucket, k := d.w.cfg.Local, aws.String(d.rule.Bucket), aws.String(key)
	if v.marker {
		if !d.rule.ReplicateDeletes {
			return nil
		}
		_, err := src.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: k, VersionId: aws.String(v.id)})
		h := errorHeader(err)
		switch {
		case h != nil && h.Get(hdrDeleteMarker) == "true": // the marker, with its origin
		case isNotFound(err):
			return nil // removed since the listing: nothing to send
		default:
			return sourceErr(fmt.Errorf("delete marker: %w", err))
		}
		from := originOf(h)
		if from.site == site || h.Get(hdrLifecycleDelete) != "" {
			return nil // it came from there, or a lifecycle rule made it
		}
		if from.site == "" {
			from.site = h.Get(hdrSiteID)
		}
		from.time, from.version = strconv.FormatUint(v.at, 10), v.id
		if _, err := d.target.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(d.rule.TargetBucket), Key: k}, withOrigin(from)); err != nil {
			return err
		}
		d.stats.sent(0, true)
		return nil
	}
	obj, err := src.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: k, VersionId: aws.String(v.id)})
	if isNotFound(err) || hasCode(err, "NoSuchVersion") {
		return nil // removed since the listing
	}
	if err != nil {
		return sourceErr(err)
	}
	defer obj.Body.Close()
	from := originOf(outputHeader(obj.ResultMetadata))
	if from.site == site {
		return nil
	}
	var tags []types.Tag
	if aws.ToInt32(obj.TagCount) > 0 || len(d.rule.Tags) > 0 {
		t, err := src.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: bucket, Key: k, VersionId: aws.String(v.id)})
		if err != nil {
			return sourceErr(fmt.Errorf("tags: %w", err))
		}
		tags = t.TagSet
	}
	if !d.rule.Matches(key, tagMap(tags)) {
		return nil
	}
	from.time, from.version = strconv.FormatUint(v.at, 10), v.id
	_, err = d.sendCopy(ctx, key, obj, tags, sourceAttributes(obj, tags), withOrigin(from))
	return err
}

// removeVersion replicates the removal for good of version id of key on the
// source (its tombstone, which the change feed named): the target removes the
// version of that id, which is the same write, since a two-way replica keeps its
// version id. Only under a bidirectional rule that replicates deletes, to a Cairn
// site. The request carries this site as its origin, so that the target applies
// it only where the id is unambiguous (no other version of the key at that HLC
// there) and needs s3:ReplicateDelete; it asks to bypass a GOVERNANCE retention
// (as the source's removal did), which the target grants only to a principal
// with s3:BypassGovernanceRetention. A version locked there is refused: a
// failure, retried. A version the target lacks is no error (S3's DeleteObject of
// a missing version succeeds), so a removal delivered twice, or echoed back by
// the target's own feed, does nothing.
func (d *delivery) removeVersion(ctx context.Context, key, id string) error {
	if d.rule.Mode != meta.ModeBidirectional || !d.rule.ReplicateDeletes {
		return nil
	}
	site, err := d.targetSite(ctx)
	if err != nil {
		return err
	}
	if site == "" {
		return fmt.Errorf("%w: connection %s", ErrPeerNotCairn, d.rule.Connection)
	}
	_, err = d.target.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(d.rule.TargetBucket), Key: aws.String(key),
		VersionId: aws.String(id), BypassGovernanceRetention: aws.Bool(true)}, withOrigin(origin{site: d.w.md.ClusterID()}))
	if err != nil {
		return fmt.Errorf("remove version %s: %w", id, err)
	}
	d.stats.sent(0, true)
	return nil
}
