package sigv4

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// authorization is a parsed "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…" header.
type authorization struct {
	credential    string
	signedHeaders string
	signature     string
}

func errHeaderMalformed(format string, args ...any) *s3err.Error {
	return s3err.Newf(s3err.AuthorizationHeaderMalformed, "The authorization header is malformed; "+format, args...)
}

func parseAuthorization(h string) (authorization, error) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	switch alg {
	case algorithm:
	case algorithmV4A:
		return authorization{}, errUnsupportedMechanism()
	default:
		return authorization{}, s3err.Newf(s3err.InvalidArgument, "Unsupported Authorization Type").
			With("ArgumentName", "Authorization").With("ArgumentValue", h)
	}
	var a authorization
	for field := range strings.SplitSeq(rest, ",") {
		field = strings.TrimSpace(field)
		if field == "" {
			continue
		}
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return a, errHeaderMalformed("the authorization component \"%s\" is malformed.", field)
		}
		var dst *string
		switch strings.TrimSpace(k) {
		case "Credential":
			dst = &a.credential
		case "SignedHeaders":
			dst = &a.signedHeaders
		case "Signature":
			dst = &a.signature
		default:
			return a, errHeaderMalformed("the authorization component \"%s\" is malformed.", field)
		}
		if *dst != "" {
			return a, errHeaderMalformed("the authorization component \"%s\" is duplicated.", strings.TrimSpace(k))
		}
		*dst = strings.TrimSpace(v)
	}
	if a.credential == "" || a.signedHeaders == "" || a.signature == "" {
		return a, errHeaderMalformed("the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	}
	return a, nil
}

// requestTime returns the request date of a header-signed request: X-Amz-Date, else
// Date. The second result is the date as the string to sign spells it.
func requestTime(r *http.Request) (time.Time, string, error) {
	errDate := s3err.Newf(s3err.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header")
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(iso8601Basic, v)
		if err != nil {
			return t, "", errDate
		}
		return t, v, nil
	}
	if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			if t, err = time.Parse(time.RFC1123Z, v); err != nil {
				return t, "", errDate
			}
		}
		t = t.UTC()
		return t, t.Format(iso8601Basic), nil
	}
	return time.Time{}, "", errDate
}

// verifyHeader checks a signature in the Authorization header.
func (v *Verifier) verifyHeader(r *http.Request, header string, query params) (*Auth, error) {
	az, err := parseAuthorization(header)
	if err != nil {
		return nil, err
	}
	cred, err := v.checkCredential(az.credential, headerCredErrors)
	if err != nil {
		return nil, err
	}
	t, amzDate, err := requestTime(r)
	if err != nil {
		return nil, err
	}
	if day := t.Format(iso8601Date); cred.date != day {
		return nil, errHeaderMalformed("Invalid credential date \"%s\". This date is not the same as X-Amz-Date: \"%s\".", cred.date, day)
	}
	now := v.now()
	if skew := t.Sub(now); skew > v.maxSkew() || skew < -v.maxSkew() {
		return nil, s3err.Newf(s3err.RequestTimeTooSkewed, "The difference between the request time and the current time is too large.").
			With("RequestTime", amzDate).
			With("ServerTime", now.UTC().Format(iso8601Full)).
			With("MaxAllowedSkewMilliseconds", strconv.FormatInt(v.maxSkew().Milliseconds(), 10))
	}
	payloadHash, err := headerPayloadHash(r)
	if err != nil {
		return nil, err
	}
	signed, ok := parseSignedHeaders(az.signedHeaders)
	if !ok {
		return nil, errHeaderMalformed("the SignedHeaders component \"%s\" is malformed.", az.signedHeaders)
	}
	if err := checkSignedHeaders(r, signed); err != nil {
		return nil, err
	}
	secret, err := v.secret(r.Context(), cred.accessKey)
	if err != nil {
		return nil, err
	}
	key := v.keys.signingKey(secret, cred.date, cred.region, cred.service)
	scope := cred.scope()
	want, okSig := decodeSignature(az.signature)
	ok, canonical, sts := matchRequestSignature(r, key, amzDate, scope, query.canonicalQuery(""), signed, az.signedHeaders, payloadHash, want)
	if !okSig || !ok {
		return nil, errSignatureMismatch(cred.accessKey, az.signature, sts, canonical)
	}
	return &Auth{
		AccessKeyID: cred.accessKey,
		Version:     VersionV4,
		payloadHash: payloadHash,
		signingKey:  key,
		amzDate:     amzDate,
		scope:       scope,
		signature:   want,
	}, nil
}

// headerPayloadHash returns the x-amz-content-sha256 a header signature covers. S3
// requires the header; Cairn lets a request with no body omit it and signs it as the
// hash of the empty body, which is what generic SigV4 signers (curl --aws-sigv4, the
// SDKs for other services) produce for such requests.
func headerPayloadHash(r *http.Request) (string, error) {
	v, ok := r.Header["X-Amz-Content-Sha256"]
	if !ok || len(v) == 0 {
		if r.ContentLength == 0 && len(r.TransferEncoding) == 0 {
			return EmptySHA256, nil
		}
		return "", s3err.Newf(s3err.InvalidRequest, "Missing required header for this request: x-amz-content-sha256")
	}
	if err := checkPayloadHash(v[0]); err != nil {
		return "", err
	}
	return v[0], nil
}
