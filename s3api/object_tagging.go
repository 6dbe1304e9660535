package s3api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxObjectTags is the most tags an object version may have, as in S3.
const maxObjectTags = 10

// getObjectTagging answers the tags of a version (the current one without
// versionId); an object without tags has an empty TagSet, as S3 answers.
func (s *Server) getObjectTagging(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	obj, err := s.openVersion(c, r, r.bucket, r.key, vid)
	if err != nil {
		return err
	}
	c.Response().Header().Set("x-amz-version-id", obj.Info.VersionID)
	return writeXML(c, http.StatusOK, s3xml.FromTags(obj.Info.Tags))
}

// putObjectTagging replaces the tags of a version.
func (s *Server) putObjectTagging(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	raw, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	tags, err := parseTagging(raw, maxObjectTags, "Object")
	if err != nil {
		return err
	}
	return s.setObjectTags(c, r, vid, tags, http.StatusOK)
}

// deleteObjectTagging removes the tags of a version.
func (s *Server) deleteObjectTagging(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	return s.setObjectTags(c, r, vid, nil, http.StatusNoContent)
}

func (s *Server) setObjectTags(c echo.Context, r *request, vid string, tags map[string]string, status int) error {
	at, err := s.replicaChangeTime(c, r)
	if err != nil {
		return err
	}
	id, err := s.store.SetTagsAt(c.Request().Context(), r.bucket, r.key, vid, tags, at)
	if err != nil {
		deleteMarkerHeaders(c.Response().Header(), err)
		return versionError(err, r, c.Request().Method, vid)
	}
	c.Response().Header().Set("x-amz-version-id", id)
	return c.NoContent(status)
}

// parseTaggingHeader reads the x-amz-tagging header of PutObject, CreateMultipartUpload
// and CopyObject (and the tagging field of a POST upload): URL query encoding, at most
// ten tags with unique keys, each by S3's rules. nil when the header is absent.
func parseTaggingHeader(v string) (map[string]string, error) {
	if v == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(v)
	if err != nil {
		return nil, s3err.Newf(s3err.InvalidArgument, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").
			With("ArgumentName", "x-amz-tagging")
	}
	if len(q) > maxObjectTags {
		return nil, s3err.Newf(s3err.BadRequest, "Object tags cannot be greater than %d", maxObjectTags)
	}
	tags := make(map[string]string, len(q))
	for k, vs := range q {
		if len(vs) > 1 {
			return nil, s3err.Newf(s3err.InvalidArgument, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").
				With("ArgumentName", "x-amz-tagging")
		}
		if err := checkTag(k, vs[0]); err != nil {
			return nil, err
		}
		tags[k] = vs[0]
	}
	return tags, nil
}

// setTaggingCount sets x-amz-tagging-count on GET and HEAD of a version with tags.
func setTaggingCount(h http.Header, info blob.ObjectInfo) {
	if len(info.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(info.Tags)))
	}
}
