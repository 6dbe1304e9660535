package s3api

import (
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// Object lock on the S3 surface (docs/object-lock.md). The object layer enforces
// it (blob.Delete, blob.SetLock); this file parses requests, checks that the bucket
// has object lock, applies its default retention and answers S3's errors.

// The object lock request headers.
const (
	hdrLockMode         = "x-amz-object-lock-mode"
	hdrLockRetainUntil  = "x-amz-object-lock-retain-until-date"
	hdrLockLegalHold    = "x-amz-object-lock-legal-hold"
	hdrBypassGovernance = "x-amz-bypass-governance-retention"
)

// lockTimeFormat is how S3 writes a retention date in headers and XML.
const lockTimeFormat = "2006-01-02T15:04:05.000Z"

// errNoLockConfig refuses a lock request in a bucket without object lock.
func errNoLockConfig() *s3err.Error {
	return s3err.Newf(s3err.InvalidRequest, "Bucket is missing Object Lock Configuration")
}

// errLocked refuses the removal, or the shortening, of a locked version.
func errLocked() *s3err.Error {
	return s3err.Newf(s3err.AccessDenied, "Access Denied because object protected by object lock.")
}

// parseRetentionMode reads a retention mode; ok false if it is not one.
func parseRetentionMode(v string) (blob.RetentionMode, bool) {
	switch m := blob.RetentionMode(v); m {
	case blob.Governance, blob.Compliance:
		return m, true
	}
	return "", false
}

// parseRetainUntil reads a retention date in ISO 8601 (RFC 3339, fractions allowed).
func parseRetainUntil(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// lockRequest is the object lock a write asks for in its headers (or a POST form's
// fields).
type lockRequest struct {
	lock      blob.ObjectLock
	retention bool // a mode and date were given
	legalHold bool // a legal hold status was given
}

// parseLockRequest reads and checks the object lock headers of a write at now; get
// returns a header (or form field) by its lower-case name, "" when absent.
func parseLockRequest(get func(string) string, now time.Time) (lockRequest, error) {
	var lr lockRequest
	mode, until := get(hdrLockMode), get(hdrLockRetainUntil)
	switch {
	case mode == "" && until == "":
	case mode == "" || until == "":
		return lr, s3err.Newf(s3err.InvalidArgument, "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied")
	default:
		m, ok := parseRetentionMode(mode)
		if !ok {
			return lr, s3err.Newf(s3err.InvalidArgument, "Unknown wormMode directive.").With("ArgumentName", hdrLockMode).With("ArgumentValue", mode)
		}
		t, ok := parseRetainUntil(until)
		if !ok {
			return lr, s3err.Newf(s3err.InvalidArgument, "The retain until date must be provided in ISO 8601 format").With("ArgumentName", hdrLockRetainUntil)
		}
		if !t.After(now) {
			return lr, s3err.Newf(s3err.InvalidArgument, "The retain until date must be in the future!").With("ArgumentName", hdrLockRetainUntil)
		}
		lr.lock.Mode, lr.lock.RetainUntil, lr.retention = m, t, true
	}
	switch v := get(hdrLockLegalHold); v {
	case "":
	case "ON", "OFF":
		lr.lock.LegalHold, lr.lock.LegalHoldOff, lr.legalHold = v == "ON", v == "OFF", true
	default:
		return lr, s3err.Newf(s3err.InvalidArgument, "Legal Hold must be either of 'ON' or 'OFF'").With("ArgumentName", hdrLockLegalHold).With("ArgumentValue", v)
	}
	return lr, nil
}

// defaultRetention is the retention a bucket gives a version created at now that
// asks for none: zero if the bucket has no default.
func defaultRetention(b meta.Bucket, now time.Time) blob.ObjectLock {
	c := b.ObjectLock
	if !c.Enabled || c.Mode == "" {
		return blob.ObjectLock{}
	}
	until := now.AddDate(c.Years, 0, c.Days).UTC()
	return blob.ObjectLock{Mode: blob.RetentionMode(c.Mode), RetainUntil: until}
}

// hasIntegrityHeader reports whether a request carries Content-MD5 or a checksum of
// its body (a header, or a trailer announced), as S3 requires of object lock writes.
// A signed payload counts too, as it protects the body as well: x-amz-content-sha256
// a SHA-256 of it, or signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD...), both
// verified by the gate. That is what aws-sdk-go-v2 and minio-go send instead of a
// checksum over plain HTTP.
func hasIntegrityHeader(h http.Header) bool {
	if h.Get("Content-MD5") != "" || h.Get("x-amz-sdk-checksum-algorithm") != "" {
		return true
	}
	if v := h.Get("x-amz-content-sha256"); len(v) == 64 && isHex(v) || strings.HasPrefix(v, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") {
		return true
	}
	if strings.Contains(strings.ToLower(h.Get("x-amz-trailer")), "x-amz-checksum-") {
		return true
	}
	for name := range h {
		if n := strings.ToLower(name); strings.HasPrefix(n, "x-amz-checksum-") && n != "x-amz-checksum-mode" &&
			n != "x-amz-checksum-type" && n != "x-amz-checksum-algorithm" {
			return true
		}
	}
	return false
}

func errMissingIntegrity(what string) *s3err.Error {
	return s3err.Newf(s3err.InvalidRequest, "Content-MD5 OR x-amz-checksum- HTTP header is required for %s", what)
}

// objectLockFor returns the lock of a version a write creates in bucket b: the one
// its headers (get) ask for, with b's default retention when they name none (unless
// withDefault is false: a multipart upload gets it at completion). Asking for a lock
// needs the bucket to have object lock, and the caller s3:PutObjectRetention or
// s3:PutObjectLegalHold on the key, as in AWS.
func (s *Server) objectLockFor(c echo.Context, r *request, b meta.Bucket, key string, get func(string) string, withDefault bool) (blob.ObjectLock, error) {
	now := s.now()
	lr, err := parseLockRequest(get, now)
	if err != nil {
		return blob.ObjectLock{}, err
	}
	if (lr.retention || lr.legalHold) && !b.ObjectLock.Enabled {
		return blob.ObjectLock{}, errNoLockConfig()
	}
	if lr.retention {
		if err := s.allow(c, r, policy.ActionPutObjectRetention, b.Name, key); err != nil {
			return blob.ObjectLock{}, err
		}
	}
	if lr.legalHold {
		if err := s.allow(c, r, policy.ActionPutObjectLegalHold, b.Name, key); err != nil {
			return blob.ObjectLock{}, err
		}
	}
	l := lr.lock
	if !lr.retention && withDefault {
		d := defaultRetention(b, now)
		l.Mode, l.RetainUntil = d.Mode, d.RetainUntil
	}
	return l, nil
}

// setLockHeaders writes a version's object lock on GET and HEAD, as AWS does: the
// retention to a caller with s3:GetObjectRetention on the object, the legal hold to
// one with s3:GetObjectLegalHold (ON or OFF; none for a version that never had one).
func (s *Server) setLockHeaders(c echo.Context, r *request, h http.Header, l blob.ObjectLock) {
	if l.Mode != "" && s.allowItem(c, r, policy.ActionGetObjectRetention, r.bucket, r.key) == nil {
		h.Set(hdrLockMode, string(l.Mode))
		h.Set(hdrLockRetainUntil, l.RetainUntil.UTC().Format(lockTimeFormat))
	}
	if l.LegalHoldApplied() && s.allowItem(c, r, policy.ActionGetObjectLegalHold, r.bucket, r.key) == nil {
		h.Set(hdrLockLegalHold, legalHoldStatus(l))
	}
}

// bypassGovernance reports whether the request asks to bypass GOVERNANCE retention
// and its caller may (s3:BypassGovernanceRetention on the key; root may).
func (s *Server) bypassGovernance(c echo.Context, r *request, bucket, key string) bool {
	if !strings.EqualFold(c.Request().Header.Get(hdrBypassGovernance), "true") {
		return false
	}
	return s.allowItem(c, r, policy.ActionBypassGovernanceRetention, bucket, key) == nil
}

// lockedBucket returns the request's bucket, or InvalidRequest if it has no object
// lock.
func (s *Server) lockedBucket(c echo.Context, r *request) (meta.Bucket, error) {
	b, err := s.bucket(c, r)
	if err != nil {
		return b, err
	}
	if !b.ObjectLock.Enabled {
		return b, errNoLockConfig()
	}
	return b, nil
}

// readLockBody reads the body of a lock configuration call, which S3 requires to
// carry Content-MD5 or a checksum.
func (s *Server) readLockBody(c echo.Context, r *request, what string) ([]byte, error) {
	if !hasIntegrityHeader(c.Request().Header) {
		return nil, errMissingIntegrity(what)
	}
	raw, err := s.readBody(r, maxConfigBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return nil, s3err.New(s3err.MaxMessageLengthExceeded)
	}
	return raw, err
}

// getObjectLockConfiguration answers a bucket's object lock configuration.
func (s *Server) getObjectLockConfiguration(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	b, err := s.meta.BucketLatest(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	lc := b.ObjectLock
	if !lc.Enabled {
		return s3err.New(s3err.ObjectLockConfigurationNotFound).WithBucket(r.bucket)
	}
	out := s3xml.ObjectLockConfiguration{ObjectLockEnabled: "Enabled"}
	if lc.Mode != "" {
		out.Rule = &s3xml.ObjectLockRule{DefaultRetention: s3xml.DefaultRetention{Mode: lc.Mode, Days: lc.Days, Years: lc.Years}}
	}
	return writeXML(c, http.StatusOK, out)
}

// putObjectLockConfiguration enables object lock on a bucket with versioning
// Enabled, or replaces its default retention (a configuration without Rule removes
// it).
func (s *Server) putObjectLockConfiguration(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	raw, err := s.readLockBody(c, r, "Put Object Lock Configuration requests")
	if err != nil {
		return err
	}
	cfg, err := parseObjectLockConfiguration(raw)
	if err != nil {
		return err
	}
	err = s.meta.PutBucketObjectLock(c.Request().Context(), r.bucket, cfg)
	switch {
	case errors.Is(err, meta.ErrInvalidBucketState):
		return s3err.Newf(s3err.InvalidBucketState, "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration").WithBucket(r.bucket)
	case errors.Is(err, meta.ErrNoSuchBucket):
		return s3err.New(s3err.NoSuchBucket).WithBucket(r.bucket)
	case errors.Is(err, meta.ErrInvalid):
		return s3err.New(s3err.MalformedXML)
	case err != nil:
		return err
	}
	return c.NoContent(http.StatusOK)
}

// parseObjectLockConfiguration reads PutObjectLockConfiguration's body by S3's
// rules: ObjectLockEnabled is Enabled; a Rule has a DefaultRetention with a Mode and
// exactly one of Days and Years, a positive whole number.
func parseObjectLockConfiguration(raw []byte) (meta.ObjectLockConfig, error) {
	var doc s3xml.ObjectLockConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil {
		return meta.ObjectLockConfig{}, s3err.New(s3err.MalformedXML)
	}
	if doc.ObjectLockEnabled == nil || strings.TrimSpace(*doc.ObjectLockEnabled) != "Enabled" {
		return meta.ObjectLockConfig{}, s3err.New(s3err.MalformedXML)
	}
	cfg := meta.ObjectLockConfig{Enabled: true}
	if doc.Rule == nil {
		return cfg, nil
	}
	dr := doc.Rule.DefaultRetention
	if dr == nil || dr.Mode == nil || (dr.Days == nil) == (dr.Years == nil) {
		return cfg, s3err.New(s3err.MalformedXML)
	}
	mode, ok := parseRetentionMode(strings.TrimSpace(*dr.Mode))
	if !ok {
		return cfg, s3err.New(s3err.MalformedXML)
	}
	cfg.Mode = string(mode)
	period, limit, name := dr.Days, 36500, "Days"
	if dr.Years != nil {
		period, limit, name = dr.Years, 100, "Years"
	}
	n, err := strconv.Atoi(strings.TrimSpace(*period))
	if err != nil {
		return cfg, s3err.New(s3err.MalformedXML)
	}
	if n <= 0 || n > limit {
		return cfg, s3err.Newf(s3err.InvalidRetentionPeriod, "Default retention period must be a positive integer value (at most %d %s).", limit, strings.ToLower(name))
	}
	if dr.Years != nil {
		cfg.Years = n
	} else {
		cfg.Days = n
	}
	return cfg, nil
}

// lockedVersion opens the version a retention or legal-hold call names, in a bucket
// that has object lock.
func (s *Server) lockedVersion(c echo.Context, r *request) (*blob.Object, error) {
	if _, err := s.lockedBucket(c, r); err != nil {
		return nil, err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return nil, err
	}
	return s.openVersion(c, r, r.bucket, r.key, vid)
}

// getObjectRetention answers a version's retention; NoSuchObjectLockConfiguration
// if it has none.
func (s *Server) getObjectRetention(c echo.Context, r *request) error {
	obj, err := s.lockedVersion(c, r)
	if err != nil {
		return err
	}
	l := obj.Info.Lock
	if l.Mode == "" {
		return s3err.New(s3err.NoSuchObjectLockConfiguration).WithKey(r.key)
	}
	return writeXML(c, http.StatusOK, s3xml.Retention{Mode: string(l.Mode), RetainUntilDate: l.RetainUntil.UTC().Format(lockTimeFormat)})
}

// putObjectRetention sets, extends, shortens or removes a version's retention by
// the rules of blob.SetLock. The body's mode and date are evaluated as the
// object-lock condition keys before anything changes.
func (s *Server) putObjectRetention(c echo.Context, r *request) error {
	var doc s3xml.RetentionInput
	vid, err := s.readLockChange(c, r, "Put Object Retention requests", &doc)
	if err != nil {
		return err
	}
	var ret blob.ObjectLock
	switch {
	case doc.Mode == nil && doc.RetainUntilDate == nil: // removes the retention
	case doc.Mode == nil || doc.RetainUntilDate == nil:
		return s3err.New(s3err.MalformedXML)
	default:
		m, ok := parseRetentionMode(strings.TrimSpace(*doc.Mode))
		if !ok {
			return s3err.New(s3err.MalformedXML)
		}
		t, ok := parseRetainUntil(strings.TrimSpace(*doc.RetainUntilDate))
		if !ok {
			return s3err.New(s3err.MalformedXML)
		}
		if !t.After(s.now()) {
			return s3err.Newf(s3err.InvalidArgument, "The retain until date must be in the future!").With("ArgumentName", "RetainUntilDate")
		}
		ret = blob.ObjectLock{Mode: m, RetainUntil: t}
	}
	if ret.Mode != "" {
		// The body's values as condition keys: authorize again with them.
		conds := s.conditions(c, r)
		setRetentionConditions(conds, ret, s.now())
		if err := s.allow(c, r, r.action.Permission, r.bucket, r.key); err != nil {
			return err
		}
	}
	return s.setLock(c, r, blob.LockChange{
		Bucket: r.bucket, Key: r.key, VersionID: vid, Retention: &ret,
		BypassGovernance: s.bypassGovernance(c, r, r.bucket, r.key),
	})
}

// readLockChange reads the XML body of a retention or legal-hold change into doc, in
// a bucket with object lock, and returns the version id the request names.
func (s *Server) readLockChange(c echo.Context, r *request, what string, doc any) (string, error) {
	if _, err := s.lockedBucket(c, r); err != nil {
		return "", err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return "", err
	}
	raw, err := s.readLockBody(c, r, what)
	if err != nil {
		return "", err
	}
	if err := xml.Unmarshal(raw, doc); err != nil {
		return "", s3err.New(s3err.MalformedXML)
	}
	return vid, nil
}

// setLock makes a lock change and answers it.
func (s *Server) setLock(c echo.Context, r *request, in blob.LockChange) error {
	at, err := s.replicaChangeTime(c, r)
	if err != nil {
		return err
	}
	in.At = at
	info, err := s.store.SetLock(c.Request().Context(), in)
	if err != nil {
		deleteMarkerHeaders(c.Response().Header(), err)
		return versionError(err, r, c.Request().Method, in.VersionID)
	}
	c.Response().Header().Set("x-amz-version-id", info.VersionID)
	return c.NoContent(http.StatusOK)
}

// getObjectLegalHold answers a version's legal hold, ON or OFF;
// NoSuchObjectLockConfiguration for a version that never had one, as S3.
func (s *Server) getObjectLegalHold(c echo.Context, r *request) error {
	obj, err := s.lockedVersion(c, r)
	if err != nil {
		return err
	}
	if !obj.Info.Lock.LegalHoldApplied() {
		return s3err.New(s3err.NoSuchObjectLockConfiguration).WithKey(r.key)
	}
	return writeXML(c, http.StatusOK, s3xml.LegalHold{Status: legalHoldStatus(obj.Info.Lock)})
}

// legalHoldStatus is the S3 status of a version's legal hold.
func legalHoldStatus(l blob.ObjectLock) string {
	if l.LegalHold {
		return "ON"
	}
	return "OFF"
}

// putObjectLegalHold puts a version's legal hold on or takes it off.
func (s *Server) putObjectLegalHold(c echo.Context, r *request) error {
	var doc s3xml.LegalHoldInput
	vid, err := s.readLockChange(c, r, "Put Object Legal Hold requests", &doc)
	if err != nil {
		return err
	}
	if doc.Status == nil {
		return s3err.New(s3err.MalformedXML)
	}
	var on bool
	switch strings.TrimSpace(*doc.Status) {
	case "ON":
		on = true
	case "OFF":
	default:
		return s3err.New(s3err.MalformedXML)
	}
	return s.setLock(c, r, blob.LockChange{Bucket: r.bucket, Key: r.key, VersionID: vid, LegalHold: &on})
}

// setRetentionConditions sets the retention condition keys for a retention asked for.
func setRetentionConditions(m map[string][]string, l blob.ObjectLock, now time.Time) {
	m[policy.KeyObjectLockMode] = []string{string(l.Mode)}
	m[policy.KeyObjectLockRetainUntilDate] = []string{l.RetainUntil.UTC().Format(time.RFC3339)}
	days := math.Ceil(l.RetainUntil.Sub(now).Hours() / 24)
	m[policy.KeyObjectLockRemainingRetentionDays] = []string{strconv.Itoa(int(max(days, 0)))}
}

// lockConditions adds the object lock condition keys of a write's headers.
func (s *Server) lockConditions(c echo.Context, m map[string][]string) {
	h := c.Request().Header
	if lr, err := parseLockRequest(h.Get, s.now()); err == nil {
		if lr.retention {
			setRetentionConditions(m, lr.lock, s.now())
		}
		if lr.legalHold {
			m[policy.KeyObjectLockLegalHold] = []string{h.Get(hdrLockLegalHold)}
		}
	}
}

// isHex reports whether s is all hexadecimal digits.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
