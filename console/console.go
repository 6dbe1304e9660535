// Package console serves Cairn's web console: a file browser and an administration
// console for a person in a browser, on the admin address at "/" (and on its own
// address when one is configured).
//
// The console has no powers of its own. A user signs in with an access key and its
// secret; the console keeps them server-side in the session (the browser holds only
// an opaque, HttpOnly session cookie) and every action it takes is an S3 or admin
// API request signed with that user's key and served in process by instances of the
// S3 and admin APIs whose gate records "api":"console" in the audit log. So a user
// sees and does exactly what their policies allow, through the one gate (lockout,
// signature, principal, policy, audit). Large transfers go from the browser to the
// S3 API through presigned URLs on the console's own origin (/s3/, see proxy.go),
// so the console never buffers them and no CORS is needed. A user signed in by single
// sign-on (OpenID Connect, oidc.go) or by a trusted proxy's header (proxyauth.go)
// gets a session key of their own, made for the session and deleted with it
// (sessionkeys.go). docs/console.md describes the design and the security model.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/lockout"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the console.
type Config struct {
	// SessionTTL is the longest a session lives after sign-in, however active.
	// Default 12h. Flag --console-session-ttl. Shorter is safer on shared machines.
	SessionTTL time.Duration
	// IdleTimeout ends a session not used for this long. Default 30m. Flag
	// --console-idle-timeout.
	IdleTimeout time.Duration
	// MaxSessions bounds the sessions held in memory; a sign-in beyond it ends the
	// oldest session. Default 10000.
	MaxSessions int
	// Region is the region the console signs its requests for. Default "us-east-1".
	Region string
	// TrustedProxies is how many reverse proxies in front of the node append to
	// X-Forwarded-For and set X-Forwarded-Proto, as on the S3 API. Default 0.
	TrustedProxies int
	// Title is shown in the header and the page titles. Default "Cairn".
	Title string
	// Mounts are named, branded views of a bucket or a folder at /m/NAME/ (see
	// ParseMount). Flag --console-mount, repeated. Default: none.
	Mounts []Mount
	// ListCacheTTL is how long a folder page is cached for the user who listed it.
	// Default 3s; 0 turns the cache off. The console's own writes drop a bucket's
	// pages at once; changes made elsewhere show within this time. Flag
	// --console-list-cache.
	ListCacheTTL time.Duration
	// MetricsEvery is how often the metrics page's history samples the node's
	// registry. Default 15s.
	MetricsEvery time.Duration
	// MetricsSpan is how much metrics history is kept (in memory: about 1 KiB a
	// sample). Default 3h.
	MetricsSpan time.Duration
	// OIDC is single sign-on with OpenID Connect; off unless OIDC.Issuer is set.
	OIDC OIDC
	// ProxyAuth is the trusted proxy's header; off unless ProxyAuth.Header is set.
	ProxyAuth ProxyAuth
	// CopyLimit is the largest object, in bytes, that the console copies (or moves)
	// with one S3 CopyObject; a larger one is copied in parts (UploadPartCopy). It
	// must be the S3 API's largest copy source (its MaxObjectSize, flag
	// --max-object-size), whose parts it also bounds. Default 5 GiB, as in S3.
	CopyLimit int64
	// Now is the clock; time.Now when nil.
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults of Config.
const (
	DefaultSessionTTL   = 12 * time.Hour
	DefaultIdleTimeout  = 30 * time.Minute
	DefaultMaxSessions  = 10000
	DefaultListCacheTTL = 3 * time.Second
	DefaultCopyLimit    = 5 << 30
)

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		SessionTTL:   DefaultSessionTTL,
		IdleTimeout:  DefaultIdleTimeout,
		MaxSessions:  DefaultMaxSessions,
		Region:       "us-east-1",
		Title:        "Cairn",
		MetricsEvery: 15 * time.Second,
		ListCacheTTL: DefaultListCacheTTL,
		MetricsSpan:  3 * time.Hour,
		CopyLimit:    DefaultCopyLimit,
	}
}

// Validate checks a Config.
func (c Config) Validate() error {
	var errs []error
	if c.SessionTTL <= 0 {
		errs = append(errs, errors.New("console: the session lifetime must be positive"))
	}
	if c.IdleTimeout <= 0 {
		errs = append(errs, errors.New("console: the idle timeout must be positive"))
	}
	if c.MaxSessions <= 0 {
		errs = append(errs, errors.New("console: MaxSessions must be positive"))
	}
	if c.TrustedProxies < 0 {
		errs = append(errs, errors.New("console: TrustedProxies must not be negative"))
	}
	if err := c.OIDC.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.ProxyAuth.enabled() && len(c.ProxyAuth.Sources) == 0 {
		errs = append(errs, errors.New("console: the trusted header needs the proxy's source addresses"))
	}
	return errors.Join(errs...)
}

// Metadata is what the console reads from the cluster metadata, only to decide
// which controls to show (never to authorize: the S3 and admin APIs do that).
type Metadata interface {
	gate.Credentials
	BucketPolicy(ctx context.Context, bucket string) (meta.BucketPolicy, error)
}

