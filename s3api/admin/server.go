// Package admin serves Cairn's admin API: JSON under /admin/v1/ on the admin address,
// signed with SigV4 exactly as S3 requests are, and authorized by the same policy
// evaluator with admin:<Action> on arn:cairn:admin:::<resource>. The endpoints cover
// the cluster's topology, layout and sync progress, and IAM (users, access keys,
// groups, managed policies), plus a list of buckets. docs/admin-api.md describes each.
//
// Every request is authenticated and authorized once, by the route's declared
// permissions, before its handler runs; a handler parses, calls the metadata and
// writes JSON. Every error is the JSON body {"code", "message", "requestId"}.
package admin

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/gate"
)

// Prefix is the path every admin API endpoint starts with.
const Prefix = "/admin/v1"

// Service is the service name in the credential scope of every admin API signature
// ("cairn-admin"). A request signed for the S3 API (service "s3") is refused here.
const Service = gate.AdminService

// Server is the admin API of one node.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	gate *gate.Gate
	echo *echo.Echo
}

// New returns the admin API over deps. deps.Meta is required.
func New(cfg Config, deps Deps) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Meta == nil {
		return nil, errors.New("admin: Deps.Meta is required")
	}
	g, err := gate.New(gate.Config{
		API:              cfg.API,
		Service:          gate.AdminService,
		Region:           cfg.Region,
		RegionStrict:     cfg.RegionStrict,
		RequireSignature: true,
		DisableV2:        true,
		SignedBodies:     true,
		TrustedProxies:   cfg.TrustedProxies,
		Lockout:          cfg.Lockout,
		Limiter:          cfg.Limiter,
		AuditLog:         cfg.AuditLog,
		Now:              cfg.Now,
		Logger:           cfg.Logger,
	}, deps.Meta)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:  cfg,
		deps: deps,
		log:  cfg.Logger.With("component", "admin"),
		gate: g,
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.renderError
	e.Use(s.begin)
	for _, ep := range endpoints {
		e.Add(ep.method, Prefix+ep.path, s.serve(ep))
	}
	s.echo = e
	return s, nil
}

// Handler returns the http.Handler of every path under Prefix.
func (s *Server) Handler() http.Handler { return s.echo }

// now is the server's clock.
func (s *Server) now() time.Time { return s.cfg.Now() }
