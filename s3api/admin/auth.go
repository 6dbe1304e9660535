package admin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// serve wraps an endpoint's handler with what every admin request goes through, in
// order: the lockout, the signature check, the user's status, the body (read and
// checked against its signed hash), then the endpoint's permissions.
func (s *Server) serve(ep endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		cl := callOf(c)
		cl.op = ep.op
		if err := s.checkLockout(cl); err != nil {
			return err
		}
		if err := s.authenticate(cl); err != nil {
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
			for _, p := range perms {
				if err := s.authorize(cl, p); err != nil {
					cl.denied = true
					return err
				}
			}
		}
		return ep.handle(s, cl)
	}
}

// permission is one action on one admin resource ("user/alice", "cluster") that a
// request needs.
type permission struct {
	action   string
	resource string
}

// authenticate verifies the signature and resolves its key into a principal. An
// unsigned request, a bad signature, an unknown key and a disabled or expired user
// are refused; the last only after the signature verified, so the answer tells
// nothing to whoever does not hold the secret.
func (s *Server) authenticate(cl *call) error {
	hr := cl.Request()
	sig, err := s.verifier.Verify(hr)
	if err != nil {
		if s3err.HasCode(err, s3err.SignatureDoesNotMatch) || s3err.HasCode(err, s3err.InvalidAccessKeyID) {
			cl.denied = true
			s.guard.Fail(lockSources(cl)...)
		}
		return err
	}
	if sig.Anonymous() {
		cl.denied = true
		return errorf(AccessDenied, "The admin API needs requests signed with AWS Signature Version 4 (service \"s3\", region %q).", s.cfg.Region)
	}
	cl.sig = sig
	cl.authType = "REST-HEADER"
	if sig.Presigned {
		cl.authType = "REST-QUERY-STRING"
	}
	p, err := s.deps.Meta.Principal(hr.Context(), sig.AccessKeyID)
	switch {
	case errors.Is(err, meta.ErrNoSuchAccessKey):
		cl.denied = true // deleted between the signature check and now
		return errorf(Code(s3err.InvalidAccessKeyID), "The AWS access key Id you provided does not exist in our records.")
	case errors.Is(err, meta.ErrNotReady):
		return err
	case err != nil:
		// A key without its user, a policy that does not compile: fail closed.
		s.log.Error("cannot resolve the principal of an access key; refusing", "access_key", sig.AccessKeyID, "error", err)
		cl.denied = true
		return newError(AccessDenied)
	}
	cl.principal = &p
	if err := p.Check(s.now()); err != nil {
		cl.denied = true
		switch {
		case errors.Is(err, meta.ErrUserDisabled):
			return errorf(AccessDenied, "Access Denied: user %s is disabled.", p.User)
		case errors.Is(err, meta.ErrUserExpired):
			return errorf(AccessDenied, "Access Denied: user %s expired at %s.", p.User, p.Expiry.Format(time.RFC3339))
		}
		return newError(AccessDenied)
	}
	return nil
}

// readBody reads the request body, at most MaxBodyBytes, and verifies it against
// x-amz-content-sha256. A request with a body must sign the body's SHA-256:
// UNSIGNED-PAYLOAD and streaming bodies are refused, so that a captured request can
// never be replayed with another body.
func (s *Server) readBody(cl *call) error {
	hr := cl.Request()
	hasBody := hr.ContentLength != 0 && hr.Body != nil && hr.Body != http.NoBody
	if !hasBody {
		return nil
	}
	if hr.ContentLength > s.cfg.MaxBodyBytes {
		return errorf(EntityTooLarge, "The request body is larger than %d bytes.", s.cfg.MaxBodyBytes)
	}
	if !isHexSHA256(hr.Header.Get("X-Amz-Content-Sha256")) {
		return errorf(InvalidRequest, "A request with a body must sign it: set x-amz-content-sha256 to the hex SHA-256 of the body (UNSIGNED-PAYLOAD, streaming bodies and presigned URLs are not accepted with a body).")
	}
	payload, err := cl.sig.Payload(hr)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(payload, s.cfg.MaxBodyBytes+1))
	if err != nil {
		return err
	}
	if int64(len(body)) > s.cfg.MaxBodyBytes {
		return errorf(EntityTooLarge, "The request body is larger than %d bytes.", s.cfg.MaxBodyBytes)
	}
	cl.body = body
	return nil
}

