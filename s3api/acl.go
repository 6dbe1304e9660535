package s3api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/s3xml"
)

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
	if _, err := s.store.OpenObject(c.Request().Context(), r.bucket, r.key); err != nil {
		return err
	}
	return writeXML(c, http.StatusOK, ownerFullControl(b.Owner))
}
