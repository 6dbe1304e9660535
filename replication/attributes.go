package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/meta"
)

// A version's mutable attributes, its tags and object lock, replicate without its
// bytes when the target already holds the same version (same ETag, headers and
// user metadata): a tag, retention or legal hold change is sent as
// PutObjectTagging, PutObjectRetention or PutObjectLegalHold, not as a new copy
// of the object (docs/site-sync.md#tags-metadata-and-object-lock).

// hdrAttributesTime is on a Cairn GET or HEAD of a version whose tags or lock
// changed: the HLC of the last change.
const hdrAttributesTime = "x-cairn-attributes-time"

// errAttributesUnreadable: the target refuses the connection's principal the
// reading of a version's tags, retention or legal hold; the object is then sent
// whole, with them, as a new copy (which needs no such read).
var errAttributesUnreadable = errors.New("replication: the target refuses to tell a version's tags or object lock")

// attributes are a version's tags and object lock as site sync compares them: a
// retention no longer in force and a legal hold OFF count as none.
type attributes struct {
	tags  map[string]string
	mode  types.ObjectLockRetentionMode
	until time.Time
	hold  bool
}

func (a attributes) locked() bool { return a.mode != "" || a.hold }

func (a attributes) sameLock(b attributes) bool {
	return a.mode == b.mode && a.until.Equal(b.until) && a.hold == b.hold
}

// retention returns the retention to give a version at now: none once it has run
// out.
func retention(mode string, until *time.Time, now time.Time) (types.ObjectLockRetentionMode, time.Time) {
	if mode == "" || until == nil || !until.After(now) {
		return "", time.Time{}
	}
	return types.ObjectLockRetentionMode(mode), until.UTC().Truncate(time.Millisecond)
}

// sourceAttributes are the attributes of the source's version obj, tagged tags.
func sourceAttributes(obj *s3.GetObjectOutput, tags []types.Tag) attributes {
	a := attributes{tags: tagMap(tags), hold: obj.ObjectLockLegalHoldStatus == types.ObjectLockLegalHoldStatusOn}
	a.mode, a.until = retention(string(obj.ObjectLockMode), obj.ObjectLockRetainUntilDate, time.Now())
	return a
}

// lockInput sets the object lock of a copy of a version of attributes a.
func (a attributes) lockInput(in *s3.PutObjectInput) {
	if a.mode != "" {
		in.ObjectLockMode = types.ObjectLockMode(a.mode)
		in.ObjectLockRetainUntilDate = aws.Time(a.until)
	}
	if a.hold {
		in.ObjectLockLegalHoldStatus = types.ObjectLockLegalHoldStatusOn
	}
}

// sameVersion reports whether head, the target's current version of the key, is
// the source's obj with the same bytes, content headers and user metadata, so that
// only attributes may differ. When the rule's sends are timed it must also be the
// same write (the same origin time): another write of the same bytes is ordered by
// last write wins as a write. A copy of the same origin the target stored without
// a time (untimedAbove) has no time to compare, and is taken for the same.
func (d *delivery) sameVersion(obj *s3.GetObjectOutput, head *s3.HeadObjectOutput, from origin, timed bool) bool {
	same := describeGet(obj).equal(describeHead(head))
	if same && timed {
		h := outputHeader(head.ResultMetadata)
		at := originOf(h).time
		return from.time != "" && from.time == at || at == "" && h.Get(hdrOriginSite) == from.site
	}
	return same
}

// description is what a version's ETag, content headers and user metadata say
// of it: what a copy must have alike to be the same version.
type description struct {
	etag, contentType, contentEncoding  string
	contentDisposition, contentLanguage string
	cacheControl                        string
	expires                             *time.Time
	metadata                            map[string]string
}

func describeGet(o *s3.GetObjectOutput) description {
	return description{aws.ToString(o.ETag), aws.ToString(o.ContentType), aws.ToString(o.ContentEncoding),
		aws.ToString(o.ContentDisposition), aws.ToString(o.ContentLanguage), aws.ToString(o.CacheControl), o.Expires, o.Metadata}
}

func describeHead(o *s3.HeadObjectOutput) description {
	return description{aws.ToString(o.ETag), aws.ToString(o.ContentType), aws.ToString(o.ContentEncoding),
		aws.ToString(o.ContentDisposition), aws.ToString(o.ContentLanguage), aws.ToString(o.CacheControl), o.Expires, o.Metadata}
}

func (a description) equal(b description) bool {
	return a.etag == b.etag && a.contentType == b.contentType && a.contentEncoding == b.contentEncoding &&
		a.contentDisposition == b.contentDisposition && a.contentLanguage == b.contentLanguage &&
		a.cacheControl == b.cacheControl && equalTime(a.expires, b.expires) && maps.Equal(a.metadata, b.metadata)
}

// looksAlike reports whether head, the target's copy of a key, shows what src,
// the source's HEAD of it, shows: the description, the number of tags and the
// object lock (a lock the target hides from the connection's principal counts as
// a difference). A backfill that finds the ETags equal compares this too, and
// lets apply correct what differs (apply reads the tags and lock themselves, and
// sends only the attributes that differ): tags of the same number but other
// values are not seen here.
func looksAlike(src, head *s3.HeadObjectOutput) bool {
	now := time.Now()
	srcMode, srcUntil := retention(string(src.ObjectLockMode), src.ObjectLockRetainUntilDate, now)
	mode, until := retention(string(head.ObjectLockMode), head.ObjectLockRetainUntilDate, now)
	held := func(o *s3.HeadObjectOutput) bool {
		return o.ObjectLockLegalHoldStatus == types.ObjectLockLegalHoldStatusOn
	}
	return describeHead(src).equal(describeHead(head)) && aws.ToInt32(src.TagCount) == aws.ToInt32(head.TagCount) &&
		srcMode == mode && srcUntil.Equal(until) && held(src) == held(head)
}

func equalTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

// targetAttributes reads the attributes of the target's version head. want, the
// source's, says what to read besides what the HEAD shows: the tags when either
// side has some, the lock when either side has one or the source's changed (the
// lock headers of a HEAD show only to a principal allowed to read them, so
// GetObjectRetention and GetObjectLegalHold are asked, and a refusal is an error,
// not "none").
func (d *delivery) targetAttributes(ctx context.Context, key string, head *s3.HeadObjectOutput, want attributes, changed bool) (attributes, error) {
	var a attributes
	bucket, k := aws.String(d.rule.TargetBucket), aws.String(key)
	if aws.ToInt32(head.TagCount) > 0 || len(want.tags) > 0 {
		t, err := d.target.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: bucket, Key: k})
		if err != nil {
			return a, err
		}
		a.tags = tagMap(t.TagSet)
	}
	if !want.locked() && !changed && head.ObjectLockMode == "" && head.ObjectLockLegalHoldStatus == "" {
		return a, nil
	}
	r, err := d.target.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: bucket, Key: k})
	switch {
	case err == nil && r.Retention != nil:
		a.mode, a.until = retention(string(r.Retention.Mode), r.Retention.RetainUntilDate, time.Now())
	case err != nil && !noLock(err):
		return a, err
	}
	h, err := d.target.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: bucket, Key: k})
	switch {
	case err == nil && h.LegalHold != nil:
		a.hold = h.LegalHold.Status == types.ObjectLockLegalHoldStatusOn
	case err != nil && !noLock(err):
		return a, err
	}
	return a, nil
}

// noLock reports an answer that a version has no retention or legal hold: S3's
// NoSuchObjectLockConfiguration, or InvalidRequest from a bucket without object
// lock (a source's lock sent there then fails, and is reported).
func noLock(err error) bool {
	return hasCode(err, "NoSuchObjectLockConfiguration", "InvalidRequest")
}

// syncAttributes makes the attributes of head, the target's copy of the source's
// version obj, match want: only what differs is sent. Under a bidirectional rule
// a change is sent only when the source's last attribute change is newer than the
// target's (last change wins; the target's is sent the other way), with its time,
// which the target keeps. It reports whether anything was sent.
func (d *delivery) syncAttributes(ctx context.Context, key string, obj *s3.GetObjectOutput, head *s3.HeadObjectOutput, want attributes, site string, from origin) (bool, error) {
	srcAt, _ := strconv.ParseUint(outputHeader(obj.ResultMetadata).Get(hdrAttributesTime), 10, 64)
	got, err := d.targetAttributes(ctx, key, head, want, srcAt != 0)
	if err != nil {
		if hasCode(err, "AccessDenied") {
			return false, fmt.Errorf("%w: %w", errAttributesUnreadable, err)
		}
		return false, err
	}
	tagsDiffer := !maps.Equal(want.tags, got.tags) && (len(want.tags) > 0 || len(got.tags) > 0)
	if !tagsDiffer && want.sameLock(got) {
		return false, nil
	}
	// Under a bidirectional rule each request carries the change's time, the
	// second and third one tick later: the target's index keeps the first of two
	// records of one version with the same change time, so each must be later.
	bidi := d.rule.Mode == meta.ModeBidirectional
	if bidi {
		tgtAt, _ := strconv.ParseUint(outputHeader(head.ResultMetadata).Get(hdrAttributesTime), 10, 64)
		if srcAt <= tgtAt {
			return false, nil // the target's change is the newer: it is sent this way
		}
	}
	step := uint64(0)
	opt := func() func(*s3.Options) {
		if !bidi || site == "" {
			return func(*s3.Options) {}
		}
		step++
		return withOrigin(origin{site: from.site, time: strconv.FormatUint(srcAt+step-1, 10)})
	}
	bucket, k := aws.String(d.rule.TargetBucket), aws.String(key)
	if tagsDiffer {
		if len(want.tags) == 0 {
			_, err = d.target.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: bucket, Key: k}, opt())
		} else {
			_, err = d.target.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: bucket, Key: k,
				Tagging: &types.Tagging{TagSet: tagSet(want.tags)}}, opt())
		}
		if err != nil {
			return false, err
		}
	}
	if want.mode != got.mode || !want.until.Equal(got.until) {
		ret := &types.ObjectLockRetention{}
		if want.mode != "" {
			ret.Mode, ret.RetainUntilDate = want.mode, aws.Time(want.until)
		}
		// Shortening or removing a GOVERNANCE retention needs the bypass (and the
		// principal's s3:BypassGovernanceRetention); a COMPLIANCE one cannot be,
		// and the refusal is reported.
		if _, err := d.target.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: bucket, Key: k,
			Retention: ret, BypassGovernanceRetention: aws.Bool(true)}, opt()); err != nil {
			return false, err
		}
	}
	if want.hold != got.hold {
		st := types.ObjectLockLegalHoldStatusOff
		if want.hold {
			st = types.ObjectLockLegalHoldStatusOn
		}
		if _, err := d.target.PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: bucket, Key: k,
			LegalHold: &types.ObjectLockLegalHold{Status: st}}, opt()); err != nil {
			return false, err
		}
	}
	return true, nil
}

// tagSet is the S3 form of tags.
func tagSet(tags map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}