// Deps are the surfaces the console acts through.
type Deps struct {
	// S3 is an instance of the S3 API whose audit records say "api":"console".
	// Required.
	S3 http.Handler
	// Admin is an instance of the admin API (serving admin.Prefix) whose audit
	// records say "api":"console". Required.
	Admin http.Handler
	// Meta answers which controls a user's policies allow. Required.
	Meta Metadata
	// Limiter is the failed-authentication lockout shared with the S3 and admin
	// APIs, for the hints' gate. Nil: a private one.
	Limiter *lockout.Limiter
	// Keys makes and deletes the session keys of users signed in by single
	// sign-on or the trusted header. Required when either is on.
	Keys SessionKeys
	// AuditLog receives the console's own records: sign-ins by single sign-on or the
	// trusted header (allowed or refused), the session keys it makes and deletes,
	// and the group memberships single sign-on sets. Nil: none. (Everything else
	// the console does is recorded by the S3 and admin APIs it acts through.)
	AuditLog *audit.Logger
	// Metrics is the node's S3 request metrics (cairn_s3_*), sampled for the metrics
	// page: a gatherer that is cheap to read every few seconds. Nil: no history.
	Metrics prometheus.Gatherer
}

// Console is the web console of one node.
type Console struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	sessions *sessions
	hints    *gate.Gate
	pages    map[string]*template.Template
	static   http.Handler
	mux      *http.ServeMux
	mounts   map[string]Mount
	history  *history // nil without Deps.Metrics
	lists    *listCache
	sso      *sso // nil without single sign-on
	stop     chan struct{}
	stopOnce sync.Once
}

// New returns the console over deps.
func New(cfg Config, deps Deps) (*Console, error) {
	d := DefaultConfig()
	if cfg.Region == "" {
		cfg.Region = d.Region
	}
	if cfg.Title == "" {
		cfg.Title = d.Title
	}
	if cfg.CopyLimit <= 0 {
		cfg.CopyLimit = d.CopyLimit
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = d.MaxSessions
	}
	if cfg.MetricsEvery <= 0 {
		cfg.MetricsEvery = d.MetricsEvery
	}
	if cfg.MetricsSpan <= 0 {
		cfg.MetricsSpan = d.MetricsSpan
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.S3 == nil || deps.Admin == nil || deps.Meta == nil {
		return nil, errors.New("console: Deps.S3, Deps.Admin and Deps.Meta are required")
	}
	if (cfg.OIDC.enabled() || cfg.ProxyAuth.enabled()) && deps.Keys == nil {
		return nil, errors.New("console: single sign-on and the trusted header need Deps.Keys")
	}
	hints, err := gate.New(gate.Config{
		API: "console", Service: gate.S3Service, Region: cfg.Region,
		TrustedProxies: cfg.TrustedProxies, Limiter: deps.Limiter, Now: cfg.Now, Logger: cfg.Logger,
	}, deps.Meta)
	if err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	c := &Console{
		cfg:      cfg,
		deps:     deps,
		log:      cfg.Logger.With("component", "console"),
		sessions: newSessions(cfg),
		lists:    newListCache(cfg.ListCacheTTL, 10000, cfg.Now),
		hints:    hints,
		pages:    pages,
		static:   http.StripPrefix("/static/", http.FileServerFS(sub)),
	}
	c.sessions.ended = c.sessionEnded
	if cfg.OIDC.enabled() {
		c.sso = newSSO(cfg.OIDC, cfg.Now)
	}
	c.mounts = map[string]Mount{}
	for _, m := range cfg.Mounts {
		if _, dup := c.mounts[m.Name]; dup {
			return nil, errors.New("console: two mounts named " + m.Name)
		}
		c.mounts[m.Name] = m
	}
	c.mux = c.routes()
	c.stop = make(chan struct{})
	if deps.Keys != nil {
		go c.sweepSessions(time.Minute)
	}
	if deps.Metrics != nil {
		c.history = newHistory(deps.Metrics, cfg.MetricsEvery, cfg.MetricsSpan)
		go c.history.run(c.stop, cfg.Now)
	}
	return c, nil
}

// Close stops the metrics history's sampling and the sweep of expired sessions, and
// ends every session (they live in memory and would not survive a restart anyway),
// deleting the session keys of those signed in by single sign-on or the trusted
// header, for at most closeKeysTimeout: call it while the metadata still works. A
// key it could not delete (and every key of a node that crashed) is left, its id
// starting with SessionKeyPrefix, for an operator to delete.
func (c *Console) Close() {
	c.stopOnce.Do(func() {
		close(c.stop)
		if c.deps.Keys == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), closeKeysTimeout)
		defer cancel()
		for _, s := range c.sessions.endAll() {
			if s.via == "" {
				continue
			}
			c.deleteKey(ctx, nil, s.user, s.accessKey)
		}
	})
}

// closeKeysTimeout bounds how long Close spends deleting session keys.
const closeKeysTimeout = 5 * time.Second

// sweepSessions ends expired sessions every interval, so that the session keys of
// the users who never come back are deleted soon after their sessions expire.
func (c *Console) sweepSessions(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.sessions.sweep()
		}
	}
}

// Handler returns the console's http.Handler. Mount it at "/": its paths (listed in
// routes.go) avoid /admin/, /health/, /metrics and /v1/.
func (c *Console) Handler() http.Handler { return c.mux }

// now is the console's clock.
func (c *Console) now() time.Time { return c.cfg.Now() }
