package s3api

import (
	"net/http"

	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// authInfo is who sent a request.
type authInfo struct {
	sig  *sigv4.Auth
	user string // empty when anonymous
}

// anonymous reports whether the request carried no credentials.
func (a *authInfo) anonymous() bool { return a == nil || a.sig == nil || a.sig.Anonymous() }

// authenticate verifies the request's signature, if it has one, and finds its user.
func (s *Server) authenticate(hr *http.Request) (*authInfo, error) {
	sig, err := s.verifier.Verify(hr)
	if err != nil {
		return nil, err
	}
	info := &authInfo{sig: sig}
	if !sig.Anonymous() {
		key, err := s.meta.AccessKey(hr.Context(), sig.AccessKeyID)
		if err != nil {
			return nil, s3err.New(s3err.InvalidAccessKeyID)
		}
		info.user = key.User
	}
	return info, nil
}

// authorize decides whether the request may perform its action. Until users and
// policies exist (the IAM issue), every access key belongs to the root user, who may do
// everything, and anonymous requests are refused.
func (s *Server) authorize(r *request) error {
	if r.auth.anonymous() {
		return s3err.New(s3err.AccessDenied)
	}
	return nil
}
