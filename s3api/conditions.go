package s3api

import (
	"net/http"
	"strings"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// conditionHeaders names the four conditional headers of a GET/HEAD or, with the
// x-amz-copy-source- prefix, of a copy.
type conditionHeaders struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
}

var (
	readConditions = conditionHeaders{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}
	copyConditions = conditionHeaders{
		"x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match",
		"x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since",
	}
)

// checkConditions evaluates conditional headers against an object the way S3 does
// (RFC 7232 with S3's precedence): If-Match wins over If-Unmodified-Since, and
// If-None-Match over If-Modified-Since. A failed If-None-Match or If-Modified-Since
// means 304 on reads (notModified) and 412 on copies.
func checkConditions(h http.Header, names conditionHeaders, o blob.ObjectInfo, notModified s3err.Code) error {
	modified := o.LastModified.Truncate(time.Second)
	ifMatch := h.Get(names.ifMatch)
	if ifMatch != "" {
		if !etagMatches(ifMatch, o.ETag) {
			return s3err.New(s3err.PreconditionFailed)
		}
	} else if t, ok := parseHTTPTime(h.Get(names.ifUnmodifiedSince)); ok && modified.After(t) {
		return s3err.New(s3err.PreconditionFailed)
	}
	ifNoneMatch := h.Get(names.ifNoneMatch)
	if ifNoneMatch != "" {
		if etagMatches(ifNoneMatch, o.ETag) {
			return s3err.New(notModified)
		}
	} else if t, ok := parseHTTPTime(h.Get(names.ifModifiedSince)); ok && !modified.After(t) {
		return s3err.New(notModified)
	}
	return nil
}

// etagMatches reports whether a list of entity tags (or "*") matches etag.
func etagMatches(list, etag string) bool {
	for _, candidate := range strings.Split(list, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || unquote(candidate) == etag {
			return true
		}
	}
	return false
}

// parseHTTPTime parses an HTTP date in any of the formats HTTP allows.
func parseHTTPTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}
