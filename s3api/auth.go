package s3api

import (
	"time"
)

// The S3 API authenticates through the shared gate (package gate): lockout,
// signature (service "s3"), principal, body verification. This file holds only the
// S3 surface's view of the caller.

// user is the request's authenticated user; "" when anonymous.
func (r *request) user() string { return r.gr.Caller.Principal.User }

// anonymous reports whether the request carried no credentials.
func (r *request) anonymous() bool { return r.gr.Caller.Anonymous() }

// readBody reads a request body of at most limit bytes through the gate's verifying
// reader: the body is returned only once it matched its signed hash, checksums and
// Content-MD5. gate.ErrBodyTooLarge when it is over limit.
func (s *Server) readBody(r *request, limit int64) ([]byte, error) {
	return r.gr.ReadBody(limit)
}

// now is the server's clock.
func (s *Server) now() time.Time { return s.gate.Now() }
