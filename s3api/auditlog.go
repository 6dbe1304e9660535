package s3api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// audit writes one audit record per request (Config.AuditLog), after the response:
// every S3 request reads or changes data or configuration, so every one is recorded,
// refused and malformed ones included. The error, if any, is rendered here so that
// the record holds the status and code the client got.
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := next(c); err != nil {
			c.Error(err)
			s.logAudit(c, err)
			return nil
		}
		s.logAudit(c, nil)
		return nil
	}
}

// logAudit builds the record of a finished request; the gate completes it with the
// caller and writes it.
func (s *Server) logAudit(c echo.Context, err error) {
	hr := c.Request()
	rec := audit.Record{
		Time:      s.now(),
		RequestID: c.Response().Header().Get("x-amz-request-id"),
		Status:    c.Response().Status,
		UserAgent: hr.UserAgent(),
	}
	r, _ := c.Get(reqKey).(*request)
	if r != nil {
		rec.Bucket, rec.Key = r.bucket, r.key
		if r.action != nil {
			rec.Action = r.action.Name
		}
	}
	if code := errorCodeOf(err, r); code != "" {
		rec.Result, rec.ErrorCode = audit.ResultError, string(code)
	}
	gr, _ := c.Get(gateKey).(*gate.Request)
	if gr == nil {
		gr = s.gate.Begin(c.Response(), hr)
	}
	s.gate.Record(gr, rec)
}

// errorCodeOf is the S3 error code renderError answered err with; "" for no error
// and for 304 Not Modified, which is a success.
func errorCodeOf(err error, r *request) s3err.Code {
	if err == nil {
		return ""
	}
	if e := toS3Error(err, r); e != nil {
		if e.Code == s3err.NotModified {
			return ""
		}
		return e.Code
	}
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		return s3err.NoSuchKey
	case errors.As(err, &he):
		return s3err.InvalidRequest
	}
	return s3err.InternalError
}
