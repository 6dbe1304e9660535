package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// CORS (docs/s3-compatibility.md#cors): a bucket's rules, set with PutBucketCors, answer
// browsers' preflight OPTIONS requests (unsigned, as browsers send them) and add the
// Access-Control-* headers to every other answer, errors included, for a request with
// an Origin header that a rule allows. There is no server-wide default: a bucket without
// rules answers no cross-origin request, as in S3. (The console needs none: its pages
// reach the S3 API through its own origin, console/proxy.go.)

// The actions of CORS.
var (
	actGetBucketCORS    = &Action{"GetBucketCors", policy.ActionGetBucketCORS, (*Server).getBucketCORS}
	actPutBucketCORS    = &Action{"PutBucketCors", policy.ActionPutBucketCORS, (*Server).putBucketCORS}
	actDeleteBucketCORS = &Action{"DeleteBucketCors", policy.ActionPutBucketCORS, (*Server).deleteBucketCORS} // as AWS
)

// maxCORSBody is the largest CORS configuration S3 accepts: 64 KiB.
const maxCORSBody = 64 << 10

// corsMethods are the methods a rule may allow, as in S3.
var corsMethods = []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodPost, http.MethodDelete}

// corsVary is the Vary header of every answer about a bucket with CORS rules: what
// the answer depends on.
const corsVary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// getBucketCORS answers the bucket's CORS configuration, as the leader's committed
// state has it; NoSuchCORSConfiguration if it has none.
func (s *Server) getBucketCORS(c echo.Context, r *request) error {
	b, err := s.meta.BucketLatest(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	if b.CORS == nil {
		return s3err.New(s3err.NoSuchCORSConfiguration).WithBucket(r.bucket)
	}
	return writeXML(c, http.StatusOK, corsXML(b.CORS))
}

// putBucketCORS replaces the bucket's CORS configuration. As in S3, the request must
// carry Content-MD5 or an x-amz-checksum, or sign its payload (hasIntegrityHeader),
// which the gate's reader verifies; the body is at most 64 KiB.
func (s *Server) putBucketCORS(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if !hasIntegrityHeader(c.Request().Header) {
		return s3err.Newf(s3err.InvalidRequest, "Missing required header for this request: Content-MD5")
	}
	raw, err := s.readBody(r, maxCORSBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if err != nil {
		return err
	}
	cfg, err := parseCORS(raw)
	if err != nil {
		return err
	}
	if err := s.meta.PutBucketCORS(c.Request().Context(), r.bucket, cfg); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// deleteBucketCORS removes the bucket's CORS configuration; a bucket without one is no
// error, as in S3.
func (s *Server) deleteBucketCORS(c echo.Context, r *request) error {
	if err := s.meta.DeleteBucketCORS(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// parseCORS reads a PutBucketCors body, refusing what S3 refuses: a document that
// does not parse, has no rule, or a rule without AllowedMethod or AllowedOrigin, or a
// MaxAgeSeconds that is not a number, is MalformedXML; more than 100 rules, a method
// S3 does not allow, an origin or header with more than one "*", or an ID over 255
// characters is InvalidRequest.
func parseCORS(raw []byte) (*meta.CORSConfig, error) {
	var doc s3xml.CORSConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Rules) == 0 {
		return nil, s3err.New(s3err.MalformedXML)
	}
	if len(doc.Rules) > meta.MaxCORSRules {
		return nil, s3err.Newf(s3err.InvalidRequest, "The number of CORS rules should not exceed allowed limit of %d rules.", meta.MaxCORSRules)
	}
	cfg := &meta.CORSConfig{Rules: make([]meta.CORSRule, 0, len(doc.Rules))}
	for _, in := range doc.Rules {
		if len(in.AllowedMethods) == 0 || len(in.AllowedOrigins) == 0 {
			return nil, s3err.New(s3err.MalformedXML)
		}
		rule := meta.CORSRule{ExposeHeaders: trimAll(in.ExposeHeaders)}
		if in.ID != nil {
			if len(*in.ID) > 255 {
				return nil, s3err.Newf(s3err.InvalidRequest, "The ID of a CORS rule can be up to 255 characters long.")
			}
			rule.ID = *in.ID
		}
		for _, m := range trimAll(in.AllowedMethods) {
			if !slices.Contains(corsMethods, m) {
				return nil, s3err.Newf(s3err.InvalidRequest, "Found unsupported HTTP method in CORS config. Unsupported method is %s", m)
			}
			rule.AllowedMethods = append(rule.AllowedMethods, m)
		}
		for _, o := range trimAll(in.AllowedOrigins) {
			if strings.Count(o, "*") > 1 {
				return nil, s3err.Newf(s3err.InvalidRequest, "AllowedOrigin %q can not have more than one wildcard.", o)
			}
			rule.AllowedOrigins = append(rule.AllowedOrigins, o)
		}
		for _, h := range trimAll(in.AllowedHeaders) {
			if strings.Count(h, "*") > 1 {
				return nil, s3err.Newf(s3err.InvalidRequest, "AllowedHeader %q can not have more than one wildcard.", h)
			}
			rule.AllowedHeaders = append(rule.AllowedHeaders, h)
		}
		if in.MaxAgeSeconds != nil {
			n, err := strconv.Atoi(strings.TrimSpace(*in.MaxAgeSeconds))
			if err != nil || n < 0 {
				return nil, s3err.New(s3err.MalformedXML)
			}
			rule.MaxAgeSeconds = &n
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	return cfg, nil
}

// trimAll returns the values with surrounding space removed.
func trimAll(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// corsXML is a stored CORS configuration as GetBucketCors answers it.
func corsXML(cfg *meta.CORSConfig) s3xml.CORSConfiguration {
	var out s3xml.CORSConfiguration
	for _, r := range cfg.Rules {
		out.Rules = append(out.Rules, s3xml.CORSRule{
			ID: r.ID, AllowedHeaders: r.AllowedHeaders, AllowedMethods: r.AllowedMethods,
			AllowedOrigins: r.AllowedOrigins, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds,
		})
	}
	return out
}

// preflight answers a browser's OPTIONS request for a bucket or an object from the
// bucket's rules. It is not signed (browsers send no credentials with it), so it
// reveals only what the rules say to anyone who asks.
func (s *Server) preflight(c echo.Context) error {
	hr := c.Request()
	bucket, _, err := s.bucketAndKey(hr)
	if err != nil {
		return err
	}
	origin := hr.Header.Get("Origin")
	method := hr.Header.Get("Access-Control-Request-Method")
	if origin == "" {
		return s3err.Newf(s3err.BadRequest, "Insufficient information. Origin request header needed.")
	}
	if bucket == "" {
		return s3err.New(s3err.AccessForbidden)
	}
	if method == "" {
		return s3err.Newf(s3err.BadRequest, "Invalid Access-Control-Request-Method: null")
	}
	b, err := s.meta.Bucket(hr.Context(), bucket)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return s3err.New(s3err.NoSuchBucket).WithBucket(bucket)
	}
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if b.CORS == nil {
		return s3err.Newf(s3err.AccessForbidden, "CORSResponse: CORS is not enabled for this bucket.")
	}
	h.Set("Vary", corsVary)
	var requested []string
	for _, v := range hr.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
				requested = append(requested, name)
			}
		}
	}
	rule := b.CORS.Match(origin, method, requested)
	if rule == nil {
		return s3err.New(s3err.AccessForbidden)
	}
	setCORSHeaders(h, rule, origin)
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	return c.NoContent(http.StatusOK)
}

// addCORSHeaders sets, on the answer to a request with an Origin header, the
// Access-Control-* headers of the first rule of its bucket that allows its origin and
// method; with no such rule, only Vary (if the bucket has rules). It runs before the
// request is authenticated, so that a browser can read the error answers too.
func (s *Server) addCORSHeaders(c echo.Context) {
	hr := c.Request()
	origin := hr.Header.Get("Origin")
	if origin == "" {
		return
	}
	bucket, _, err := s.bucketAndKey(hr)
	if err != nil || bucket == "" || !validBucketName(bucket) {
		return
	}
	b, err := s.meta.Bucket(hr.Context(), bucket)
	if err != nil || b.CORS == nil {
		return
	}
	h := c.Response().Header()
	h.Set("Vary", corsVary)
	if rule := b.CORS.Match(origin, hr.Method, nil); rule != nil {
		setCORSHeaders(h, rule, origin)
	}
}

// setCORSHeaders writes what rule allows a request from origin.
func setCORSHeaders(h http.Header, rule *meta.CORSRule, origin string) {
	if slices.Contains(rule.AllowedOrigins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(rule.AllowedMethods, ", "))
	if len(rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(rule.ExposeHeaders, ", "))
	}
	if rule.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*rule.MaxAgeSeconds))
	}
}
