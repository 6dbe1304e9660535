package s3api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

func (s *Server) getBucketPolicy(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	bp, err := s.meta.BucketPolicy(c.Request().Context(), r.bucket)
	if errors.Is(err, meta.ErrNoSuchBucketPolicy) {
		return s3err.New(s3err.NoSuchBucketPolicy).WithBucket(r.bucket)
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, bp.Document)
}

// putBucketPolicy stores the body as the bucket's policy once policy.ParseBucketPolicy
// accepts it; otherwise MalformedPolicy says what is wrong.
func (s *Server) putBucketPolicy(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	doc, err := s.readBody(r, policy.MaxPolicySize)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return s3err.Newf(s3err.MalformedPolicy, "Policy exceeds the maximum allowed document size.")
	}
	if err != nil {
		return err
	}
	err = s.meta.PutBucketPolicy(c.Request().Context(), r.bucket, doc)
	if errors.Is(err, meta.ErrMalformedPolicy) {
		return malformedPolicy(doc, err)
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// malformedPolicy is the MalformedPolicy error of a refused document: AWS's message
// when it is not a JSON object, else the validation error (which names the element
// at fault).
func malformedPolicy(doc []byte, err error) error {
	trimmed := bytes.TrimSpace(doc)
	if !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{' {
		return s3err.New(s3err.MalformedPolicy)
	}
	var verr *policy.ValidationError
	if errors.As(err, &verr) {
		msg := verr.Reason
		if verr.Field != "" {
			msg = verr.Field + ": " + msg
		}
		return s3err.Newf(s3err.MalformedPolicy, "%s", msg)
	}
	return s3err.New(s3err.MalformedPolicy)
}

func (s *Server) deleteBucketPolicy(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := s.meta.DeleteBucketPolicy(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// getBucketPolicyStatus answers whether the bucket policy makes the bucket public:
// whether a statement allows everyone ("*", or NotPrincipal) without any condition.
// A condition (an address range, TLS only...) is taken to restrict it, which AWS
// judges more finely.
func (s *Server) getBucketPolicyStatus(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	bp, err := s.meta.BucketPolicy(c.Request().Context(), r.bucket)
	if errors.Is(err, meta.ErrNoSuchBucketPolicy) {
		return s3err.New(s3err.NoSuchBucketPolicy).WithBucket(r.bucket)
	}
	if err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, s3xml.PolicyStatus{IsPublic: bp.Policy != nil && isPublic(bp.Policy)})
}

// isPublic reports whether p allows anyone at all without a condition.
func isPublic(p *policy.Policy) bool {
	for _, st := range p.Document().Statements {
		if st.Effect != policy.EffectAllow || st.Condition != nil {
			continue
		}
		if st.NotPrincipal != nil || st.Principal != nil && slices.Contains(st.Principal.AWS, "*") {
			return true
		}
	}
	return false
}
