package s3api

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/s3err"
)

func (s *Server) putObject(c echo.Context, r *request) error {
	hr := c.Request()
	meta, err := s.checkNewObject(c, r)
	if err != nil {
		return err
	}
	b, err := s.uploadBody(c, r)
	if err != nil {
		return err
	}
	info, err := s.store.PutObject(hr.Context(), blob.PutInput{
		Bucket: r.bucket, Key: r.key, Body: b.payload, Headers: objectHeaders(hr.Header),
		UserMeta: meta, Seal: b.seal,
	})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", quote(info.ETag))
	setChecksumHeaders(h, info.Checksum)
	return c.NoContent(http.StatusOK)
}

// checkVersionID accepts only the null version until versioning exists.
func checkVersionID(r *request) error {
	if v, ok := r.query["versionId"]; ok && v[0] != blob.NullVersion {
		return s3err.New(s3err.NoSuchVersion).WithKey(r.key).With("VersionId", v[0])
	}
	return nil
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
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := checkVersionID(r); err != nil {
		return err
	}
	obj, err := s.store.OpenObject(hr.Context(), r.bucket, r.key)
	if err != nil {
		return err
	}
	info := obj.Info
	h := c.Response().Header()
	setObjectHeaders(h, info)
	if err := checkConditions(hr.Header, readConditions, info, s3err.NotModified); err != nil {
		return err
	}
	rng, partCount, err := readRange(hr, r, info)
	if err != nil {
		return err
	}
	for param, header := range responseOverrides {
		if v := r.query.Get(param); v != "" {
			if r.auth.anonymous() {
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
	body, err := obj.NewReader(hr.Context(), start, length)
	if err != nil {
		return err
	}
	defer body.Close()
	c.Response().WriteHeader(status)
	if _, err := io.Copy(c.Response(), body); err != nil {
		// The status line is gone; the short body tells the client the read failed.
		s.log.Warn("object read failed mid-response", "bucket", r.bucket, "key", r.key, "error", err)
		return err
	}
	return nil
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

func (s *Server) deleteObject(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := checkVersionID(r); err != nil {
		return err
	}
	if err := s.store.DeleteObject(c.Request().Context(), r.bucket, r.key); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
