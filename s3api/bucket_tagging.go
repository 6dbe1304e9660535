package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// getBucketTagging answers the bucket's tags; NoSuchTagSet if it has none.
func (s *Server) getBucketTagging(c echo.Context, r *request) error {
	tags, err := s.meta.BucketTags(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return s3err.New(s3err.NoSuchTagSet).WithBucket(r.bucket)
	}
	return writeXML(c, http.StatusOK, s3xml.FromTags(tags))
}

// putBucketTagging replaces the bucket's tags with the body's tag set. The body's
// payload hash, checksum and Content-MD5 are verified when the client sends them;
// none is required.
func (s *Server) putBucketTagging(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	raw, err := s.readSmallBody(c, r, maxConfigBody)
	if errors.Is(err, errBodyTooLarge) {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if err != nil {
		return err
	}
	tags, err := parseTagging(raw)
	if err != nil {
		return err
	}
	if err := s.meta.PutBucketTags(c.Request().Context(), r.bucket, tags); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// deleteBucketTagging removes the bucket's tags; a bucket without tags is no error.
func (s *Server) deleteBucketTagging(c echo.Context, r *request) error {
	if err := s.meta.DeleteBucketTags(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// parseTagging reads a PutBucketTagging body into a tag map, refusing what AWS
// refuses with AWS's codes and messages: a document that does not parse, or lacks
// its TagSet or a tag's Key or Value, is MalformedXML; too many tags, a bad key or
// value, a reserved key or a key given twice is InvalidTag. The limits are meta's,
// which checks them again.
func parseTagging(raw []byte) (map[string]string, error) {
	var doc s3xml.TaggingInput
	if err := xml.Unmarshal(raw, &doc); err != nil || doc.TagSet == nil {
		return nil, s3err.New(s3err.MalformedXML)
	}
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, s3err.New(s3err.MalformedXML)
		}
	}
	if n := len(doc.TagSet.Tags); n > meta.MaxBucketTags {
		return nil, s3err.Newf(s3err.InvalidTag, "Bucket tags cannot be greater than %d", meta.MaxBucketTags)
	}
	tags := make(map[string]string, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		key, value := *t.Key, *t.Value
		switch n := utf8.RuneCountInString(key); {
		case n == 0 || n > meta.MaxTagKeyLength:
			return nil, s3err.Newf(s3err.InvalidTag, "The TagKey you have provided is invalid").With("TagKey", key)
		case strings.HasPrefix(strings.ToLower(key), meta.ReservedTagPrefix):
			return nil, s3err.Newf(s3err.InvalidTag, "System tags cannot be added/updated by requester").With("TagKey", key)
		case utf8.RuneCountInString(value) > meta.MaxTagValueLength:
			return nil, s3err.Newf(s3err.InvalidTag, "The TagValue you have provided is invalid").With("TagValue", value)
		}
		if _, dup := tags[key]; dup {
			return nil, s3err.Newf(s3err.InvalidTag, "Cannot provide multiple Tags with the same key").With("TagKey", key)
		}
		tags[key] = value
	}
	return tags, nil
}
