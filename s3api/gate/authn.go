package gate

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// Values of the s3:authType condition key.
const (
	AuthHeader = "REST-HEADER"
	AuthQuery  = "REST-QUERY-STRING"
	AuthPOST   = "POST"
)

// Request is one request's passage through the gate. A surface makes it with Begin
// and keeps it for the request's lifetime.
type Request struct {
	// HTTP is the request. Authenticate replaces its Body with the verifying reader.
	HTTP *http.Request
	// ClientIP is the client's address (after trusted proxies), for conditions, the
	// lockout and the audit log.
	ClientIP string
	// ClaimedKey is the access key id the request names, before it is verified; the
	// lockout counts it with the address, the audit log records it.
	ClaimedKey string
	// Caller is who sent the request, set by Authenticate or Identify; zero (the
	// anonymous caller) before, or when the request was not signed.
	Caller Caller
	// Denied is set when the lockout, authentication or authorization refused the
	// request, for the audit log.
	Denied bool

	w    http.ResponseWriter
	body *verifiedBody
}

// Caller is an authenticated sender.
type Caller struct {
	// Sig is the verified signature; nil for a POST form or a console session, and
	// for an anonymous request the zero sigv4.Auth.
	Sig *sigv4.Auth
	// AccessKey is the key that signed the request; "" when anonymous.
	AccessKey string
	// Principal is the signer's identity and policies; zero when anonymous.
	Principal meta.Principal
	// AuthType is AuthHeader, AuthQuery or AuthPOST (the s3:authType key); "" when
	// anonymous.
	AuthType string

	// version is the signature's version, as SignatureVersion reports it.
	version string
}

// Anonymous reports whether the request carried no credentials.
func (c *Caller) Anonymous() bool { return c.AccessKey == "" }

// SignatureVersion is the s3:signatureversion condition value: "AWS4-HMAC-SHA256"
// for SigV4, "AWS" for Signature Version 2 (headers, presigned URLs and POST forms);
// "" when anonymous or for a console session.
func (c *Caller) SignatureVersion() string {
	if c.Anonymous() {
		return ""
	}
	return c.version
}

// Begin starts a request's passage: it notes the client's address and the access
// key the request claims. w receives Retry-After when the lockout refuses it.
func (g *Gate) Begin(w http.ResponseWriter, hr *http.Request) *Request {
	return &Request{
		HTTP:       hr,
		w:          w,
		ClientIP:   audit.ClientIP(hr, g.cfg.TrustedProxies),
		ClaimedKey: claimedAccessKey(hr),
	}
}

// Authenticate runs the lockout, verifies the signature for this surface, resolves
// the principal and wraps the body in the verifying reader. An anonymous request
// passes as the anonymous caller, unless the surface requires a signature. A bad
// signature or an unknown key counts against the client's address and the key at
// that address. A disabled or expired user is refused with AccessDenied only after
// the signature verified, so the answer tells nothing to whoever lacks the secret.
func (g *Gate) Authenticate(req *Request) error {
	if err := g.CheckLockout(req); err != nil {
		return err
	}
	sig, err := g.verifier.Verify(req.HTTP)
	if err != nil {
		g.countFailure(req, err)
		return err
	}
	if sig.Anonymous() {
		if g.cfg.RequireSignature {
			req.Denied = true
			return s3err.Newf(s3err.AccessDenied, "This API needs requests signed with AWS Signature Version 4 for the service %q.", g.cfg.Service)
		}
		req.Caller = Caller{Sig: sig}
		return g.wrapBody(req)
	}
	authType := AuthHeader
	if sig.Presigned {
		authType = AuthQuery
	}
	if err := g.identify(req, sig, sig.AccessKeyID, authType); err != nil {
		return err
	}
	return g.wrapBody(req)
}

// AuthenticateForm authenticates a signed POST upload form of bucket: the lockout
// (with the form's credential as the claimed key), the form's signature and policy,
// and the signer's principal. A form without a signature is anonymous.
func (g *Gate) AuthenticateForm(req *Request, bucket string, fields map[string]string) (*sigv4.PostPolicy, error) {
	req.ClaimedKey = credentialKey(fields["x-amz-credential"])
	if req.ClaimedKey == "" {
		req.ClaimedKey = fields["awsaccesskeyid"] // a V2 form
	}
	if err := g.CheckLockout(req); err != nil {
		return nil, err
	}
	pp, err := g.verifier.VerifyPostPolicy(req.HTTP.Context(), bucket, fields)
	if err != nil {
		g.countFailure(req, err)
		return nil, err
	}
	if err := g.Identify(req, pp.AccessKeyID, AuthPOST); err != nil {
		return nil, err
	}
	// A form signed with Signature Version 2 has "signature" and no
	// "x-amz-signature" (sigv4.VerifyPostPolicy tells them apart the same way).
	req.Caller.version = sigv4.VersionV4
	if fields["x-amz-signature"] == "" && fields["signature"] != "" {
		req.Caller.version = sigv4.VersionV2
	}
	return pp, nil
}

