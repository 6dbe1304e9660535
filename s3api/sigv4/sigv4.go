// Package sigv4 authenticates S3 requests signed with AWS Signature Version 4: in the
// Authorization header, in presigned URLs, in streaming aws-chunked bodies (signed, and
// unsigned with trailers) and in POST policy forms. Errors are s3err errors.
package sigv4

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// Credentials looks up the secret of an access key. It returns an error for which
// errors.Is(err, ErrUnknownAccessKey) holds when the key does not exist.
type Credentials interface {
	SecretKey(ctx context.Context, accessKeyID string) (string, error)
}

// ErrUnknownAccessKey is what a Credentials returns for a key it does not know.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key")

// The values of x-amz-content-sha256 other than a hex SHA-256 of the body.
const (
	// UnsignedPayload: the body is not covered by the signature.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
	// StreamingPayload: an aws-chunked body whose every chunk is signed.
	StreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	// StreamingPayloadTrailer: signed chunks followed by signed trailing headers.
	StreamingPayloadTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	// StreamingUnsignedPayloadTrailer: unsigned aws-chunked data with trailing headers,
	// what current SDKs send by default for uploads over plain HTTP.
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	// StreamingECDSAPayload and StreamingECDSAPayloadTrailer are SigV4a streaming
	// bodies, which Cairn does not implement.
	StreamingECDSAPayload        = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	StreamingECDSAPayloadTrailer = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
	// EmptySHA256 is the hex SHA-256 of an empty body.
	EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Values of Auth.Version, as the s3:signatureversion condition key spells them.
const (
	VersionV4 = "AWS4-HMAC-SHA256"
	VersionV2 = "AWS"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	algorithmV4A  = "AWS4-ECDSA-P256-SHA256"
	iso8601Basic  = "20060102T150405Z"
	iso8601Date   = "20060102"
	iso8601Full   = "2006-01-02T15:04:05Z"
	scopeTerminal = "aws4_request"
)

// Verifier checks request signatures. Its zero value is not usable: set Credentials.
// A Verifier keeps a cache of derived signing keys, so it must not be copied after use.
type Verifier struct {
	Credentials Credentials
	// Region is this endpoint's region. Default "us-east-1". A signature made for
	// any other region is accepted too unless RegionStrict is set: users of
	// self-hosted stores expect any region name to work.
	Region string
	// RegionStrict refuses signatures made for any region but Region (AWS's
	// behaviour). Default false.
	RegionStrict bool
	// Service is the service name requests must be signed for. Default "s3"; the admin
	// API may use its own.
	Service string
	// Domain is the S3 domain of virtual-host-style requests (BUCKET.Domain); Signature
	// Version 2 signs the bucket as part of the path, so it must know. Empty: path style.
	Domain string
	// DisableV2 refuses Signature Version 2 (InvalidRequest, as AWS answers where it
	// accepts only V4). A V2 signature names no service, so a surface that must not
	// accept requests signed for another (the admin API) sets it. Default false.
	DisableV2 bool
	// MaxSkew is how far a request's date may be from the server clock. Default 15m.
	MaxSkew time.Duration
	// MaxPresignExpiry is the longest X-Amz-Expires accepted. Default 7 days.
	MaxPresignExpiry time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	keys keyCache
}

func (v *Verifier) region() string {
	if v.Region == "" {
		return "us-east-1"
	}
	return v.Region
}

func (v *Verifier) service() string {
	if v.Service == "" {
		return "s3"
	}
	return v.Service
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew <= 0 {
		return 15 * time.Minute
	}
	return v.MaxSkew
}

func (v *Verifier) maxPresignExpiry() time.Duration {
	if v.MaxPresignExpiry <= 0 {
		return 7 * 24 * time.Hour
	}
	return v.MaxPresignExpiry
}

func (v *Verifier) now() time.Time {
	if v.Now == nil {
		return time.Now()
	}
	return v.Now()
}

// Auth is an authenticated request.
type Auth struct {
	// AccessKeyID is the key that signed the request; empty for an anonymous request.
	AccessKeyID string
	// Presigned is true for a query-string (presigned URL) signature.
	Presigned bool
	// Version is the signature's algorithm as the s3:signatureversion condition key
	// names it: VersionV4 or VersionV2; empty for an anonymous request.
	Version string

	// What a streaming body needs to check its chunk signatures, and the payload hash
	// the request signature covered. Empty for an anonymous request.
	payloadHash string
	signingKey  []byte
	amzDate     string
	scope       string
	signature   []byte
}

// Anonymous reports whether the request carried no signature at all.
func (a *Auth) Anonymous() bool { return a.AccessKeyID == "" }

// Verify authenticates r. A request with no Authorization header and no X-Amz-*
// signature query parameters is anonymous (Auth.AccessKeyID empty, nil error).
//
// Verify reads only the request line and headers; the body is checked as it is read,
// through Auth.Payload.
func (v *Verifier) Verify(r *http.Request) (*Auth, error) {
	query := parseQuery(r.URL.RawQuery)
	authz := r.Header.Values("Authorization")
	presigned := query.has("X-Amz-Algorithm") || query.has("X-Amz-Credential") || query.has("X-Amz-Signature")
	presignedV2 := query.has("AWSAccessKeyId") && query.has("Signature")
	headerV2 := len(authz) == 1 && strings.HasPrefix(authz[0], "AWS ")
	switch {
	case len(authz) > 0 && (presigned || presignedV2):
		return nil, s3err.Newf(s3err.InvalidArgument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified").
			With("ArgumentName", "Authorization").With("ArgumentValue", authz[0])
	case len(authz) > 1:
		return nil, s3err.Newf(s3err.InvalidArgument, "Only one Authorization header is allowed.").
			With("ArgumentName", "Authorization").With("ArgumentValue", authz[0])
	case v.DisableV2 && (headerV2 || len(authz) == 0 && presignedV2 && !presigned):
		return nil, errUnsupportedMechanism()
	case headerV2:
		return v.verifyHeaderV2(r, authz[0], query)
	case len(authz) == 1:
		return v.verifyHeader(r, authz[0], query)
	case presigned:
		return v.verifyPresigned(r, query)
	case presignedV2:
		return v.verifyPresignedV2(r, query)
	}
	return &Auth{}, nil
}

// errUnsupportedMechanism is AWS's answer to Signature Version 2 and to SigV4a in
// regions that accept only SigV4.
func errUnsupportedMechanism() *s3err.Error {
	return s3err.Newf(s3err.InvalidRequest, "The authorization mechanism you have provided is not supported. Please use %s.", algorithm)
}

// secret returns the secret of accessKey, as an s3err error when it cannot.
func (v *Verifier) secret(ctx context.Context, accessKey string) (string, error) {
	if v.Credentials == nil {
		return "", fmt.Errorf("%w (sigv4: Verifier has no Credentials)", s3err.New(s3err.InternalError))
	}
	secret, err := v.Credentials.SecretKey(ctx, accessKey)
	switch {
	case err == nil:
		return secret, nil
	case errors.Is(err, ErrUnknownAccessKey):
		return "", s3err.New(s3err.InvalidAccessKeyID).With("AWSAccessKeyId", accessKey)
	}
	if _, ok := s3err.As(err); ok {
		return "", err
	}
	// Keep the cause for the log; the client sees InternalError.
	return "", fmt.Errorf("%w (sigv4: looking up access key: %w)", s3err.New(s3err.InternalError), err)
}

// credential is the parsed X-Amz-Credential: access key and scope.
type credential struct {
	accessKey, date, region, service, terminal string
}

func (c credential) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + c.terminal
}

// parseCredential splits "AKID/YYYYMMDD/region/service/aws4_request".
func parseCredential(s string) (credential, bool) {
	parts := strings.Split(s, "/")
	if len(parts) < 5 {
		return credential{}, false
	}
	n := len(parts)
	c := credential{
		accessKey: strings.Join(parts[:n-4], "/"),
		date:      parts[n-4],
		region:    parts[n-3],
		service:   parts[n-2],
		terminal:  parts[n-1],
	}
	if c.accessKey == "" || c.region == "" || c.service == "" {
		return credential{}, false
	}
	if _, err := time.Parse(iso8601Date, c.date); err != nil {
		return credential{}, false
	}
	return c, true
}

// credentialErrors says how a credential problem is reported: header and query
// signatures use different codes and message prefixes.
type credentialErrors struct {
	code   s3err.Code
	prefix string
}

var (
	headerCredErrors = credentialErrors{s3err.AuthorizationHeaderMalformed, "The authorization header is malformed; "}
	queryCredErrors  = credentialErrors{s3err.AuthorizationQueryParametersError, "Error parsing the X-Amz-Credential parameter; "}
	postCredErrors   = credentialErrors{s3err.InvalidArgument, "Error parsing the X-Amz-Credential parameter; "}
)

func (ce credentialErrors) errorf(format string, args ...any) *s3err.Error {
	return s3err.Newf(ce.code, ce.prefix+format, args...)
}

// checkCredential parses a credential and checks its scope against the verifier's.
func (v *Verifier) checkCredential(s string, ce credentialErrors) (credential, error) {
	c, ok := parseCredential(s)
	if !ok {
		return c, ce.errorf("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	if v.RegionStrict && c.region != v.region() {
		return c, ce.errorf("the region '%s' is wrong; expecting '%s'", c.region, v.region()).With("Region", v.region())
	}
	if c.service != v.service() {
		return c, ce.errorf("incorrect service \"%s\". This endpoint belongs to \"%s\".", c.service, v.service())
	}
	if c.terminal != scopeTerminal {
		return c, ce.errorf("incorrect terminal \"%s\". This endpoint uses \"%s\".", c.terminal, scopeTerminal)
	}
	return c, nil
}

// checkSignedHeaders applies AWS's rules on which headers must be signed: host always,
// and every x-amz-* header the request carries (x-amz-content-sha256 excepted: its value
// is in the canonical request whether or not it is listed).
func checkSignedHeaders(r *http.Request, signed []string) error {
	set := make(map[string]bool, len(signed))
	for _, h := range signed {
		set[strings.ToLower(h)] = true
	}
	var missing []string
	if !set["host"] {
		missing = append(missing, "host")
	}
	for name := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-amz-") && lower != "x-amz-content-sha256" && !set[lower] {
			missing = append(missing, lower)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return s3err.Newf(s3err.AccessDenied, "There were headers present in the request which were not signed").
		With("HeadersNotSigned", strings.Join(missing, ", "))
}

// checkPayloadHash validates an x-amz-content-sha256 value.
func checkPayloadHash(v string) error {
	switch v {
	case UnsignedPayload, StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer,
		StreamingECDSAPayload, StreamingECDSAPayloadTrailer:
		return nil
	}
	if IsHexSHA256(v) {
		return nil
	}
	return s3err.Newf(s3err.InvalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.").
		With("ArgumentName", "x-amz-content-sha256").With("ArgumentValue", v)
}

// IsHexSHA256 reports whether v has the form of a hex SHA-256 (64 hex digits).
func IsHexSHA256(v string) bool {
	if len(v) != 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// decodeSignature decodes a SigV4 signature: 64 lower-case hex digits, as every
// signer writes it. Upper case is refused (AWS compares the strings).
func decodeSignature(s string) ([]byte, bool) {
	if len(s) != 64 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

// errSignatureMismatch is SignatureDoesNotMatch with what AWS adds so that a user
// can debug their signer: the key, the signature provided, the string to sign and,
// for SigV4, the canonical request, each also as bytes (hex pairs separated by
// spaces). None of them holds a secret.
func errSignatureMismatch(accessKey, provided, stringToSign, canonical string) *s3err.Error {
	e := s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", accessKey)
	if stringToSign != "" {
		e = e.With("StringToSign", stringToSign).With("StringToSignBytes", spacedHex(stringToSign))
	}
	if provided != "" {
		e = e.With("SignatureProvided", provided)
	}
	if canonical != "" {
		e = e.With("CanonicalRequest", canonical).With("CanonicalRequestBytes", spacedHex(canonical))
	}
	return e
}

// spacedHex spells s as AWS does in *Bytes error fields: "41 57 53 34".
func spacedHex(s string) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 3*len(s))
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(b)
}
