package s3api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// maxUserMetadata is S3's limit on user metadata: 2 KB of names and values together.
const maxUserMetadata = 2 << 10

// maxKeyLength is S3's limit on an object key, in bytes of UTF-8.
const maxKeyLength = 1024

const metaPrefix = "x-amz-meta-"

// objectHeaders reads the standard headers S3 keeps with an object.
func objectHeaders(h http.Header) blob.Headers {
	return blob.Headers{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    stripAWSChunked(h.Get("Content-Encoding")),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage:    h.Get("Content-Language"),
		CacheControl:       h.Get("Cache-Control"),
		Expires:            h.Get("Expires"),
		StorageClass:       storageClass(h),
	}
}

// stripAWSChunked removes the aws-chunked transfer coding, which describes the request
// body, not the object.
func stripAWSChunked(enc string) string {
	var kept []string
	for _, part := range strings.Split(enc, ",") {
		part = strings.TrimSpace(part)
		if part != "" && part != "aws-chunked" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, ",")
}

// userMetadata reads x-amz-meta-* headers and enforces S3's size limit.
func userMetadata(h http.Header) (map[string]string, error) {
	out := map[string]string{}
	size := 0
	for name, values := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, metaPrefix) {
			continue
		}
		k := strings.TrimPrefix(lower, metaPrefix)
		v := strings.Join(values, ",")
		size += len(k) + len(v)
		out[k] = v
	}
	if size > maxUserMetadata {
		return nil, s3err.New(s3err.MetadataTooLarge).With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(maxUserMetadata))
	}
	return out, nil
}

// checkKey enforces S3's limits on object keys.
func checkKey(key string) error {
	if !utf8.ValidString(key) {
		return errKeyNotUTF8()
	}
	if len(key) > maxKeyLength {
		return s3err.New(s3err.KeyTooLongError).With("Size", strconv.Itoa(len(key))).With("MaxSizeAllowed", strconv.Itoa(maxKeyLength))
	}
	return nil
}

// checkUnsupportedWriteHeaders refuses write options Cairn does not implement, rather
// than silently ignoring what the client asked for.
func checkUnsupportedWriteHeaders(h http.Header) error {
	if err := checkEncryptionHeaders(h.Get); err != nil {
		return err
	}
	if err := checkACLHeaders(h); err != nil {
		return err
	}
	if sc := h.Get("x-amz-storage-class"); sc != "" && !storageClasses[sc] {
		return s3err.Newf(s3err.InvalidStorageClass, "The storage class you specified is not valid")
	}
	return nil
}

// setChecksumHeaders writes a stored checksum as the x-amz-checksum-* header.
func setChecksumHeaders(h http.Header, sum checksum.Checksum) {
	if sum.IsZero() {
		return
	}
	h.Set(sum.Algorithm.HeaderName(), sum.Value)
	if sum.Type != "" {
		h.Set("x-amz-checksum-type", string(sum.Type))
	}
}

// setObjectHeaders writes the headers GET and HEAD return for an object.
func setObjectHeaders(h http.Header, o blob.ObjectInfo) {
	h.Set("ETag", quote(o.ETag))
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	setEncryptionHeader(h, o.Encrypted)
	ct := o.Headers.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	for name, v := range map[string]string{
		"x-amz-storage-class": o.Headers.StorageClass, // S3 leaves it out for STANDARD
		"Content-Encoding":    o.Headers.ContentEncoding,
		"Content-Disposition": o.Headers.ContentDisposition,
		"Content-Language":    o.Headers.ContentLanguage,
		"Cache-Control":       o.Headers.CacheControl,
		"Expires":             o.Headers.Expires,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for k, v := range o.UserMeta {
		h[metaPrefix+k] = []string{v} // lower case, as S3 sends them; clients keep the case they see
	}
}

// checkNewObject runs the checks every request that creates an object shares (PUT,
// CreateMultipartUpload): the bucket exists, the key and the write options are
// acceptable. It returns the request's user metadata.
func (s *Server) checkNewObject(c echo.Context, r *request) (map[string]string, error) {
	if _, err := s.bucket(c, r); err != nil {
		return nil, err
	}
	if err := checkKey(r.key); err != nil {
		return nil, err
	}
	if err := checkUnsupportedWriteHeaders(c.Request().Header); err != nil {
		return nil, err
	}
	return userMetadata(c.Request().Header)
}

// errKeyNotUTF8 refuses a key that is not valid UTF-8, as S3 does: object keys are
// UTF-8 strings.
func errKeyNotUTF8() *s3err.Error {
	return s3err.Newf(s3err.InvalidArgument, "Object key is not valid UTF-8.").With("ArgumentName", "key")
}
