// Package management serves the management API: a small REST API, modelled on
// Yale's s3-api, for teams that hand out buckets to applications. One call creates a
// bucket together with a policy granting full access to it and a group holding that
// policy; further calls add users to the bucket's group, each with an access key,
// reset their keys, and produce a Cyberduck bookmark. It lives on the admin address
// under /v1/s3/, authenticated by a pre-shared token in the X-Auth-Token header, and
// is off when no token is configured. docs/management-api.md describes every call.
package management

import (
	"github.com/cairnstore/cairn/s3api/audit"

	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Prefix is the path under which the management API is served.
const Prefix = "/v1/s3/"

// MinTokenLength is the shortest token Validate accepts: 16 characters, so that the
// token is not guessable within the rate limit.
const MinTokenLength = 16

// Config configures the management API.
type Config struct {
	// Token is the pre-shared key every request but ping and version must send in
	// X-Auth-Token. At least MinTokenLength characters; compared in constant time.
	// The API is off when no token is configured: the caller does not call New.
	Token string
	// Account is the name {account} must have in every path; any other gets 404.
	// Default "cairn". It also fills the account field of the ARNs in responses.
	Account string
	// Region is the S3 API's region: new buckets get it, and a LocationConstraint in
	// a create request must match it. Default "us-east-1".
	Region string
	// S3URL is the S3 endpoint written into Cyberduck bookmarks, e.g.
	// "https://s3.example.com". When its host is a loopback or unspecified address,
	// the host the caller used to reach the management API is written instead, with
	// S3URL's scheme and port. Required for the /duck call; empty: it answers 501.
	S3URL string
	// Version is the software version GET /v1/s3/version reports. Default: the
	// module version from the build information.
	Version string
	// RateLimit is how many requests per second one client address may make,
	// sustained; Burst is how many it may make at once. Defaults 10 and 20. A client
	// over its limit gets 429 with Retry-After. Every request counts, rejected ones
	// included, so the limit also slows down guessing of the token. A negative
	// RateLimit turns the per-client limit off.
	RateLimit float64
	Burst     int
	// TotalRateLimit and TotalBurst bound all clients together. Defaults 100 and 200:
	// each bucket or user creation is several Raft writes, and the limit keeps a
	// runaway script from queueing everyone else's metadata changes behind its own.
	// A negative TotalRateLimit turns it off.
	TotalRateLimit float64
	TotalBurst     int
	// MaxClients bounds the client addresses the rate limiter tracks at once (about
	// 100 bytes each). Default 10,000; when full, idle clients are forgotten first.
	MaxClients int
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For; the rate limit is per client address as they report it.
	// Default 0: the connection's peer is the client.
	TrustedProxies int
	// Metrics, when set, is served at GET /v1/s3/metrics (the node's /metrics handler,
	// with its own bearer token if one is configured). Nil: 404.
	Metrics http.Handler
	// AuditLog, when set, receives one record per request (API "management"). Nil: none.
	AuditLog *audit.Logger
	// Registerer, when set, receives the API's own request counter
	// (cairn_management_requests_total).
	Registerer prometheus.Registerer
	// Now is the rate limiter's clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultConfig returns the defaults; Token and S3URL are left to the caller.
func DefaultConfig() Config {
	return Config{
		Account:        "cairn",
		Region:         "us-east-1",
		RateLimit:      10,
		Burst:          20,
		TotalRateLimit: 100,
		TotalBurst:     200,
		MaxClients:     10_000,
	}
}

// withDefaults fills in zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Account == "" {
		c.Account = d.Account
	}
	if c.Region == "" {
		c.Region = d.Region
	}
	if c.RateLimit == 0 {
		c.RateLimit = d.RateLimit
	}
	if c.Burst == 0 {
		c.Burst = d.Burst
	}
	if c.TotalRateLimit == 0 {
		c.TotalRateLimit = d.TotalRateLimit
	}
	if c.TotalBurst == 0 {
		c.TotalBurst = d.TotalBurst
	}
	if c.MaxClients == 0 {
		c.MaxClients = d.MaxClients
	}
	if c.Version == "" {
		c.Version = buildVersion()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate checks a Config whose zero fields have been filled in.
func (c Config) Validate() error {
	switch {
	case len(c.Token) < MinTokenLength:
		return errors.New("management: the token (--management-token) needs at least 16 characters")
	case !validAccount(c.Account):
		return errors.New("management: the account name must be 1 to 64 characters of a-z, A-Z, 0-9, '.', '_' and '-'")
	case c.Burst < 1 || c.TotalBurst < 1:
		return errors.New("management: rate limit bursts must be at least 1")
	case c.MaxClients < 1:
		return errors.New("management: MaxClients must be at least 1")
	case c.TrustedProxies < 0:
		return errors.New("management: trusted proxies must not be negative")
	}
	return nil
}

// validAccount reports whether name can be an account name (a path segment and part
// of an ARN).
func validAccount(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Server is the management API of one node.
type Server struct {
	cfg      Config
	meta     Metadata
	objects  Objects
	log      *slog.Logger
	token    [sha256.Size]byte
	limiter  *limiter
	requests *prometheus.CounterVec
	echo     *echo.Echo
}

// New returns the management API over the cluster metadata and the object layer.
func New(cfg Config, md Metadata, objects Objects) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		meta:    md,
		objects: objects,
		log:     cfg.Logger.With("component", "management"),
		token:   sha256.Sum256([]byte(cfg.Token)),
		limiter: newLimiter(cfg),
	}
	if err := s.registerMetrics(cfg.Registerer); err != nil {
		return nil, err
	}
	s.echo = s.routes()
	return s, nil
}

// Handler returns the http.Handler serving every path under Prefix.
func (s *Server) Handler() http.Handler { return s.echo }
