// Package sigv4 authenticates S3 requests signed with AWS Signature Version 4: in the
// Authorization header, in presigned URLs, in streaming aws-chunked bodies (signed, and
// unsigned with trailers) and in POST policy forms. Errors are s3err errors.
package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
)

var errTODO = errors.New("sigv4: not implemented yet")

// Credentials looks up the secret of an access key. It returns an error for which
// errors.Is(err, ErrUnknownAccessKey) holds when the key does not exist.
type Credentials interface {
	SecretKey(ctx context.Context, accessKeyID string) (string, error)
}

// ErrUnknownAccessKey is what a Credentials returns for a key it does not know.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key")

// Verifier checks request signatures.
type Verifier struct {
	Credentials Credentials
	// Region is the region requests must be signed for. Default "us-east-1".
	Region string
	// MaxSkew is how far a request's date may be from the server clock. Default 15m.
	MaxSkew time.Duration
	// MaxPresignExpiry is the longest X-Amz-Expires accepted. Default 7 days.
	MaxPresignExpiry time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Auth is an authenticated request.
type Auth struct {
	// AccessKeyID is the key that signed the request; empty for an anonymous request.
	AccessKeyID string
	// Presigned is true for a query-string (presigned URL) signature.
	Presigned bool
}

// Anonymous reports whether the request carried no signature at all.
func (a *Auth) Anonymous() bool { return a.AccessKeyID == "" }

// Verify authenticates r. A request with no Authorization header and no X-Amz-*
// signature query parameters is anonymous (Auth.AccessKeyID empty, nil error).
func (v *Verifier) Verify(r *http.Request) (*Auth, error) { return nil, errTODO }

// Payload is a request body being read and verified: aws-chunked framing is removed,
// chunk signatures are checked, and x-amz-content-sha256 and any x-amz-checksum-*
// header or trailer are verified. When the body ends it returns io.EOF only if every
// check passed; otherwise it returns the s3err error (SignatureDoesNotMatch,
// XAmzContentSHA256Mismatch, BadDigest, IncompleteBody, ...).
type Payload struct {
	io.Reader
}

// Payload wraps r's body for reading. It fails at once on a malformed
// x-amz-content-sha256, x-amz-trailer or checksum header.
func (a *Auth) Payload(r *http.Request) (*Payload, error) { return nil, errTODO }

// Length returns the length of the decoded payload (x-amz-decoded-content-length for
// aws-chunked bodies, otherwise Content-Length), or -1 when unknown.
func (p *Payload) Length() int64 { return -1 }

// Checksum returns the verified additional checksum the client sent (from a header or
// a trailer); valid after the body returned io.EOF. Zero when none was sent.
func (p *Payload) Checksum() checksum.Checksum { return checksum.Checksum{} }

// PostPolicy is a verified browser-upload form.
type PostPolicy struct {
	AccessKeyID string
	// MinSize and MaxSize are the content-length-range condition; MaxSize -1 when absent.
	MinSize, MaxSize int64
}

// VerifyPostPolicy checks the signature of a POST policy form (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, Policy, X-Amz-Signature), that the policy has not
// expired, and that every field satisfies its conditions (eq, starts-with, and the
// bucket). fields holds every form field except the file, with names lower-cased.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, bucket string, fields map[string]string) (*PostPolicy, error) {
	return nil, errTODO
}
