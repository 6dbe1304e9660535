package s3api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// Conditional writes and deletes (docs/s3-compatibility.md): the headers are parsed
// here, and the object layer checks them against the key's current version in one
// step with the write (blob/lease.go).

const (
	hdrIfMatchLastModified = "x-amz-if-match-last-modified-time"
	hdrIfMatchSize         = "x-amz-if-match-size"
)

// writeCondition parses the conditions of a write (PutObject, CopyObject's
// destination, CompleteMultipartUpload): nil if there are none. If-None-Match takes
// only "*", as in S3; an ETag there is NotImplemented. The delete-only headers are
// refused rather than ignored.
func writeCondition(h http.Header) (*blob.Condition, error) {
	for _, name := range []string{hdrIfMatchLastModified, hdrIfMatchSize} {
		if h.Get(name) != "" {
			return nil, s3err.Newf(s3err.NotImplemented, "The %s header applies to DeleteObject only.", name)
		}
	}
	var c blob.Condition
	if v := h.Get("If-None-Match"); v != "" {
		if strings.TrimSpace(v) != "*" {
			return nil, s3err.Newf(s3err.NotImplemented, "If-None-Match on a write accepts only '*' (no object of that key).")
		}
		c.IfNoneMatch = true
	}
	c.IfMatch = strings.TrimSpace(h.Get("If-Match"))
	if !c.IfNoneMatch && c.IfMatch == "" {
		return nil, nil
	}
	return &c, nil
}

// createUploadCondition refuses conditions on CreateMultipartUpload: they belong on
// its completion.
func createUploadCondition(h http.Header) error {
	for _, name := range []string{"If-Match", "If-None-Match", hdrIfMatchLastModified, hdrIfMatchSize} {
		if h.Get(name) != "" {
			return s3err.Newf(s3err.NotImplemented, "Conditional headers (%s) belong on CompleteMultipartUpload, not CreateMultipartUpload.", name)
		}
	}
	return nil
}

// deleteCondition parses DeleteObject's conditions: If-Match (an ETag or "*"),
// x-amz-if-match-last-modified-time (an HTTP date) and x-amz-if-match-size (bytes);
// nil if there are none.
func deleteCondition(h http.Header) (*blob.Condition, error) {
	if h.Get("If-None-Match") != "" {
		return nil, s3err.Newf(s3err.NotImplemented, "If-None-Match is not supported on DeleteObject.")
	}
	var c blob.Condition
	c.IfMatch = strings.TrimSpace(h.Get("If-Match"))
	if v := h.Get(hdrIfMatchLastModified); v != "" {
		t, ok := parseHTTPTime(v)
		if !ok {
			if t2, err := time.Parse(time.RFC3339, v); err == nil {
				t, ok = t2, true
			}
		}
		if !ok {
			return nil, s3err.Newf(s3err.InvalidArgument, "Invalid %s header.", hdrIfMatchLastModified).With("ArgumentName", hdrIfMatchLastModified)
		}
		c.IfMatchLastModified = t
	}
	if v := h.Get(hdrIfMatchSize); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, s3err.Newf(s3err.InvalidArgument, "Invalid %s header.", hdrIfMatchSize).With("ArgumentName", hdrIfMatchSize)
		}
		c.IfMatchSize = &n
	}
	if c == (blob.Condition{}) {
		return nil, nil
	}
	return &c, nil
}

// deleteItemCondition parses the conditions of one key of DeleteObjects: its ETag,
// LastModifiedTime (ISO 8601) and Size; nil if there are none.
func deleteItemCondition(o s3xml.ObjectIdentifier) (*blob.Condition, error) {
	if !o.Conditional() {
		return nil, nil
	}
	c := blob.Condition{IfMatch: strings.TrimSpace(o.ETag)}
	if v := strings.TrimSpace(o.LastModifiedTime); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return nil, s3err.Newf(s3err.InvalidArgument, "Invalid LastModifiedTime %q.", v)
		}
		c.IfMatchLastModified = t
	}
	if v := strings.TrimSpace(o.Size); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, s3err.Newf(s3err.InvalidArgument, "Invalid Size %q.", v)
		}
		c.IfMatchSize = &n
	}
	return &c, nil
}
