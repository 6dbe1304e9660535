package s3api

import (
	"io"
	"maps"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/s3err"
)

func (s *Server) putObject(c echo.Context, r *request) error {
	hr := c.Request()
	meta, err := s.checkNewObject(c, r)
	if err != nil {
		return err
	}
	cond, err := writeCondition(hr.Header)
	if err != nil {
		return err
	}
	tags, err := parseTaggingHeader(hr.Header.Get("x-amz-tagging"))
	if err != nil {
		return err
	}
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	lock, err := s.objectLockFor(c, r, bk, r.key, hr.Header.Get, true)
	if err != nil {
		return err
	}
	if hr.Header.Get(hdrLockMode) != "" || hr.Header.Get(hdrLockLegalHold) != "" {
		if !hasIntegrityHeader(hr.Header) {
			return errMissingIntegrity("Put Object requests with Object Lock parameters")
		}
	}
	origin, err := s.replicaOrigin(c, r, policy.ActionReplicateObject)
	if err != nil {
		return err
	}
	b, err := s.uploadBody(c, r)
	if err != nil {
		return err
	}
	release, err := s.reserveQuota(c, bk, origin, b.payload.Length(), 1)
	if err != nil {
		return err
	}
	info, err := s.store.PutObject(hr.Context(), blob.PutInput{
		Bucket: r.bucket, Key: r.key, Body: b.payload, Headers: objectHeaders(hr.Header),
		UserMeta: meta, Seal: b.seal, Versioning: versioningOf(bk), Tags: tags, Lock: lock,
		Origin: origin, Cond: cond, Encrypt: encryptNew(hr.Header.Get, bk),
	})
	if err != nil {
		release()
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", quote(info.ETag))
	setEncryptionHeader(h, info.Encrypted)
	setWrittenVersionHeader(h, bk, info.VersionID)
	setChecksumHeaders(h, info.Checksum)
	if info.Key == "" {
		info.Key = r.key
	}
	if info.Tags == nil {
		info.Tags = tags
	}
	s.setExpiration(h, bk, info)
	return c.NoContent(http.StatusOK)
}

// responseOverrides maps the response-* query parameters of GET to the headers they set.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

// getObject answers GetObject and HeadObject.
func (s *Server) getObject(c echo.Context, r *request) error {
	hr := c.Request()
	bk, err := s.bucket(c, r)
	if err != nil {
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
	info := obj.Info
	h := c.Response().Header()
	base := h.Clone() // the headers of any answer, before those of the object
	setObjectHeaders(h, info)
	setVersionHeader(h, bk, info.VersionID)
	setTaggingCount(h, info)
	s.setOriginHeaders(h, info.Origin, info.HLC)
	setAttributesTime(h, info)
	s.setLockHeaders(c, r, h, info.Lock)
	if vid == "" {
		s.setExpiration(h, bk, info) // as S3, on the current version
	}
	if err := checkConditions(hr.Header, readConditions, info, s3err.NotModified); err != nil {
		return err
	}
	rng, partCount, err := readRange(hr, r, info)
	if err != nil {
		return err
	}
	for param, header := range responseOverrides {
		if v := r.query.Get(param); v != "" {
			if r.anonymous() {
				return s3err.Newf(s3err.InvalidRequest, "Request specific response headers cannot be used for anonymous GET requests.")
			}
			h.Set(header, v)
		}
	}
	if partCount > 0 {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(partCount))
	}
	status := http.StatusOK
	start, length := int64(0), info.Size
	if rng != nil {
		status = http.StatusPartialContent
		start, length = rng.start, rng.length
		h.Set("Content-Range", "bytes "+itoa(start)+"-"+itoa(start+length-1)+"/"+itoa(info.Size))
	} else if hr.Header.Get("x-amz-checksum-mode") == "ENABLED" {
		setChecksumHeaders(h, info.Checksum)
	}
	h.Set("Content-Length", itoa(length))
	if hr.Method == http.MethodHead {
		c.Response().WriteHeader(status)
		return nil
	}
	// NewReader reads and checks the first block before it returns: when no good copy
	// of it can be had, the answer is still an error, without the object's headers.
	body, err := obj.NewReader(hr.Context(), start, length)
	if err != nil {
		clear(h)
		maps.Copy(h, base)
		return err
	}
	defer body.Close()
	c.Response().WriteHeader(status)
	src := &readErrorReader{r: body}
	if _, err := io.Copy(c.Response(), src); err != nil {
		// The status line is gone; the short body tells the client the read failed.
		if src.err != nil {
			s.log.Warn("object read failed mid-response", "bucket", r.bucket, "key", r.key, "error", err)
		} else {
			// The client went away or stopped reading (the write progress deadline):
			// nothing for the operator to act on.
			s.log.Debug("client stopped receiving an object", "bucket", r.bucket, "key", r.key, "error", err)
		}
		return err
	}
	return nil
}

// readErrorReader remembers the error its reader returned, so a failed copy can tell
// a read failure (the store's) from a write failure (the client's).
type readErrorReader struct {
	r   io.Reader
	err error
}

func (e *readErrorReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// readRange resolves the Range header or the partNumber parameter of a GET or HEAD.
// It returns the range (nil for the whole object) and the object's part count when a
// part was asked for.
func readRange(hr *http.Request, r *request, info blob.ObjectInfo) (*byteRange, int, error) {
	pn := r.query.Get("partNumber")
	if pn == "" {
		rng, err := parseRange(hr.Header.Get("Range"), info.Size)
		return rng, 0, err
	}
	if hr.Header.Get("Range") != "" {
		return nil, 0, s3err.Newf(s3err.InvalidRequest, "Cannot specify both Range header and partNumber query parameter")
	}
	n, err := strconv.Atoi(pn)
	if err != nil || n < 1 || n > maxPartNumber {
		return nil, 0, s3err.Newf(s3err.InvalidArgument, "Part number must be an integer between 1 and %d, inclusive", maxPartNumber).With("ArgumentName", "partNumber")
	}
	if len(info.Parts) == 0 {
		if n != 1 {
			return nil, 0, s3err.New(s3err.InvalidPartNumber)
		}
		return &byteRange{0, info.Size}, 1, nil
	}
	if n > len(info.Parts) {
		return nil, 0, s3err.New(s3err.InvalidPartNumber)
	}
	var off int64
	for _, p := range info.Parts[:n-1] {
		off += p.Size
	}
	return &byteRange{off, info.Parts[n-1].Size}, len(info.Parts), nil
}

// deleteObject answers DeleteObject: a delete marker, or the removal of the version
// that versionId names.
func (s *Server) deleteObject(c echo.Context, r *request) error {
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	cond, err := deleteCondition(c.Request().Header)
	if err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	in := blob.DeleteInput{Bucket: r.bucket, Key: r.key, VersionID: vid, Versioning: versioningOf(bk), Cond: cond}
	if in.Origin, err = s.replicaOrigin(c, r, policy.ActionReplicateDelete); err != nil {
		return err
	}
	if vid != "" {
		in.BypassGovernance = s.bypassGovernance(c, r, r.bucket, r.key)
	}
	res, err := s.store.Delete(c.Request().Context(), in)
	if err != nil {
		return versionError(err, r, c.Request().Method, vid)
	}
	h := c.Response().Header()
	if res.DeleteMarker {
		h.Set("x-amz-delete-marker", "true")
	}
	if res.VersionID != "" {
		h.Set("x-amz-version-id", res.VersionID)
	}
	return c.NoContent(http.StatusNoContent)
}
