package s3api

import (
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxConfigBody bounds the XML bodies of configuration requests.
const maxConfigBody = 1 << 20

// readConfigBody reads a configuration request's body, verified, at most
// maxConfigBody bytes (MaxMessageLengthExceeded beyond).
func (s *Server) readConfigBody(r *request) ([]byte, error) {
	body, err := s.readBody(r, maxConfigBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return nil, s3err.New(s3err.MaxMessageLengthExceeded)
	}
	return body, err
}

// validBucketName applies S3's naming rules for general purpose buckets.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
		case ch == '.' || ch == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, suf := range []string{"-s3alias", "--ol-s3", "--x-s3", ".mrap", "--table-s3"} {
		if strings.HasSuffix(name, suf) {
			return false
		}
	}
	return true
}

// bucket returns the request's bucket, or NoSuchBucket.
func (s *Server) bucket(c echo.Context, r *request) (meta.Bucket, error) {
	b, err := s.meta.Bucket(c.Request().Context(), r.bucket)
	if errors.Is(err, meta.ErrNoSuchBucket) {
		return b, s3err.New(s3err.NoSuchBucket).WithBucket(r.bucket)
	}
	return b, err
}

func (s *Server) listBuckets(c echo.Context, r *request) error {
	buckets, err := s.meta.Buckets(c.Request().Context())
	if err != nil {
		return err
	}
	out := s3xml.ListAllMyBucketsResult{Owner: owner(r.user())}
	prefix := r.query.Get("prefix")
	for _, b := range buckets {
		if !strings.HasPrefix(b.Name, prefix) {
			continue
		}
		out.Buckets = append(out.Buckets, s3xml.Bucket{Name: b.Name, CreationDate: s3xml.Time(b.CreatedAt), BucketRegion: b.Region})
	}
	return writeXML(c, http.StatusOK, out)
}

func owner(user string) s3xml.Owner {
	return s3xml.Owner{ID: user, DisplayName: user}
}

func (s *Server) createBucket(c echo.Context, r *request) error {
	if !validBucketName(r.bucket) {
		return s3err.New(s3err.InvalidBucketName).WithBucket(r.bucket)
	}
	if err := checkACLHeaders(c.Request().Header); err != nil {
		return err
	}
	locked := false
	switch v := c.Request().Header.Get("x-amz-bucket-object-lock-enabled"); strings.ToLower(v) {
	case "", "false":
	case "true":
		locked = true
	default:
		return s3err.Newf(s3err.InvalidArgument, "x-amz-bucket-object-lock-enabled must be true or false").
			With("ArgumentName", "x-amz-bucket-object-lock-enabled").With("ArgumentValue", v)
	}
	region, err := s.locationConstraint(r)
	if err != nil {
		return err
	}
	nb := meta.Bucket{Name: r.bucket, Owner: r.user(), Region: region, CreatedAt: time.Now().UTC()}
	if locked {
		err = s.meta.CreateLockedBucket(c.Request().Context(), nb)
	} else {
		err = s.meta.CreateBucket(c.Request().Context(), nb)
	}
	if errors.Is(err, meta.ErrBucketExists) {
		existing, gerr := s.meta.Bucket(c.Request().Context(), r.bucket)
		if gerr == nil && existing.Owner == r.user() {
			return s3err.New(s3err.BucketAlreadyOwnedByYou).WithBucket(r.bucket)
		}
		return s3err.New(s3err.BucketAlreadyExists).WithBucket(r.bucket)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/"+r.bucket)
	return c.NoContent(http.StatusOK)
}

// locationConstraint reads CreateBucket's optional body, verified, and returns the
// bucket's region: the LocationConstraint it names, any well-formed one unless the
// region is strict (Config.RegionStrict), or this endpoint's region when it names
// none.
func (s *Server) locationConstraint(r *request) (string, error) {
	body, err := s.readConfigBody(r)
	if err != nil {
		return "", err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return s.cfg.Region, nil
	}
	var conf s3xml.CreateBucketConfiguration
	if err := xml.Unmarshal(body, &conf); err != nil {
		return "", s3err.New(s3err.MalformedXML)
	}
	loc := conf.LocationConstraint
	switch {
	case loc == "" || loc == s.cfg.Region:
		return s.cfg.Region, nil
	case s.cfg.RegionStrict:
		return "", s3err.Newf(s3err.IllegalLocationConstraintException,
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", loc)
	case !validRegionName(loc):
		return "", s3err.Newf(s3err.InvalidLocationConstraint, "The specified location-constraint is not valid").
			With("LocationConstraint", loc)
	}
	return loc, nil
}

// validRegionName reports whether name can be a region: 1 to 63 letters, digits and
// hyphens (AWS's "eu-central-1", the legacy "EU", or an operator's own names).
func validRegionName(name string) bool {
	if name == "" || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (s *Server) headBucket(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	c.Response().Header().Set("x-amz-bucket-region", b.Region)
	return c.NoContent(http.StatusOK)
}

func (s *Server) deleteBucket(c echo.Context, r *request) error {
	ctx := c.Request().Context()
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	empty, err := s.store.BucketEmpty(ctx, r.bucket)
	if err != nil {
		return err
	}
	if !empty {
		return s3err.New(s3err.BucketNotEmpty).WithBucket(r.bucket)
	}
	if err := s.meta.DeleteBucket(ctx, r.bucket); err != nil {
		return err
	}
	if err := s.store.DropBucket(ctx, r.bucket); err != nil {
		s.log.Warn("dropping a deleted bucket's leftovers failed", "bucket", r.bucket, "error", err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getBucketLocation(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	loc := b.Region
	if loc == "us-east-1" {
		loc = "" // S3 reports the classic region as an empty constraint
	}
	return writeXML(c, http.StatusOK, s3xml.LocationConstraint{Value: loc})
}
