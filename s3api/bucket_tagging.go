package s3api

import (
	"encoding/xml"
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
	raw, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	tags, err := parseTagging(raw, meta.MaxBucketTags, "Bucket")
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

// parseTagging reads a PutBucketTagging or PutObjectTagging body into a tag map,
// refusing what AWS refuses with AWS's codes and messages: a document that does not
// parse, or lacks its TagSet or a tag's Key or Value, is MalformedXML; more than
// limit tags, a bad key or value, a reserved key or a key given twice is InvalidTag
// (noun is "Bucket" or "Object", for the message). The lengths are meta's.
func parseTagging(raw []byte, limit int, noun string) (map[string]string, error) {
	var doc s3xml.TaggingInput
	if err := xml.Unmarshal(raw, &doc); err != nil || doc.TagSet == nil {
		return nil, s3err.New(s3err.MalformedXML)
	}
	for _, t := range doc.TagSet.Tags {
		if t.Key == nil || t.Value == nil {
			return nil, s3err.New(s3err.MalformedXML)
		}
	}
	if n := len(doc.TagSet.Tags); n > limit {
		return nil, s3err.Newf(s3err.InvalidTag, "%s tags cannot be greater than %d", noun, limit)
	}
	tags := make(map[string]string, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		key, value := *t.Key, *t.Value
		if err := checkTag(key, value); err != nil {
			return nil, err
		}
		if _, dup := tags[key]; dup {
			return nil, s3err.Newf(s3err.InvalidTag, "Cannot provide multiple Tags with the same key").With("TagKey", key)
		}
		tags[key] = value
	}
	return tags, nil
}

// checkTag applies S3's rules to one tag: a key of 1 to 128 characters that does not
// start with "aws:", a value of at most 256 (InvalidTag otherwise).
func checkTag(key, value string) error {
	switch n := utf8.RuneCountInString(key); {
	case n == 0 || n > meta.MaxTagKeyLength || !utf8.ValidString(key):
		return s3err.Newf(s3err.InvalidTag, "The TagKey you have provided is invalid").With("TagKey", key)
	case strings.HasPrefix(strings.ToLower(key), meta.ReservedTagPrefix):
		return s3err.Newf(s3err.InvalidTag, "System tags cannot be added/updated by requester").With("TagKey", key)
	case utf8.RuneCountInString(value) > meta.MaxTagValueLength || !utf8.ValidString(value):
		return s3err.Newf(s3err.InvalidTag, "The TagValue you have provided is invalid").With("TagValue", value)
	}
	return nil
}