// authorize returns nil if the principal may perform p: root may do everything,
// other users what their identity policies allow.
func (s *Server) authorize(cl *call, p permission) error {
	pr := cl.principal
	req := policy.Request{
		Action:     p.action,
		Resource:   policy.AdminARN(p.resource),
		Principal:  pr.User,
		IsRoot:     pr.IsRoot,
		Conditions: s.conditions(cl),
	}
	d := policy.Evaluate(req, pr.Policies, nil)
	if d.Allowed() {
		return nil
	}
	s.log.Debug("access denied", "action", req.Action, "resource", req.Resource, "user", req.Principal, "decision", d.String())
	why := fmt.Sprintf("because no identity-based policy allows the %s action", req.Action)
	if d.Result == policy.ExplicitDeny {
		why = "with an explicit deny in an identity-based policy"
	}
	return errorf(AccessDenied, "User: %s is not authorized to perform: %s on resource: %q %s", req.Principal, req.Action, req.Resource, why)
}

// conditions is the request's condition context (docs/policies.md); aws:username
// and aws:PrincipalType come from the principal in policy.Evaluate.
func (s *Server) conditions(cl *call) map[string][]string {
	hr := cl.Request()
	now := s.now()
	m := map[string][]string{
		policy.KeySourceIP:         {cl.clientIP},
		policy.KeySecureTransport:  {strconv.FormatBool(audit.SecureTransport(hr, s.cfg.TrustedProxies))},
		policy.KeyCurrentTime:      {now.UTC().Format(time.RFC3339)},
		policy.KeyEpochTime:        {strconv.FormatInt(now.Unix(), 10)},
		policy.KeySignatureVersion: {"AWS4-HMAC-SHA256"},
		policy.KeyAuthType:         {cl.authType},
	}
	if ua := hr.UserAgent(); ua != "" {
		m[policy.KeyUserAgent] = []string{ua}
	}
	if ref := hr.Referer(); ref != "" {
		m[policy.KeyReferer] = []string{ref}
	}
	return m
}

// checkLockout refuses a client address or an access key id that the lockout holds,
// with 503 SlowDown and Retry-After, before any signature work.
func (s *Server) checkLockout(cl *call) error {
	until, locked := s.guard.Locked(lockSources(cl)...)
	if !locked {
		return nil
	}
	cl.denied = true
	wait := max(int(until.Sub(s.now()).Seconds()+0.999), 1)
	cl.Response().Header().Set("Retry-After", strconv.Itoa(wait))
	return errorf(SlowDown, "Too many failed authentications from this address or for this access key; retry in %d seconds.", wait)
}

// lockSources are the lockout's keys for a request: its client address and the
// access key id it names. The S3 API uses the same keys in its own limiter.
func lockSources(cl *call) []string {
	out := []string{"ip:" + cl.clientIP}
	if cl.claimedKey != "" {
		out = append(out, "key:"+cl.claimedKey)
	}
	return out
}

// claimedAccessKey returns the access key id named by a request's Authorization
// header or X-Amz-Credential query parameter, unverified; "" if none. It is only a
// name for the lockout and the audit log.
func claimedAccessKey(hr *http.Request) string {
	cred := hr.URL.Query().Get("X-Amz-Credential")
	if authz := hr.Header.Get("Authorization"); authz != "" {
		_, after, ok := strings.Cut(authz, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) < 5 {
		return ""
	}
	return strings.Join(parts[:len(parts)-4], "/")
}

func isHexSHA256(v string) bool {
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// secrets adapts the metadata's access keys to what the signature verifier asks.
type secrets struct{ md Credentials }

// SecretKey returns the secret of an access key, or sigv4.ErrUnknownAccessKey.
func (c secrets) SecretKey(ctx context.Context, id string) (string, error) {
	k, err := c.md.AccessKey(ctx, id)
	if errors.Is(err, meta.ErrNoSuchAccessKey) {
		return "", sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}
