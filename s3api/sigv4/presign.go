package sigv4

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

func errQuery(format string, args ...any) *s3err.Error {
	return s3err.Newf(s3err.AuthorizationQueryParametersError, format, args...)
}

// verifyPresigned checks a query-string signature (a presigned URL).
func (v *Verifier) verifyPresigned(r *http.Request, query params) (*Auth, error) {
	var vals [6]string
	for i, name := range [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Expires"} {
		val, n := query.get(name)
		if n != 1 || val == "" {
			return nil, errQuery("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
		vals[i] = val
	}
	alg, credStr, sig, date, signedList, expiresStr := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	if alg != algorithm {
		return nil, errQuery("X-Amz-Algorithm only supports \"%s\"", algorithm)
	}
	cred, err := v.checkCredential(credStr, queryCredErrors)
	if err != nil {
		return nil, err
	}
	t, err := time.Parse(iso8601Basic, date)
	if err != nil {
		return nil, errQuery("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	if day := t.Format(iso8601Date); cred.date != day {
		return nil, errQuery("Invalid credential date \"%s\". This date is not the same as X-Amz-Date: \"%s\".", cred.date, day)
	}
	expires, err := parseDecimal(expiresStr)
	maxExpires := int64(v.maxPresignExpiry() / time.Second)
	switch {
	case err != nil:
		return nil, errQuery("X-Amz-Expires should be a number")
	case expires < 0:
		return nil, errQuery("X-Amz-Expires must be non-negative")
	case expires > maxExpires:
		if maxExpires == 604800 {
			return nil, errQuery("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
		}
		return nil, errQuery("X-Amz-Expires must be at most %d seconds", maxExpires)
	}
	now := v.now()
	if t.Sub(now) > v.maxSkew() {
		return nil, s3err.Newf(s3err.AccessDenied, "Request is not valid yet")
	}
	if expiry := t.Add(time.Duration(expires) * time.Second); now.After(expiry) {
		return nil, s3err.Newf(s3err.AccessDenied, "Request has expired").
			With("X-Amz-Expires", expiresStr).
			With("Expires", expiry.UTC().Format(iso8601Full)).
			With("ServerTime", now.UTC().Format(iso8601Full))
	}
	signed, ok := parseSignedHeaders(signedList)
	if !ok {
		return nil, errQuery("X-Amz-SignedHeaders is malformed")
	}
	if err := checkSignedHeaders(r, signed); err != nil {
		return nil, err
	}
	payloadHash, err := presignedPayloadHash(r, query)
	if err != nil {
		return nil, err
	}
	secret, err := v.secret(r.Context(), cred.accessKey)
	if err != nil {
		return nil, err
	}
	key := v.keys.signingKey(secret, cred.date, cred.region, cred.service)
	scope := cred.scope()
	want, okSig := decodeSignature(sig)
	ok, canonical, sts := matchRequestSignature(r, key, date, scope, query.canonicalQuery("X-Amz-Signature"), signed, signedList, payloadHash, want)
	if !okSig || !ok {
		return nil, errSignatureMismatch(cred.accessKey, sig, sts, canonical)
	}
	return &Auth{
		AccessKeyID: cred.accessKey,
		Presigned:   true,
		Version:     VersionV4,
		payloadHash: payloadHash,
		signingKey:  key,
		amzDate:     date,
		scope:       scope,
		signature:   want,
	}, nil
}

// presignedPayloadHash returns the payload hash a presigned URL covers: an
// X-Amz-Content-Sha256 query parameter, else the header, else UNSIGNED-PAYLOAD (what
// every SDK presigns with).
func presignedPayloadHash(r *http.Request, query params) (string, error) {
	v, n := query.get("X-Amz-Content-Sha256")
	if n == 0 {
		v = r.Header.Get("X-Amz-Content-Sha256")
	}
	if v == "" {
		return UnsignedPayload, nil
	}
	if err := checkPayloadHash(v); err != nil {
		return "", err
	}
	return v, nil
}

// parseDecimal parses a non-negative decimal integer made of digits only: no sign,
// no spaces (strconv.ParseInt alone accepts "+60").
func parseDecimal(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("sigv4: empty number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("sigv4: not a decimal number")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
