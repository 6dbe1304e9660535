package s3api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// Values of the s3:authType condition key.
const (
	authTypeHeader = "REST-HEADER"
	authTypeQuery  = "REST-QUERY-STRING"
	authTypePOST   = "POST"
)

// authInfo is who sent a request.
type authInfo struct {
	// sig is the verified signature; nil for a POST upload, whose form carries it.
	sig *sigv4.Auth
	// accessKey is the key that signed the request; "" when anonymous.
	accessKey string
	// user is principal.User; "" when anonymous.
	user string
	// principal is the signer's identity and policies; zero when anonymous.
	principal meta.Principal
	// authType is authTypeHeader, authTypeQuery or authTypePOST.
	authType string
}

// anonymous reports whether the request carried no credentials.
func (a *authInfo) anonymous() bool { return a == nil || a.accessKey == "" }

// authenticate verifies the request's signature, if it has one, and resolves its
// access key into a principal (r.auth). A bad signature or an unknown key counts
// against the client's address and the key id in the lockout. A disabled or expired
// user is refused with AccessDenied, and only after the signature verified, so the
// answer tells nothing to whoever does not hold the secret.
func (s *Server) authenticate(c echo.Context, r *request) error {
	hr := c.Request()
	sig, err := s.verifier.Verify(hr)
	if err != nil {
		s.countFailure(r, err)
		return err
	}
	authType := authTypeHeader
	if sig.Presigned {
		authType = authTypeQuery
	}
	return s.identify(c, r, sig, sig.AccessKeyID, authType)
}

// identify sets r.auth for a request signed with accessKey (anonymous when empty),
// and refuses a key that no longer resolves and a disabled or expired user.
func (s *Server) identify(c echo.Context, r *request, sig *sigv4.Auth, accessKey, authType string) error {
	if accessKey == "" {
		r.auth = &authInfo{sig: sig}
		return nil
	}
	r.auth = &authInfo{sig: sig, accessKey: accessKey, authType: authType}
	p, err := s.meta.Principal(c.Request().Context(), accessKey)
	switch {
	case errors.Is(err, meta.ErrNoSuchAccessKey):
		// Deleted between the signature check and now.
		r.denied = true
		return s3err.New(s3err.InvalidAccessKeyID).With("AWSAccessKeyId", accessKey)
	case errors.Is(err, meta.ErrNotReady):
		return err
	case err != nil:
		// A key without its user, a policy that does not compile: fail closed.
		s.log.Error("cannot resolve the principal of an access key; refusing", "access_key", accessKey, "error", err)
		r.denied = true
		return s3err.New(s3err.AccessDenied)
	}
	r.auth.user, r.auth.principal = p.User, p
	if err := p.Check(s.now()); err != nil {
		r.denied = true
		switch {
		case errors.Is(err, meta.ErrUserDisabled):
			return s3err.Newf(s3err.AccessDenied, "Access Denied: user %s is disabled.", p.User)
		case errors.Is(err, meta.ErrUserExpired):
			return s3err.Newf(s3err.AccessDenied, "Access Denied: user %s expired at %s.", p.User, p.Expiry.Format(time.RFC3339))
		}
		return s3err.New(s3err.AccessDenied)
	}
	return nil
}

// countFailure records a failed authentication in the lockout when err says the
// credentials were wrong (not when the request was merely malformed or too old).
func (s *Server) countFailure(r *request, err error) {
	if s3err.HasCode(err, s3err.SignatureDoesNotMatch) || s3err.HasCode(err, s3err.InvalidAccessKeyID) {
		r.denied = true
		s.guard.Fail(lockSources(r)...)
	}
}

// checkLockout refuses a request from a client address or for an access key id that
// the lockout holds, with 503 SlowDown and Retry-After, before any signature work.
func (s *Server) checkLockout(c echo.Context, r *request) error {
	until, locked := s.guard.Locked(lockSources(r)...)
	if !locked {
		return nil
	}
	r.denied = true
	wait := max(int(until.Sub(s.now()).Seconds()+0.999), 1)
	c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
	return s3err.Newf(s3err.SlowDown, "Please reduce your request rate. Too many failed authentications from this address or for this access key; retry in %d seconds.", wait)
}

// lockSources are the lockout's keys for a request: its client address and the
// access key id it names.
func lockSources(r *request) []string {
	out := []string{"ip:" + r.clientIP}
	if r.claimedKey != "" {
		out = append(out, "key:"+r.claimedKey)
	}
	return out
}

// claimedAccessKey returns the access key id named by a request's Authorization header
// or X-Amz-Credential query parameter, unverified; "" if none. It is only a name for
// the lockout and the audit log.
func claimedAccessKey(hr *http.Request, query url.Values) string {
	cred := query.Get("X-Amz-Credential")
	if authz := hr.Header.Get("Authorization"); authz != "" {
		_, after, ok := strings.Cut(authz, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(after, ",")
	}
	return credentialKey(cred)
}

// credentialKey returns the access key of "AKID/date/region/service/aws4_request".
func credentialKey(cred string) string {
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) < 5 {
		return ""
	}
	return strings.Join(parts[:len(parts)-4], "/")
}

// now is the server's clock.
func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}
