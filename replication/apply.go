package replication

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cairnstore/cairn/meta"
)

// memoryLimit is the largest object copied through memory; larger ones go through a
// temporary file (the SDK needs a seekable body to sign over plain HTTP).
const memoryLimit = 8 << 20

// apply makes the target's copy of key match the source's current state: the
// object (bytes, content headers, user metadata, tags, object lock) when there is
// one and it passes the rule's filter, a delete when there is none and the rule
// replicates deletes. When the target holds the same version already, only its
// attributes that differ are sent (attributes.go); an object in parts, or above the
// multipart threshold, is copied by a multipart upload (multipart.go). It is
// idempotent, so a change sent twice does no harm. It returns the bytes sent.
//
// window, when not zero, is the HLC after which the key's versions in between are
// sent first (versions.go); zero sends the current state only.
func (d *delivery) apply(ctx context.Context, key string, window uint64) (int64, error) {
	src := d.w.cfg.Local
	bucket := aws.String(d.rule.Bucket)
	site, err := d.targetSite(ctx)
	if err != nil {
		return 0, err
	}
	if site == "" && d.rule.Mode == meta.ModeBidirectional {
		return 0, fmt.Errorf("%w: connection %s", ErrPeerNotCairn, d.rule.Connection)
	}
	timed, err := d.timed(ctx, site)
	if err != nil {
		return 0, err
	}
	obj, err := src.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String(key)})
	if isNotFound(err) {
		if err := d.fillVersionsOf(ctx, key, errorHeader(err).Get("x-amz-version-id"), window, site, timed); err != nil {
			return 0, err
		}
		if !d.rule.ReplicateDeletes {
			return 0, nil
		}
		return 0, d.delete(ctx, key, site, timed, errorHeader(err))
	}
	if err != nil {
		return 0, sourceErr(err)
	}
	defer obj.Body.Close()
	if err := d.fillVersionsOf(ctx, key, aws.ToString(obj.VersionId), window, site, timed); err != nil {
		return 0, err
	}
	from := originOf(outputHeader(obj.ResultMetadata))
	if site != "" && from.site == site {
		return 0, nil // it came from there: never send it back
	}
	var tags []types.Tag
	if aws.ToInt32(obj.TagCount) > 0 || len(d.rule.Tags) > 0 {
		t, err := src.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: bucket, Key: aws.String(key)})
		if err != nil {
			return 0, sourceErr(fmt.Errorf("tags: %w", err))
		}
		tags = t.TagSet
	}
	if !d.rule.Matches(key, tagMap(tags)) {
		return 0, nil
	}
	want := sourceAttributes(obj, tags)
	head, err := d.target.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.rule.TargetBucket), Key: aws.String(key)})
	switch {
	case err == nil && d.sameVersion(obj, head, from, timed):
		sent, err := d.syncAttributes(ctx, key, obj, head, want, site, from)
		if sent {
			d.stats.sent(0, false)
		}
		if !errors.Is(err, errAttributesUnreadable) {
			return 0, err
		}
	case err != nil && !isNotFound(err):
		return 0, err
	}
	if timed && err == nil && d.untimedAbove(outputHeader(head.ResultMetadata), head.LastModified, from) {
		timed = false
	}
	return d.sendCopy(ctx, key, obj, tags, want, originFor(site, from, timed))
}

// sendCopy copies the source's version obj of key, tagged tags, with attributes
// want, to the target as a new object: a PutObject with its bytes, content
// headers, user metadata, tags, retention and legal hold, or a multipart upload
// (multipart.go); opt carries its origin. It returns the bytes sent.
func (d *delivery) sendCopy(ctx context.Context, key string, obj *s3.GetObjectOutput, tags []types.Tag, want attributes, opt func(*s3.Options)) (int64, error) {
	in := &s3.PutObjectInput{
		Bucket: aws.String(d.rule.TargetBucket), Key: aws.String(key),
		ContentType: obj.ContentType, ContentEncoding: obj.ContentEncoding, ContentDisposition: obj.ContentDisposition,
		ContentLanguage: obj.ContentLanguage, CacheControl: obj.CacheControl, Metadata: obj.Metadata,
		Expires: obj.Expires,
	}
	if len(tags) > 0 {
		in.Tagging = aws.String(encodeTags(tags))
	}
	// An object stored encrypted (SSE-S3) is asked to be stored encrypted on the
	// peer too, as S3's replication does: a peer that cannot refuses, and the change
	// is retried, rather than the copy sitting there in the clear.
	if obj.ServerSideEncryption == types.ServerSideEncryptionAes256 {
		in.ServerSideEncryption = types.ServerSideEncryptionAes256
	}
	want.lockInput(in)
	parts, err := d.partSizes(ctx, key, obj)
	if err != nil {
		return 0, err
	}
	if parts != nil {
		size, _, err := d.putMultipart(ctx, obj.Body, in, parts, opt)
		if err != nil {
			return 0, err
		}
		d.stats.sent(size, false)
		return size, nil
	}
	body, size, cleanup, err := spool(obj.Body, aws.ToInt64(obj.ContentLength))
	if err != nil {
		return 0, sourceErr(err)
	}
	defer cleanup()
	in.Body, in.ContentLength = body, aws.Int64(size)
	if _, err := d.target.PutObject(ctx, in, opt); err != nil {
		return 0, err
	}
	d.stats.sent(size, false)
	return size, nil
}