// Identify sets the caller of a request whose credentials were verified elsewhere
// (a POST form; a console session mapped to its access key): the principal step
// alone. accessKey "" is the anonymous caller.
func (g *Gate) Identify(req *Request, accessKey, authType string) error {
	return g.identify(req, nil, accessKey, authType)
}

func (g *Gate) identify(req *Request, sig *sigv4.Auth, accessKey, authType string) error {
	if accessKey == "" {
		req.Caller = Caller{Sig: sig}
		return nil
	}
	req.Caller = Caller{Sig: sig, AccessKey: accessKey, AuthType: authType}
	if sig != nil {
		req.Caller.version = sig.Version
	}
	p, err := g.creds.Principal(req.HTTP.Context(), accessKey)
	switch {
	case errors.Is(err, meta.ErrNoSuchAccessKey):
		// Deleted between the signature check and now.
		req.Denied = true
		return s3err.New(s3err.InvalidAccessKeyID).With("AWSAccessKeyId", accessKey)
	case errors.Is(err, meta.ErrNotReady):
		return err
	case err != nil:
		// A key without its user, a policy that does not compile: fail closed.
		g.log.Error("cannot resolve the principal of an access key; refusing", "access_key", accessKey, "error", err)
		req.Denied = true
		return s3err.New(s3err.AccessDenied)
	}
	req.Caller.Principal = p
	if err := p.Check(g.cfg.Now()); err != nil {
		req.Denied = true
		switch {
		case errors.Is(err, meta.ErrUserDisabled):
			return s3err.Newf(s3err.AccessDenied, "Access Denied: user %s is disabled.", p.User)
		case errors.Is(err, meta.ErrAccessKeyExpired):
			return s3err.Newf(s3err.AccessDenied, "Access Denied: access key %s expired at %s.", p.AccessKeyID, p.KeyExpiry.Format(time.RFC3339))
		case errors.Is(err, meta.ErrUserExpired):
			return s3err.Newf(s3err.AccessDenied, "Access Denied: user %s expired at %s.", p.User, p.Expiry.Format(time.RFC3339))
		}
		return s3err.New(s3err.AccessDenied)
	}
	return nil
}

// CheckLockout refuses a request whose client address, or whose claimed key at that
// address, the lockout holds: 503 SlowDown with Retry-After, before any signature
// work.
func (g *Gate) CheckLockout(req *Request) error {
	until, locked := g.guard.Locked(req.ClientIP, req.ClaimedKey)
	if !locked {
		return nil
	}
	req.Denied = true
	wait := max(int(until.Sub(g.cfg.Now()).Seconds()+0.999), 1)
	if req.w != nil {
		req.w.Header().Set("Retry-After", strconv.Itoa(wait))
	}
	return s3err.Newf(s3err.SlowDown, "Please reduce your request rate. Too many failed authentications from this address; retry in %d seconds.", wait)
}

// countFailure records a failed authentication in the lockout when err says the
// credentials were wrong (not when the request was merely malformed or too old).
func (g *Gate) countFailure(req *Request, err error) {
	if s3err.HasCode(err, s3err.SignatureDoesNotMatch) || s3err.HasCode(err, s3err.InvalidAccessKeyID) {
		req.Denied = true
		g.guard.Fail(req.ClientIP, req.ClaimedKey)
	}
}

// claimedAccessKey returns the access key id named by a request's Authorization
// header (V4 or V2) or its presigned query (X-Amz-Credential, AWSAccessKeyId),
// unverified; "" if none. It is only a name for the lockout and the audit log.
func claimedAccessKey(hr *http.Request) string {
	if authz := hr.Header.Get("Authorization"); authz != "" {
		if v2, ok := strings.CutPrefix(authz, "AWS "); ok {
			key, _, _ := strings.Cut(strings.TrimSpace(v2), ":")
			return key
		}
		_, after, ok := strings.Cut(authz, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ := strings.Cut(after, ",")
		return credentialKey(cred)
	}
	q := hr.URL.Query()
	if cred := q.Get("X-Amz-Credential"); cred != "" {
		return credentialKey(cred)
	}
	return q.Get("AWSAccessKeyId")
}

// credentialKey returns the access key of "AKID/date/region/service/aws4_request".
func credentialKey(cred string) string {
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) < 5 {
		return ""
	}
	return strings.Join(parts[:len(parts)-4], "/")
}
