package s3api

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/quota"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// noRelease is the release of a write that reserved nothing.
func noRelease() {}

// reserveQuota counts a write of bytes and objects against bk's quota
// (docs/quotas.md), refusing it with QuotaExceeded when it does not fit; the caller
// calls release if the write then fails. A write replicated by site sync (origin set)
// is not limited: it is a write the other site already accepted, and refusing it would
// leave the sites apart for good.
func (s *Server) reserveQuota(c echo.Context, bk meta.Bucket, origin blob.Origin, bytes, objects int64) (release func(), err error) {
	if s.cfg.Quota == nil || bk.Quota.IsZero() || origin != (blob.Origin{}) {
		return noRelease, nil
	}
	release, err = s.cfg.Quota.Reserve(c.Request().Context(), bk.Name, bk.Quota, bytes, objects)
	return release, quotaError(bk.Name, err)
}

// checkQuota is reserveQuota for a part of a multipart upload: the part must fit, but
// counts only once the upload is completed.
func (s *Server) checkQuota(c echo.Context, bk meta.Bucket, bytes int64) error {
	if s.cfg.Quota == nil || bk.Quota.IsZero() {
		return nil
	}
	return quotaError(bk.Name, s.cfg.Quota.Check(c.Request().Context(), bk.Name, bk.Quota, bytes, 0))
}

// reserveUploadQuota is reserveQuota for the completion of a multipart upload: the
// object's size is the sum of the parts it names, as the upload holds them (a part it
// does not hold fails the completion anyway).
func (s *Server) reserveUploadQuota(c echo.Context, bk meta.Bucket, key, uploadID string, parts []blob.CompletePart) (release func(), err error) {
	if s.cfg.Quota == nil || bk.Quota.IsZero() {
		return noRelease, nil
	}
	ctx := c.Request().Context()
	named := make(map[int]bool, len(parts))
	for _, p := range parts {
		named[p.PartNumber] = true
	}
	var size int64
	for after := 0; ; {
		page, err := s.store.ListParts(ctx, bk.Name, key, uploadID, after, maxPartNumber)
		if err != nil {
			return nil, err
		}
		for _, p := range page.Parts {
			if named[p.PartNumber] {
				size += p.Size
			}
		}
		if !page.IsTruncated || page.NextPartNumberMarker <= after {
			break
		}
		after = page.NextPartNumberMarker
	}
	return s.reserveQuota(c, bk, blob.Origin{}, size, 1)
}

// quotaError turns a *quota.Exceeded into the S3 error.
func quotaError(bucket string, err error) error {
	var ex *quota.Exceeded
	if errors.As(err, &ex) {
		return s3err.Newf(s3err.QuotaExceeded, "%s", ex.Error()).WithBucket(bucket)
	}
	return err
}
