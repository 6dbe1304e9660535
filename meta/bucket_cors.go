package meta

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// MaxCORSRules is the most rules a bucket's CORS configuration may hold, as in S3.
const MaxCORSRules = 100

// CmdBucketCORSSet sets or removes a bucket's CORS configuration.
const CmdBucketCORSSet CommandType = 22

// CORSConfig is a bucket's CORS configuration: what S3's PutBucketCors sets. The S3
// API validates it (S3's errors) before it is stored and answers browsers from it
// (preflight OPTIONS and the Access-Control-* headers of other requests). A value held
// by the state is never modified: callers get their own copy (Clone).
type CORSConfig struct {
	Rules []CORSRule `json:"rules"`
}

// CORSRule is one rule: the origins, methods and request headers it allows, the
// response headers it exposes to scripts, and how long a browser may cache a
// preflight's answer (MaxAgeSeconds; nil when not given).
type CORSRule struct {
	ID             string   `json:"id,omitempty"`
	AllowedOrigins []string `json:"allowedOrigins"`
	AllowedMethods []string `json:"allowedMethods"`
	AllowedHeaders []string `json:"allowedHeaders,omitempty"`
	ExposeHeaders  []string `json:"exposeHeaders,omitempty"`
	MaxAgeSeconds  *int     `json:"maxAgeSeconds,omitempty"`
}

// Clone returns a copy that shares nothing with c; nil for nil.
func (c *CORSConfig) Clone() *CORSConfig {
	if c == nil {
		return nil
	}
	out := &CORSConfig{Rules: slices.Clone(c.Rules)}
	for i := range out.Rules {
		r := &out.Rules[i]
		r.AllowedOrigins = slices.Clone(r.AllowedOrigins)
		r.AllowedMethods = slices.Clone(r.AllowedMethods)
		r.AllowedHeaders = slices.Clone(r.AllowedHeaders)
		r.ExposeHeaders = slices.Clone(r.ExposeHeaders)
		if r.MaxAgeSeconds != nil {
			v := *r.MaxAgeSeconds
			r.MaxAgeSeconds = &v
		}
	}
	return out
}

// Match returns the first rule that allows a request from origin with method and,
// for a preflight, every header in headers (lower case or not); nil if none does.
// Origins match exactly or through the one "*" a pattern may hold (case-sensitive,
// as S3); methods exactly; headers case-insensitively, with "*" as in origins.
func (c *CORSConfig) Match(origin, method string, headers []string) *CORSRule {
	if c == nil {
		return nil
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if !slices.Contains(r.AllowedMethods, method) {
			continue
		}
		if !slices.ContainsFunc(r.AllowedOrigins, func(p string) bool { return wildcardMatch(p, origin) }) {
			continue
		}
		if !allHeadersAllowed(r.AllowedHeaders, headers) {
			continue
		}
		return r
	}
	return nil
}

// allHeadersAllowed reports whether every header matches one of the patterns.
func allHeadersAllowed(patterns, headers []string) bool {
	for _, h := range headers {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if !slices.ContainsFunc(patterns, func(p string) bool { return wildcardMatch(strings.ToLower(p), h) }) {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against a pattern holding at most one "*", which stands for
// any run of characters (none included).
func wildcardMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// BucketCORSSet replaces a bucket's CORS configuration; a nil Config removes it. The
// proposer validates it (the S3 API, with S3's errors): Apply refuses only a bucket
// that does not exist (ErrNoSuchBucket) and more than MaxCORSRules rules
// (ErrInvalid). Idempotent.
type BucketCORSSet struct {
	Bucket string      `json:"bucket"`
	Config *CORSConfig `json:"config,omitempty"`
}

func (BucketCORSSet) commandType() CommandType { return CmdBucketCORSSet }

func (f *fsm) applyBucketCORSSet(c *BucketCORSSet) error {
	b, ok := f.st.Buckets[c.Bucket]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchBucket, c.Bucket)
	}
	if c.Config != nil && len(c.Config.Rules) > MaxCORSRules {
		return invalidf("%d CORS rules, at most %d", len(c.Config.Rules), MaxCORSRules)
	}
	// The decoded config belongs to this command alone: nothing else holds it.
	b.CORS = c.Config
	if c.Config != nil && len(c.Config.Rules) == 0 {
		b.CORS = nil
	}
	f.st.Buckets[c.Bucket] = b
	return nil
}

// PutBucketCORS replaces a bucket's CORS configuration (validated by the caller);
// ErrNoSuchBucket if the bucket does not exist, ErrInvalid for more than
// MaxCORSRules rules.
func (m *Meta) PutBucketCORS(ctx context.Context, bucket string, cfg *CORSConfig) error {
	if cfg != nil && len(cfg.Rules) > MaxCORSRules {
		return invalidf("%d CORS rules, at most %d", len(cfg.Rules), MaxCORSRules)
	}
	return m.applySetting(ctx, BucketCORSSet{Bucket: bucket, Config: cfg.Clone()})
}

// DeleteBucketCORS removes a bucket's CORS configuration; a bucket without one is a
// no-op, as in S3. ErrNoSuchBucket if the bucket does not exist.
func (m *Meta) DeleteBucketCORS(ctx context.Context, bucket string) error {
	return m.applySetting(ctx, BucketCORSSet{Bucket: bucket})
}