// delete makes the target lack key, which the source has no current version of;
// local is the source's answer (a delete marker's origin, and the site id). A
// delete that came from the target is not sent back, nor a lifecycle rule's
// expiration (S3's replication replicates no lifecycle action), nor one the
// target needs not: it has no current version of the key either (which also ends
// the echo of an unversioned delete, whose tombstone keeps no readable origin).
//
// When the rule's sends are timed, a key of a versioned bucket without a current
// version and without a delete marker was not deleted: its versions were removed
// by id, which a bidirectional rule sends as such (removeVersion) and a one-way
// rule does not replicate, as S3's replication does not. A delete sent for it
// would be stored above a newer write made on the target (its 404 may tell the
// time of the last removal's tombstone, which is no delete's).
func (d *delivery) delete(ctx context.Context, key, site string, timed bool, local http.Header) error {
	from := originOf(local)
	if site != "" && from.site == site || local.Get(hdrLifecycleDelete) != "" {
		return nil // it came from there, or it is a lifecycle rule's
	}
	if timed && local.Get(hdrDeleteMarker) != "true" {
		versioned, err := d.sourceVersioned(ctx)
		if err != nil || versioned {
			return err
		}
	}
	target, k := aws.String(d.rule.TargetBucket), aws.String(key)
	head, err := d.target.HeadObject(ctx, &s3.HeadObjectInput{Bucket: target, Key: k})
	if isNotFound(err) {
		return nil
	}
	if from.site == "" {
		from.site = local.Get(hdrSiteID) // deleted here
	}
	if timed && err == nil && d.untimedAbove(outputHeader(head.ResultMetadata), head.LastModified, from) {
		timed = false
	}
	_, err = d.target.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: target, Key: k}, originFor(site, from, timed))
	if err != nil && !isNotFound(err) {
		return err
	}
	d.stats.sent(0, true)
	return nil
}

// spool makes a seekable copy of body: in memory up to memoryLimit, else in a
// temporary file removed by cleanup.
func spool(body io.Reader, size int64) (io.ReadSeeker, int64, func(), error) {
	if size <= memoryLimit {
		data, err := io.ReadAll(io.LimitReader(body, memoryLimit+1))
		if err != nil {
			return nil, 0, nil, err
		}
		if int64(len(data)) <= memoryLimit {
			return bytes.NewReader(data), int64(len(data)), func() {}, nil
		}
		body = io.MultiReader(bytes.NewReader(data), body)
	}
	f, err := os.CreateTemp("", "cairn-site-sync-*")
	if err != nil {
		return nil, 0, nil, err
	}
	cleanup := func() { f.Close(); os.Remove(f.Name()) }
	n, err := io.Copy(f, body)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return f, n, cleanup, nil
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// encodeTags is the x-amz-tagging form of tags.
func encodeTags(tags []types.Tag) string {
	v := url.Values{}
	for _, t := range tags {
		v.Set(aws.ToString(t.Key), aws.ToString(t.Value))
	}
	return v.Encode()
}

// isNotFound reports an S3 answer that the key (or, for a HEAD, anything) is not
// there.
func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	return errors.As(err, &nsk) || errors.As(err, &nf)
}

// sourceError is a failure to read the source (this node's own S3 API), told
// apart from the target's failures in the counts.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return "read source: " + e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

func sourceErr(err error) error { return &sourceError{err: err} }

// reason classifies a failure for the per-rule counts: the S3 error code when the
// peer answered, else "network".
func reason(err error) string {
	var src *sourceError
	var api smithy.APIError
	switch {
	case errors.As(err, &src):
		return "source"
	case errors.As(err, &api):
		return api.ErrorCode()
	case errors.Is(err, ErrNoCredentials):
		return "credentials"
	case errors.Is(err, ErrPeerNotCairn):
		return "not_cairn"
	}
	return "network"
}
