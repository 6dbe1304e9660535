// Package s3api serves the S3 API: it resolves each request into a typed action,
// authenticates and authorizes it once, and hands it to a thin handler that calls the
// object layer (blob) and the cluster metadata (meta).
package s3api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// Metadata is what the S3 API needs from the cluster metadata.
type Metadata interface {
	CreateBucket(ctx context.Context, b meta.Bucket) error
	DeleteBucket(ctx context.Context, name string) error
	Bucket(ctx context.Context, name string) (meta.Bucket, error)
	Buckets(ctx context.Context) ([]meta.Bucket, error)
	AccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	Principal(ctx context.Context, accessKeyID string) (meta.Principal, error)
	BucketPolicy(ctx context.Context, bucket string) (meta.BucketPolicy, error)
	PutBucketPolicy(ctx context.Context, bucket string, doc []byte) error
	DeleteBucketPolicy(ctx context.Context, bucket string) error
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
	PutBucketTags(ctx context.Context, bucket string, tags map[string]string) error
	DeleteBucketTags(ctx context.Context, bucket string) error
}

// Config configures the S3 API.
type Config struct {
	// Region is the region this endpoint reports and expects in signatures.
	// Default "us-east-1".
	Region string
	// Domain enables virtual-host-style requests: a request for BUCKET.Domain addresses
	// BUCKET. Empty means path style only.
	Domain string
	// MaxObjectSize is the largest single PUT or part, in bytes. Default 5 GiB, as in S3.
	MaxObjectSize int64
	// Now is the clock used for signature checks, user expiry, the lockout and the
	// aws:CurrentTime condition; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger

	// AuditLog receives one record per request (docs/iam.md). Nil: no audit log.
	// The caller opens and closes it.
	AuditLog *audit.Logger
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For (and set X-Forwarded-Proto). Default 0: the connection's peer is
	// the client, and those headers are ignored, since any client can send them. Set
	// it to exactly the number of proxies: more lets a client choose the address that
	// aws:SourceIp, the lockout and the audit log see.
	TrustedProxies int
	// Lockout limits failed authentications per client address and per access key
	// id: by default 10 failures within 1 minute refuse that source with 503 SlowDown
	// for 1 minute (lockout.DefaultConfig). MaxFailures -1 disables it.
	Lockout lockout.Config
	// Middleware wraps every request, outermost first, around the request id, the
	// audit log and the handler (e.g. the metrics middleware). One that reads the
	// status or ErrorCode after the handler must render an error it gets with
	// c.Error and return nil. Default: none.
	Middleware []echo.MiddlewareFunc
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Region: "us-east-1", MaxObjectSize: 5 << 30}
}

// Validate checks a Config.
func (c Config) Validate() error {
	if c.Region == "" {
		return errors.New("s3api: region is required")
	}
	if c.MaxObjectSize <= 0 {
		return errors.New("s3api: max object size must be positive")
	}
	if c.TrustedProxies < 0 {
		return errors.New("s3api: trusted proxies must not be negative")
	}
	return c.Lockout.Validate()
}

// Server is the S3 API of one node.
type Server struct {
	cfg      Config
	meta     Metadata
	store    *blob.Store
	verifier *sigv4.Verifier
	log      *slog.Logger
	echo     *echo.Echo
	guard    *lockout.Limiter // failed authentications
}

// New returns the S3 API over the given metadata and object store.
func New(cfg Config, md Metadata, store *blob.Store) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:   cfg,
		meta:  md,
		store: store,
		log:   cfg.Logger.With("component", "s3api"),
		verifier: &sigv4.Verifier{
			Credentials: credentials{md},
			Region:      cfg.Region,
			Domain:      cfg.Domain,
			MaxSkew:     15 * time.Minute,
			Now:         cfg.Now,
		},
		guard: lockout.New(cfg.Lockout, cfg.Now),
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.renderError
	e.Use(cfg.Middleware...)
	e.Use(continueEmptyBody)
	e.Use(s.requestID)
	if cfg.AuditLog != nil {
		e.Use(s.audit)
	}
	e.Any("/*", s.dispatch)
	e.Any("/", s.dispatch)
	s.echo = e
	return s, nil
}

// Handler returns the http.Handler serving the S3 API.
func (s *Server) Handler() http.Handler { return s.echo }

// credentials adapts the metadata's access keys to what the signature verifier asks.
type credentials struct{ md Metadata }

func (c credentials) SecretKey(ctx context.Context, id string) (string, error) {
	k, err := c.md.AccessKey(ctx, id)
	if errors.Is(err, meta.ErrNoSuchAccessKey) {
		return "", sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return "", err
	}
	return k.Secret, nil
}
