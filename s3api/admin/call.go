package admin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/gate"
)

// call is the state of one admin request, from begin to the audit record.
type call struct {
	echo.Context
	requestID string
	// op is the endpoint's operation name ("" for an unknown route).
	op string
	// gr is the request's passage through the gate: client address, claimed key,
	// caller, whether the gate refused it.
	gr *gate.Request
	// body is the request body, read and verified against its signed hash.
	body []byte
	// bucket names the bucket the request is about, for the audit log.
	bucket string
}

// principal is the authenticated caller's identity.
func (cl *call) principal() *meta.Principal { return &cl.gr.Caller.Principal }

// callKey is the echo context key of the *call.
const callKey = "admin.call"

// callOf returns the request's call; begin sets it on every request.
func callOf(c echo.Context) *call {
	if cl, ok := c.Get(callKey).(*call); ok {
		return cl
	}
	cl := &call{Context: c, gr: &gate.Request{HTTP: c.Request()}}
	c.Set(callKey, cl)
	return cl
}

// begin gives every request an id (the x-amz-request-id header and the requestId of
// errors), and writes its audit record when it ends.
func (s *Server) begin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cl := &call{Context: c, requestID: strings.ToUpper(hex.EncodeToString(b[:]))}
		cl.gr = s.gate.Begin(c.Response(), c.Request())
		c.Set(callKey, cl)
		h := c.Response().Header()
		h.Set("x-amz-request-id", cl.requestID)
		h.Set("Server", "Cairn")
		h.Set("Cache-Control", "no-store")
		err := next(c)
		if err != nil {
			c.Error(err) // renders now, so that the record has the status sent
		}
		s.audit(cl, err)
		return nil
	}
}

// audit writes the request's audit record, through the gate.
func (s *Server) audit(cl *call, err error) {
	if !s.gate.AuditLog() {
		return
	}
	rec := audit.Record{
		RequestID: cl.requestID,
		Action:    cl.op,
		Bucket:    cl.bucket,
		Status:    cl.Response().Status,
		UserAgent: cl.Request().UserAgent(),
	}
	if err != nil || rec.Status >= 400 {
		rec.Result = audit.ResultError
	}
	if err != nil {
		if e := toError(err); e != nil {
			rec.ErrorCode = string(e.Code)
		} else {
			rec.ErrorCode = string(InternalError)
		}
	}
	s.gate.Record(cl.gr, rec)
}

// renderError writes any error as the JSON error body. Errors that are not admin,
// S3 or meta errors become InternalError and are logged.
func (s *Server) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toError(err)
	if e == nil {
		var he *echo.HTTPError
		switch {
		case errors.As(err, &he) && he.Code == http.StatusNotFound:
			e = newError(NoSuchEndpoint)
		case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
			e = newError(MethodNotAllowed)
		case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
			e = newError(EntityTooLarge)
		case errors.As(err, &he) && he.Code < 500:
			e = newError(InvalidRequest)
		default:
			e = newError(InternalError)
			s.log.Error("admin request failed", "error", err, "method", c.Request().Method, "path", c.Request().URL.Path)
		}
	}
	out := *e
	out.RequestID = callOf(c).requestID
	_ = c.JSON(out.Status, out)
}

// param returns a path parameter, unescaped.
func (cl *call) param(name string) string {
	v := cl.Param(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// decode parses the JSON body into v strictly (gate.DecodeJSON): no unknown field,
// so that a typo in a field name is an error rather than silently ignored, and no
// duplicate key.
func (cl *call) decode(v any) error {
	if err := gate.DecodeJSON(cl.body, v); err != nil {
		return errorf(InvalidRequest, "%s.", upperFirst(err.Error()))
	}
	return nil
}

// upperFirst capitalizes the first letter of an ASCII message.
func upperFirst(s string) string {
	if s != "" && 'a' <= s[0] && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// ok writes v as JSON with status.
func (cl *call) ok(status int, v any) error { return cl.JSON(status, v) }
