package s3api

import (
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxConfigBody bounds the XML bodies of configuration requests.
const maxConfigBody = 1 << 20

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
	out := s3xml.ListAllMyBucketsResult{Owner: owner(r.auth.user)}
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
	if c.Request().Header.Get("x-amz-bucket-object-lock-enabled") == "true" {
		return s3err.Newf(s3err.NotImplemented, "Object lock is not implemented by Cairn.")
	}
	region, err := s.locationConstraint(c)
	if err != nil {
		return err
	}
	err = s.meta.CreateBucket(c.Request().Context(), meta.Bucket{
		Name: r.bucket, Owner: r.auth.user, Region: region, CreatedAt: time.Now().UTC(),
	})
	if errors.Is(err, meta.ErrBucketExists) {
		existing, gerr := s.meta.Bucket(c.Request().Context(), r.bucket)
		if gerr == nil && existing.Owner == r.auth.user {
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

// locationConstraint reads CreateBucket's optional body and checks its region.
func (s *Server) locationConstraint(c echo.Context) (string, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxConfigBody))
	if err != nil {
		return "", s3err.New(s3err.IncompleteBody)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return s.cfg.Region, nil
	}
	var conf s3xml.CreateBucketConfiguration
	if err := xml.Unmarshal(body, &conf); err != nil {
		return "", s3err.New(s3err.MalformedXML)
	}
	switch conf.LocationConstraint {
	case "", s.cfg.Region:
		return s.cfg.Region, nil
	default:
		return "", s3err.Newf(s3err.IllegalLocationConstraintException,
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", conf.LocationConstraint)
	}
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

// versioningConfiguration answers GetBucketVersioning for a bucket that has never had
// versioning enabled: an empty configuration, as S3 does.
type versioningConfiguration struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
}

func (s *Server) getBucketVersioning(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, versioningConfiguration{})
}
