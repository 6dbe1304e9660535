// Package gate is the one authentication and authorization gate of every SigV4
// surface: the S3 API, the admin API and the console. Each request passes, in this
// order and only here:
//
//  1. lockout: a client address, or an access key at an address, with too many
//     failed authentications is refused before any signature work (package lockout);
//  2. signature: verified by package sigv4 and bound to the surface it was made for
//     by the service name of its credential scope ("s3" for the S3 API, AdminService
//     for the admin API), so a request signed for one surface never verifies on
//     another; the body is wrapped once so that every read of it is checked against
//     the signed x-amz-content-sha256;
//  3. principal: the access key's user, its status (disabled, expired) and its
//     compiled policies;
//  4. policy: identity policies and, where the surface has one, the resource's
//     policy (a bucket policy), evaluated by package meta/policy;
//  5. audit: the record of the request's outcome (package audit).
//
// A surface resolves its request (bucket and key, admin endpoint), then calls
// Begin, Authenticate (or Identify, for a console session or a signed POST form,
// whose credentials were checked elsewhere), Authorize for each permission the
// action needs, and Record at the end. docs/security.md describes the model.
package gate

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// Service names a signature's credential scope must carry on each surface.
const (
	// S3Service is the S3 API's, as AWS's.
	S3Service = "s3"
	// AdminService is the admin API's. It differs from S3Service so that a request
	// signed for S3 (a presigned URL handed to anyone) can never act on the admin API.
	AdminService = "cairn-admin"
)

// Credentials is what the gate needs from the cluster metadata.
type Credentials interface {
	// AccessKey returns a key with its secret, for the signature check only.
	AccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	// Principal returns the identity and compiled policies behind a key.
	Principal(ctx context.Context, accessKeyID string) (meta.Principal, error)
}

// Config configures the gate of one surface.
type Config struct {
	// API names the surface in the audit log: "s3", "admin", "console". Required.
	API string
	// Service is the service name signatures must be made for: S3Service or
	// AdminService. Required.
	Service string
	// Region is the surface's region. Default "us-east-1". Signatures for any other
	// region are accepted unless RegionStrict is set.
	Region string
	// RegionStrict refuses signatures made for a region other than Region, as AWS
	// does. Default false: users of self-hosted stores expect any region to work.
	RegionStrict bool
	// Domain is the S3 domain of virtual-host-style requests, which Signature
	// Version 2 needs to know. Empty: path style only.
	Domain string
	// RequireSignature refuses anonymous requests (the admin API). Default false:
	// an anonymous request is authorized by bucket policies alone.
	RequireSignature bool
	// DisableV2 refuses Signature Version 2 (the admin API): a V2 signature covers
	// no service name, so it cannot be bound to a surface. Default false: the S3
	// API accepts V2, which the aws cli v1 still uses to presign.
	DisableV2 bool
	// SignedBodies makes a request with a body sign the body's SHA-256: no
	// UNSIGNED-PAYLOAD, no streaming body, no presigned URL with a body (the admin
	// API, whose bodies are all small). Default false: S3 uploads may be unsigned,
	// as AWS allows, and are protected by Content-MD5 and checksums instead.
	SignedBodies bool
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For and set X-Forwarded-Proto. Default 0; see audit.ClientIP.
	TrustedProxies int
	// Lockout configures the failed-authentication lockout (lockout.Config). Ignored
	// when Limiter is set.
	Lockout lockout.Config
	// Limiter, when set, is a lockout shared with other surfaces, so that guesses
	// spread over the S3 and admin ports count together. Nil: the gate makes its own
	// from Lockout.
	Limiter *lockout.Limiter
	// AuditLog receives one record per request. Nil: none.
	AuditLog *audit.Logger
	// MaxPresignExpiry is the longest lifetime of a presigned URL, V4 and V2.
	// Default 7 days, AWS's limit for V4.
	MaxPresignExpiry time.Duration
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Validate checks a Config.
func (c Config) Validate() error {
	var errs []error
	if c.API == "" {
		errs = append(errs, errors.New("gate: API is required"))
	}
	if c.Service == "" {
		errs = append(errs, errors.New("gate: Service is required"))
	}
	if c.TrustedProxies < 0 {
		errs = append(errs, errors.New("gate: TrustedProxies must not be negative"))
	}
	if c.MaxPresignExpiry < 0 {
		errs = append(errs, errors.New("gate: MaxPresignExpiry must not be negative"))
	}
	if err := c.Lockout.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Gate authenticates and authorizes the requests of one surface. It is safe for
// concurrent use.
type Gate struct {
	cfg      Config
	creds    Credentials
	verifier *sigv4.Verifier
	guard    *lockout.Limiter
	log      *slog.Logger
}

// New returns the gate of a surface over the metadata's credentials.
func New(cfg Config, creds Credentials) (*Gate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g := &Gate{
		cfg:   cfg,
		creds: creds,
		verifier: &sigv4.Verifier{
			Credentials:      secrets{creds},
			Region:           cfg.Region,
			RegionStrict:     cfg.RegionStrict,
			Service:          cfg.Service,
			DisableV2:        cfg.DisableV2,
			Domain:           cfg.Domain,
			MaxSkew:          15 * time.Minute,
			MaxPresignExpiry: cfg.MaxPresignExpiry,
			Now:              cfg.Now,
		},
		guard: cfg.Limiter,
		log:   cfg.Logger.With("component", "gate", "api", cfg.API),
	}
	if g.guard == nil {
		g.guard = lockout.New(cfg.Lockout, cfg.Now)
	}
	return g, nil
}

// Verifier returns the gate's signature verifier, for the signed POST form of the
// S3 API (whose signature is in the form, not the request).
func (g *Gate) Verifier() *sigv4.Verifier { return g.verifier }

// Now returns the gate's clock.
func (g *Gate) Now() time.Time { return g.cfg.Now() }

// secrets adapts the metadata's access keys to what the signature verifier asks.
type secrets struct{ md Credentials }

// SecretKey returns the secret of an access key, or sigv4.ErrUnknownAccessKey.
func (s secrets) SecretKey(ctx context.Context, id string) (string, error) {
	k, err := s.md.AccessKey(ctx, id)
	if errors.Is(err, meta.ErrNoSuchAccessKey) {
		return "", sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}
