// Package s3api serves the S3 API: it resolves each request into a typed action,
// authenticates and authorizes it once, and hands it to a thin handler that calls the
// object layer (blob) and the cluster metadata (meta).
package s3api

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/peerlog"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/lockout"
	"github.com/cairnstore/cairn/s3api/quota"
)

// Metadata is what the S3 API needs from the cluster metadata.
type Metadata interface {
	// ClusterID is this site's id (docs/site-sync.md); "" before bootstrap.
	ClusterID() string
	CreateBucket(ctx context.Context, b meta.Bucket) error
	DeleteBucket(ctx context.Context, name string) error
	Bucket(ctx context.Context, name string) (meta.Bucket, error)
	BucketLatest(ctx context.Context, name string) (meta.Bucket, error)
	Buckets(ctx context.Context) ([]meta.Bucket, error)
	AccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	Principal(ctx context.Context, accessKeyID string) (meta.Principal, error)
	BucketPolicy(ctx context.Context, bucket string) (meta.BucketPolicy, error)
	PutBucketPolicy(ctx context.Context, bucket string, doc []byte) error
	DeleteBucketPolicy(ctx context.Context, bucket string) error
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
	PutBucketTags(ctx context.Context, bucket string, tags map[string]string) error
	DeleteBucketTags(ctx context.Context, bucket string) error
	PutBucketEncryption(ctx context.Context, bucket string, e meta.BucketEncryption) error
	DeleteBucketEncryption(ctx context.Context, bucket string) error
	PutBucketVersioning(ctx context.Context, bucket, status string) error
	PutBucketLifecycle(ctx context.Context, bucket string, cfg *meta.LifecycleConfig) error
	PutBucketCORS(ctx context.Context, bucket string, cfg *meta.CORSConfig) error
	DeleteBucketCORS(ctx context.Context, bucket string) error
	DeleteBucketLifecycle(ctx context.Context, bucket string) error
	CreateLockedBucket(ctx context.Context, b meta.Bucket) error
	PutBucketObjectLock(ctx context.Context, bucket string, c meta.ObjectLockConfig) error
	// Site sync's rules, for the S3 replication configuration (bucket_replication.go).
	ReplicationRules(ctx context.Context, bucket string) ([]meta.ReplicationRule, error)
	SetReplicationRules(ctx context.Context, bucket string, rules []meta.ReplicationRule) error
	DeleteReplicationRules(ctx context.Context, bucket string) error
}

// Config configures the S3 API.
type Config struct {
	// API names this surface in the audit log. Default "s3"; the console's own
	// in-process instance of the S3 API is "console".
	API string
	// Region is this endpoint's region: the default LocationConstraint of new
	// buckets. Default "us-east-1". Signatures made for any region are accepted, and
	// a bucket may be created with any LocationConstraint, unless RegionStrict is set.
	Region string
	// RegionStrict pins Region, as AWS does: signatures for another region are
	// refused (AuthorizationHeaderMalformed) and so is CreateBucket with another
	// LocationConstraint (IllegalLocationConstraintException). Default false.
	RegionStrict bool
	// Domain enables virtual-host-style requests: a request for BUCKET.Domain addresses
	// BUCKET. Empty means path style only.
	Domain string
	// MaxObjectSize is the largest single PUT or part, in bytes. Default 5 GiB, as in S3.
	MaxObjectSize int64
	// LifecycleDay is the length of a lifecycle day, for the x-amz-expiration
	// header (it must match the engine's). Default 24h.
	LifecycleDay time.Duration
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
	// Lockout limits failed authentications per client address and per (address,
	// access key id), never per key alone: by default 10 failures for one key from
	// one address, or 100 from one address, within 1 minute refuse it with 503
	// SlowDown for 1 minute (lockout.DefaultConfig). MaxFailures -1 disables it.
	Lockout lockout.Config
	// Limiter, when set, is a lockout shared with the other surfaces (the admin API),
	// so that failures on either count together; Lockout is then ignored. Nil: the
	// S3 API has its own.
	Limiter *lockout.Limiter
	// Quota enforces buckets' quotas on writes (docs/quotas.md); one per node, shared
	// by its S3 API instances. Nil: quotas are not enforced.
	Quota *quota.Enforcer
	// Middleware wraps every request, outermost first, around the request id, the
	// audit log and the handler (e.g. the metrics middleware). One that reads the
	// status or ErrorCode after the handler must render an error it gets with
	// c.Error and return nil. Default: none.
	Middleware []echo.MiddlewareFunc
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Region: "us-east-1", MaxObjectSize: 5 << 30, LifecycleDay: 24 * time.Hour}
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
	cfg   Config
	meta  Metadata
	store *blob.Store
	gate  *gate.Gate
	log   *slog.Logger
	echo  *echo.Echo
	// quorumLog keeps the log of lost quorums (each owner's error) to a line a minute.
	quorumLog *peerlog.Limiter
}

// New returns the S3 API over the given metadata and object store.
func New(cfg Config, md Metadata, store *blob.Store) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	g, err := gate.New(gate.Config{
		API:            cmp.Or(cfg.API, "s3"),
		Service:        gate.S3Service,
		Region:         cfg.Region,
		RegionStrict:   cfg.RegionStrict,
		Domain:         cfg.Domain,
		TrustedProxies: cfg.TrustedProxies,
		Lockout:        cfg.Lockout,
		Limiter:        cfg.Limiter,
		AuditLog:       cfg.AuditLog,
		Now:            cfg.Now,
		Logger:         cfg.Logger,
	}, md)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		meta:      md,
		store:     store,
		log:       cfg.Logger.With("component", "s3api"),
		gate:      g,
		quorumLog: peerlog.New(peerlog.DefaultInterval),
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
