package s3api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// requestID gives every request an id, returned in x-amz-request-id and in error bodies.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := strings.ToUpper(hex.EncodeToString(b[:]))
		h := c.Response().Header()
		h.Set("x-amz-request-id", id)
		h.Set("x-amz-id-2", id)
		h.Set("Server", "Cairn")
		return next(c)
	}
}

// toS3Error maps an error from any layer to the S3 error the client should see.
func toS3Error(err error, r *request) *s3err.Error {
	if e, ok := s3err.As(err); ok {
		return e
	}
	var bucket, key string
	if r != nil {
		bucket, key = r.bucket, r.key
	}
	switch {
	case errors.Is(err, meta.ErrNoSuchBucket):
		return s3err.New(s3err.NoSuchBucket).WithBucket(bucket)
	case errors.Is(err, blob.ErrObjectLocked):
		return errLocked()
	case errors.Is(err, meta.ErrInvalidBucketState):
		return s3err.New(s3err.InvalidBucketState).WithBucket(bucket)
	case errors.Is(err, meta.ErrInvalidTag):
		return s3err.New(s3err.InvalidTag) // parseTagging gives AWS's messages first
	case errors.Is(err, blob.ErrNoSuchVersion):
		return s3err.New(s3err.NoSuchVersion).WithKey(key)
	case errors.Is(err, blob.ErrInvalidVersionID):
		return s3err.Newf(s3err.InvalidArgument, "Invalid version id specified").With("ArgumentName", "versionId")
	case errors.Is(err, blob.ErrMethodNotAllowed):
		return s3err.New(s3err.MethodNotAllowed)
	case errors.Is(err, blob.ErrPreconditionFailed):
		return s3err.New(s3err.PreconditionFailed)
	case errors.Is(err, blob.ErrConditionalConflict):
		return s3err.New(s3err.ConditionalRequestConflict).WithKey(key)
	case errors.Is(err, blob.ErrNoSuchKey):
		return s3err.New(s3err.NoSuchKey).WithKey(key)
	case errors.Is(err, blob.ErrNoSuchUpload):
		return s3err.New(s3err.NoSuchUpload)
	case errors.Is(err, blob.ErrBadDigest):
		return s3err.Newf(s3err.BadDigest, "The checksum you specified did not match the calculated checksum.")
	case errors.Is(err, blob.ErrSizeMismatch):
		return s3err.Newf(s3err.InvalidRequest, "The provided x-amz-mp-object-size does not match the size of the completed object.")
	case errors.Is(err, blob.ErrInvalidPart):
		return s3err.New(s3err.InvalidPart)
	case errors.Is(err, blob.ErrInvalidPartOrder):
		return s3err.New(s3err.InvalidPartOrder)
	case errors.Is(err, blob.ErrEntityTooSmall):
		return s3err.New(s3err.EntityTooSmall)
	case errors.Is(err, blob.ErrInvalidKey):
		return s3err.Newf(s3err.InvalidArgument, "Object key contains characters that are not allowed.")
	case errors.Is(err, blob.ErrCorrupt):
		return s3err.New(s3err.InternalError) // logged where the bad copy was found
	case errors.Is(err, blob.ErrNoQuorum):
		return noQuorumError(err)
	case errors.Is(err, meta.ErrNotReady):
		return s3err.Newf(s3err.ServiceUnavailable, "The cluster's metadata leader cannot be reached: not enough nodes are up for a Raft majority.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, os.ErrDeadlineExceeded): // a body that stopped arriving (cmd/node)
		return s3err.New(s3err.RequestTimeout)
	}
	return nil
}

// noQuorumError says that an object operation lost its quorum, with the counts when
// the object layer gave them: a 503 the client may retry, not a request to slow down.
func noQuorumError(err error) *s3err.Error {
	var qe *blob.QuorumError
	if errors.As(err, &qe) {
		return s3err.Newf(s3err.ServiceUnavailable, "Not enough replicas reachable: %d needed, %d confirmed.", qe.Needed, qe.Reached)
	}
	return s3err.Newf(s3err.ServiceUnavailable, "Not enough replicas reachable.")
}

// logNoQuorum logs why an object operation lost its quorum (each owner's error), at
// most once a minute, so an operator can tell a down node from a slow one.
func (s *Server) logNoQuorum(err error, c echo.Context) {
	if ok, held := s.quorumLog.Allow("quorum"); ok {
		s.log.Warn("object operation lost its quorum", "error", err, "method", c.Request().Method,
			"path", c.Request().URL.Path, "repeated", held)
	}
}

// renderError writes any error as an S3 XML error body with the request id. Errors
// that are not S3 errors become InternalError and are logged.
func (s *Server) renderError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r, _ := c.Get(reqKey).(*request)
	e := toS3Error(err, r)
	if errors.Is(err, blob.ErrNoQuorum) {
		s.logNoQuorum(err, c)
	}
	if e == nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			e = s3err.New(s3err.InvalidRequest)
			if he.Code == http.StatusNotFound {
				e = s3err.New(s3err.NoSuchKey)
			}
		} else {
			e = s3err.New(s3err.InternalError)
			s.log.Error("request failed", "error", err, "method", c.Request().Method, "path", c.Request().URL.Path)
		}
	}
	if e.Code == s3err.NotModified {
		c.Response().WriteHeader(http.StatusNotModified)
		return
	}
	c.Set(errCodeKey, string(e.Code))
	body := s3xml.Error{
		Code:       string(e.Code),
		Message:    e.Message,
		BucketName: e.BucketName,
		Key:        e.Key,
		Resource:   c.Request().URL.Path,
		RequestID:  c.Response().Header().Get("x-amz-request-id"),
		HostID:     c.Response().Header().Get("x-amz-id-2"),
	}
	names := make([]string, 0, len(e.Extra))
	for name := range e.Extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body.Extra = append(body.Extra, s3xml.ExtraElement{XMLName: xml.Name{Local: name}, Value: e.Extra[name]})
	}
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(e.Status)
		return
	}
	_ = writeXML(c, e.Status, body)
}

// writeXML writes v as an XML document with the XML declaration S3 sends.
func writeXML(c echo.Context, status int, v any) error {
	out, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "application/xml")
	res.WriteHeader(status)
	_, _ = res.Write([]byte(xml.Header))
	_, err = res.Write(out)
	return err
}
