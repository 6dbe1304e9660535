package management

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
)

// Code names a management API error, as in the "code" field of an error body.
type Code string

// The management API's error codes, each with one HTTP status (see table).
const (
	BadRequest         Code = "BadRequest"
	Forbidden          Code = "Forbidden"
	NotFound           Code = "NotFound"
	MethodNotAllowed   Code = "MethodNotAllowed"
	Conflict           Code = "Conflict"
	TooLarge           Code = "RequestEntityTooLarge"
	TooManyRequests    Code = "TooManyRequests"
	InternalError      Code = "InternalError"
	NotImplemented     Code = "NotImplemented"
	ServiceUnavailable Code = "ServiceUnavailable"
)

// table gives each code its status and default message.
var table = map[Code]struct {
	status  int
	message string
}{
	BadRequest:         {http.StatusBadRequest, "The request is malformed."},
	Forbidden:          {http.StatusForbidden, "A valid X-Auth-Token header is required."},
	NotFound:           {http.StatusNotFound, "Not found."},
	MethodNotAllowed:   {http.StatusMethodNotAllowed, "The method is not allowed on this path."},
	Conflict:           {http.StatusConflict, "The resource already exists or is in use."},
	TooLarge:           {http.StatusRequestEntityTooLarge, "The request body is too large."},
	TooManyRequests:    {http.StatusTooManyRequests, "Rate limit exceeded; retry after the time in Retry-After."},
	InternalError:      {http.StatusInternalServerError, "An internal error occurred; it has been logged."},
	NotImplemented:     {http.StatusNotImplemented, "Not implemented by this node."},
	ServiceUnavailable: {http.StatusServiceUnavailable, "The cluster has no Raft leader right now; retry."},
}

// Error is a management API error: the JSON body {"code", "message", "requestId"}
// with its HTTP status.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// RequestID is filled in when the error is written; the X-Request-Id header
	// carries the same id.
	RequestID string `json:"requestId"`
	// Status is the HTTP status; not part of the body.
	Status int `json:"-"`
	// retryAfter, in seconds, is sent as Retry-After when positive.
	retryAfter int
}

// Error returns "Code: Message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// errorf returns an error of code with its own message.
func errorf(code Code, format string, args ...any) *Error {
	row := table[code]
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: row.status}
}

// newError returns an error of code with its default message.
func newError(code Code) *Error {
	row := table[code]
	return &Error{Code: code, Message: row.message, Status: row.status}
}

// toError maps an error from any layer to the error the client sees; nil for an
// unexpected error, which the caller logs and answers with InternalError.
func toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return errorf(NotFound, "The management API has no such path.")
		case http.StatusMethodNotAllowed:
			return newError(MethodNotAllowed)
		case http.StatusRequestEntityTooLarge:
			return newError(TooLarge)
		}
		return errorf(BadRequest, "%v", he.Message)
	}
	switch {
	case errors.Is(err, meta.ErrNotReady):
		return newError(ServiceUnavailable)
	case errors.Is(err, meta.ErrInvalid), errors.Is(err, meta.ErrInvalidTag):
		return errorf(BadRequest, "%s", trimMeta(err))
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errorf(ServiceUnavailable, "The request did not finish in time; retry.")
	}
	return nil
}

// trimMeta returns meta's message without its package prefix. Meta's messages name
// the bucket, user, group or policy concerned and never a secret.
func trimMeta(err error) string {
	msg := err.Error()
	for {
		rest, ok := strings.CutPrefix(msg, "meta: invalid argument: ")
		if !ok {
			rest, ok = strings.CutPrefix(msg, "meta: ")
		}
		if !ok {
			return msg
		}
		msg = rest
	}
}

// renderError is the API's echo error handler: every error becomes a JSON body.
// Errors that are not management errors become InternalError and are logged; their
// text is never sent, since it may name internals.
func (s *Server) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toError(err)
	if e == nil {
		s.log.Error("management request failed", "error", err, "method", c.Request().Method, "path", c.Request().URL.Path)
		e = newError(InternalError)
	}
	out := *e
	out.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	if out.retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(out.retryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(out.Status)
		return
	}
	_ = c.JSON(out.Status, out)
}
