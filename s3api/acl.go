package s3api

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// Cairn has no ACLs: access is governed by policies (docs/iam.md). Tools still read
// and write ACLs, so reads answer the owner's FULL_CONTROL, and writes that ask for
// exactly that (canned "private", "bucket-owner-full-control", or a body granting
// only the owner FULL_CONTROL) succeed as no-ops. Any other ACL is refused with
// NotImplemented rather than silently ignored.

// ownerFullControl is the only ACL Cairn has: the owner may do everything. Access is
// governed by policies; tools still ask for ACLs, so they get this answer.
func ownerFullControl(user string) s3xml.AccessControlPolicy {
	return s3xml.AccessControlPolicy{
		Owner: owner(user),
		Grants: []s3xml.Grant{{
			Grantee: s3xml.Grantee{
				XMLNSXSI: "http://www.w3.org/2001/XMLSchema-instance", Type: "CanonicalUser",
				ID: user, DisplayName: user,
			},
			Permission: "FULL_CONTROL",
		}},
	}
}

func (s *Server) getBucketACL(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, ownerFullControl(b.Owner))
}

func (s *Server) getObjectACL(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	if _, err := s.openVersion(c, r, r.bucket, r.key, vid); err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, ownerFullControl(b.Owner))
}

func (s *Server) putBucketACL(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	if err := s.checkOwnerOnlyACL(c, r, b.Owner); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

func (s *Server) putObjectACL(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return err
	}
	if _, err := s.openVersion(c, r, r.bucket, r.key, vid); err != nil {
		return err
	}
	if err := s.checkOwnerOnlyACL(c, r, b.Owner); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// checkOwnerOnlyACL accepts a PutBucketAcl or PutObjectAcl that gives the owner full
// control and nobody else anything, which is what Cairn does anyway.
func (s *Server) checkOwnerOnlyACL(c echo.Context, r *request, ownerID string) error {
	hr := c.Request()
	if err := checkACLHeaders(hr.Header); err != nil {
		return err
	}
	body, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	acl := hr.Header.Get("x-amz-acl")
	switch {
	case acl != "" && len(body) > 0:
		return s3err.Newf(s3err.UnexpectedContent, "This request does not support content with the x-amz-acl header.")
	case acl != "":
		return nil // checkACLHeaders accepted it
	case len(body) == 0:
		return s3err.Newf(s3err.MissingSecurityHeader, "Your request was missing a required header: x-amz-acl, or an AccessControlPolicy body.")
	}
	var doc s3xml.AccessControlPolicyInput
	if err := xml.Unmarshal(body, &doc); err != nil {
		return s3err.New(s3err.MalformedXML)
	}
	for _, g := range doc.Grants {
		if g.Permission != "FULL_CONTROL" || g.Grantee.ID != ownerID || g.Grantee.URI != "" || g.Grantee.EmailAddress != "" {
			return s3err.Newf(s3err.NotImplemented, "Cairn has no ACLs: an ACL may only grant the owner (%s) FULL_CONTROL. Grant access to others with a bucket policy (see docs/iam.md).", ownerID)
		}
	}
	return nil
}

// checkACLHeaders refuses ACL headers other than the canned ACLs that give the owner
// full control (x-amz-acl private and bucket-owner-full-control, or none) and any
// x-amz-grant-* header. CreateBucket, PutObject, CopyObject, CreateMultipartUpload and
// the ACL writes call it.
func checkACLHeaders(h http.Header) error {
	switch acl := h.Get("x-amz-acl"); acl {
	case "", "private", "bucket-owner-full-control":
	default:
		return s3err.Newf(s3err.NotImplemented, "Canned ACL %q is not supported: Cairn grants access with policies, not ACLs. For public read, put a bucket policy allowing s3:GetObject to Principal \"*\" (see docs/iam.md).", acl)
	}
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "x-amz-grant-") {
			return s3err.Newf(s3err.NotImplemented, "The %s header is not supported: Cairn grants access with policies, not ACLs (see docs/iam.md).", name)
		}
	}
	return nil
}
