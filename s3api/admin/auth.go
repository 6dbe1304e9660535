package admin

import (
	"errors"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
)

// serve wraps an endpoint's handler with what every admin request goes through, in
// the gate's order: the lockout, the signature (made for gate.AdminService), the
// user's status, the body (read whole and checked against its signed hash before
// anything acts on it), then the endpoint's permissions.
func (s *Server) serve(ep endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl := callOf(c)
		cl.op = ep.op
		if err := s.gate.Authenticate(cl.gr); err != nil {
			return err
		}
		if err := s.readBody(cl); err != nil {
			return err
		}
		if ep.perms != nil {
			perms, err := ep.perms(s, cl)
			if err != nil {
				return err
			}
			conds := s.gate.Conditions(cl.gr)
			for _, p := range perms {
				arn := p.resource
				if !strings.HasPrefix(arn, "arn:") {
					arn = policy.AdminARN(arn)
				}
				if err := s.gate.Authorize(cl.gr, gate.Permission{Action: p.action, Resource: arn, Conditions: conds}); err != nil {
					return err
				}
			}
		}
		return ep.handle(s, cl)
	}
}

// permission is one action on one admin resource ("user/alice", "cluster") that a
// request needs; a resource that is a whole ARN ("arn:aws:s3:::photos", for the S3
// actions that site sync's pause and resume need) is taken as it is.
type permission struct {
	action   string
	resource string
}

// readBody reads the request body, at most MaxBodyBytes, through the gate's
// verifying reader: the gate refuses a body whose SHA-256 was not signed, and the
// body is kept only once it matched.
func (s *Server) readBody(cl *call) error {
	body, err := cl.gr.ReadBody(s.cfg.MaxBodyBytes)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return errorf(EntityTooLarge, "The request body is larger than %d bytes.", s.cfg.MaxBodyBytes)
	}
	if err != nil {
		return err
	}
	cl.body = body
	return nil
}
