package s3api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// The actions of bucket lifecycle. AWS names one permission for the three.
var (
	actGetBucketLifecycle    = &Action{"GetBucketLifecycleConfiguration", policy.ActionGetLifecycleConfiguration, (*Server).getBucketLifecycle}
	actPutBucketLifecycle    = &Action{"PutBucketLifecycleConfiguration", policy.ActionPutLifecycleConfiguration, (*Server).putBucketLifecycle}
	actDeleteBucketLifecycle = &Action{"DeleteBucketLifecycle", policy.ActionPutLifecycleConfiguration, (*Server).deleteBucketLifecycle}
)

// getBucketLifecycle answers the bucket's lifecycle configuration, as the leader's
// committed state has it (so a GET right after a PUT through another node sees it);
// NoSuchLifecycleConfiguration if it has none.
func (s *Server) getBucketLifecycle(c echo.Context, r *request) error {
	b, err := s.meta.BucketLatest(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	if b.Lifecycle == nil {
		return s3err.New(s3err.NoSuchLifecycleConfiguration).WithBucket(r.bucket)
	}
	return writeXML(c, http.StatusOK, lifecycleXML(b.Lifecycle))
}

// putBucketLifecycle replaces the bucket's lifecycle configuration. As in S3, the
// request must carry Content-MD5 or an x-amz-checksum (header or trailer), or sign
// its payload's SHA-256 (hasIntegrityHeader), which the gate's reader verifies.
func (s *Server) putBucketLifecycle(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if !hasIntegrityHeader(c.Request().Header) {
		return s3err.Newf(s3err.InvalidRequest, "Missing required header for this request: Content-MD5")
	}
	raw, err := s.readBody(r, maxConfigBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if err != nil {
		return err
	}
	cfg, err := parseLifecycle(raw)
	if err != nil {
		return err
	}
	if err := s.meta.PutBucketLifecycle(c.Request().Context(), r.bucket, cfg); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// deleteBucketLifecycle removes the bucket's lifecycle configuration; a bucket
// without one is no error, as in S3.
func (s *Server) deleteBucketLifecycle(c echo.Context, r *request) error {
	if err := s.meta.DeleteBucketLifecycle(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// setExpiration sets x-amz-expiration on the answer about a current version that a
// lifecycle rule of the bucket will expire: when (S3's rounding: the start of the
// day after creation + Days) and by which rule.
func (s *Server) setExpiration(h http.Header, b meta.Bucket, info blob.ObjectInfo) {
	if b.Lifecycle == nil || info.DeleteMarker {
		return
	}
	day := s.cfg.LifecycleDay
	if day <= 0 {
		day = lifecycle.DefaultDay
	}
	exp, ok := lifecycle.CurrentExpiry(b.Lifecycle, info.Key, info.Tags, info.Size, info.LastModified, day)
	if !ok {
		return
	}
	h.Set("x-amz-expiration", fmt.Sprintf(`expiry-date="%s", rule-id="%s"`, exp.At.UTC().Format(http.TimeFormat), exp.RuleID))
}
