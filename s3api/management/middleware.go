package management

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/s3api/audit"
)

// tokenHeader carries the pre-shared token.
const tokenHeader = "X-Auth-Token"

// registerMetrics makes the request counter and registers it, if reg is set.
func (s *Server) registerMetrics(reg prometheus.Registerer) error {
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "cairn", Subsystem: "management", Name: "requests_total",
		Help: "Management API requests, by route (the path pattern, e.g. /v1/s3/:account/buckets) and HTTP status.",
	}, []string{"route", "status"})
	if reg == nil {
		return nil
	}
	return reg.Register(s.requests)
}

// begin is the outermost middleware: it gives the request an id (X-Request-Id, and
// requestId in error bodies), forbids caching (responses may hold a secret), renders
// any error so that the status is known, and counts the request.
func (s *Server) begin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [8]byte
		_, _ = rand.Read(b[:])
		h := c.Response().Header()
		h.Set(echo.HeaderXRequestID, hex.EncodeToString(b[:]))
		h.Set("Cache-Control", "no-store")
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path() // the pattern, never the raw path: bounded label values
		if route == "" || route == "/*" {
			route = "unmatched"
		}
		s.requests.WithLabelValues(route, strconv.Itoa(c.Response().Status)).Inc()
		s.audit(c, route)
		return nil
	}
}

// rateLimit refuses a client over its rate, or any client while all clients
// together are over theirs, with 429 and Retry-After. It runs before the token check,
// so that failed guesses count too.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		client := audit.ClientIP(c.Request(), s.cfg.TrustedProxies)
		if ok, retry := s.limiter.allow(client); !ok {
			e := newError(TooManyRequests)
			e.retryAfter = max(1, int(math.Ceil(retry.Seconds())))
			return e
		}
		return next(c)
	}
}

// authenticate requires the pre-shared token in X-Auth-Token. Digests are compared,
// in constant time, so neither the token's content nor its length leaks through
// timing.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := sha256.Sum256([]byte(c.Request().Header.Get(tokenHeader)))
		if subtle.ConstantTimeCompare(got[:], s.token[:]) != 1 {
			return newError(Forbidden)
		}
		return next(c)
	}
}

// checkAccount answers 404 for any {account} but the configured one. It runs after
// authenticate, so the account name is not revealed to unauthenticated callers.
func (s *Server) checkAccount(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Param("account") != s.cfg.Account {
			return errorf(NotFound, "No such account: %q.", c.Param("account"))
		}
		return next(c)
	}
}

// audit writes the request's audit record. The action is the method and the route
// pattern ("POST /v1/s3/:account/buckets"), so it never holds client-chosen text; the
// bucket and user named in the path go in their own (escaped) fields. The caller holds
// the management token and has no user of its own.
func (s *Server) audit(c echo.Context, route string) {
	if s.cfg.AuditLog == nil {
		return
	}
	status := c.Response().Status
	rec := audit.Record{
		RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
		API:       "management",
		Action:    c.Request().Method + " " + route,
		Bucket:    c.Param("bucket"),
		Key:       c.Param("user"),
		Status:    status,
		ClientIP:  audit.ClientIP(c.Request(), s.cfg.TrustedProxies),
		UserAgent: c.Request().UserAgent(),
		Result:    audit.ResultAllow,
	}
	switch {
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		rec.Result = audit.ResultDeny
	case status >= 400:
		rec.Result = audit.ResultError
	}
	s.cfg.AuditLog.Log(rec)
}
