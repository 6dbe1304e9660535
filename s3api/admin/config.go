package admin

import (
	"errors"
	"log/slog"
	"time"

	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
)

// Config configures the admin API.
type Config struct {
	// API names this surface in the audit log. Default "admin"; the console's own
	// in-process instance of the admin API is "console".
	API string
	// NodeID is this node's id. Required.
	NodeID string
	// ClusterName is the operator's name for the cluster, reported by GET
	// /admin/v1/cluster. Default "cairn". Give every node the same name.
	ClusterName string
	// Version is the software version this node runs (a build variable), reported
	// for this node when gossip does not carry it.
	Version string
	// S3Addr and AdminAddr are this node's S3 and admin addresses ("host:port"),
	// reported for this node when gossip does not carry them (a single node).
	S3Addr    string
	AdminAddr string
	// StartedAt is when this node started, for its uptime when gossip does not carry
	// it. Default: when New was called.
	StartedAt time.Time
	// Region is the node's region, the same as the S3 API's. Default "us-east-1".
	// Signatures for any region are accepted unless RegionStrict is set. The service
	// in the signature's scope must be gate.AdminService ("cairn-admin"), never "s3":
	// a request signed for the S3 API must not act here.
	Region string
	// RegionStrict refuses signatures for a region other than Region, as on the S3
	// API. Default false.
	RegionStrict bool
	// MaxBodyBytes bounds a request body, in bytes. Default 1 MiB: a policy document
	// is at most a few KiB (AWS caps managed policies at 6,144 characters).
	MaxBodyBytes int64
	// StatsTimeout bounds how long listing nodes waits for their storage figures.
	// Default 2s; a node that has not answered by then is listed without them.
	StatsTimeout time.Duration
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For and set X-Forwarded-Proto. Default 0: the connection's peer is
	// the client. As on the S3 API; see s3api.Config.
	TrustedProxies int
	// Lockout limits failed authentications per client address and per (address,
	// access key id), never per key alone, as on the S3 API (lockout.DefaultConfig).
	// MaxFailures -1 disables it.
	Lockout lockout.Config
	// Limiter, when set, is a lockout shared with the S3 API, so failures on either
	// port count together; Lockout is then ignored. Nil: the admin API has its own.
	Limiter *lockout.Limiter
	// AuditLog receives one record per request (API "admin"). Nil: none. The caller
	// opens and closes it.
	AuditLog *audit.Logger
	// Now is the clock for signatures, expiry and uptime; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultClusterName  = "cairn"
	DefaultRegion       = "us-east-1"
	DefaultMaxBodyBytes = 1 << 20
	DefaultStatsTimeout = 2 * time.Second
)

// DefaultConfig returns the defaults; NodeID is left to the caller.
func DefaultConfig() Config {
	return Config{
		ClusterName:  DefaultClusterName,
		Region:       DefaultRegion,
		MaxBodyBytes: DefaultMaxBodyBytes,
		StatsTimeout: DefaultStatsTimeout,
	}
}

// withDefaults fills in zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.API == "" {
		c.API = "admin"
	}
	if c.ClusterName == "" {
		c.ClusterName = d.ClusterName
	}
	if c.Region == "" {
		c.Region = d.Region
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.StatsTimeout == 0 {
		c.StatsTimeout = d.StatsTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.StartedAt.IsZero() {
		c.StartedAt = c.Now()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate checks a Config.
func (c Config) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("admin: NodeID is required"))
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("admin: MaxBodyBytes must not be negative"))
	}
	if c.StatsTimeout < 0 {
		errs = append(errs, errors.New("admin: StatsTimeout must not be negative"))
	}
	if c.TrustedProxies < 0 {
		errs = append(errs, errors.New("admin: TrustedProxies must not be negative"))
	}
	if err := c.Lockout.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
