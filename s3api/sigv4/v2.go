package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// Signature Version 2 is AWS's older HMAC-SHA1 scheme. S3 still accepts it, and the
// aws cli v1 uses it for `aws s3 presign`, so Cairn verifies it too: in the
// Authorization header ("AWS AKID:signature") and in query strings (AWSAccessKeyId,
// Expires, Signature). A V2 request's body is unsigned; Content-MD5 and the checksum
// headers still protect it.

// subresourcesV2 are the query parameters that are part of a V2 string to sign.
var subresourcesV2 = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true, "delete": true,
	"inventory": true, "lifecycle": true, "location": true, "logging": true, "metrics": true,
	"notification": true, "object-lock": true, "partNumber": true, "policy": true,
	"replication": true, "requestPayment": true, "restore": true, "select": true,
	"select-type": true, "tagging": true, "torrent": true, "uploadId": true, "uploads": true,
	"versionId": true, "versioning": true, "versions": true, "website": true,
	"response-cache-control": true, "response-content-disposition": true,
	"response-content-encoding": true, "response-content-language": true,
	"response-content-type": true, "response-expires": true,
}

// verifyHeaderV2 checks "Authorization: AWS AKID:base64(HMAC-SHA1(secret, sts))".
func (v *Verifier) verifyHeaderV2(r *http.Request, header string, query params) (*Auth, error) {
	cred, ok := strings.CutPrefix(header, "AWS ")
	accessKey, sig, found := strings.Cut(strings.TrimSpace(cred), ":")
	if !ok || !found || accessKey == "" || sig == "" {
		return nil, s3err.Newf(s3err.InvalidArgument, "Authorization header is invalid -- one and only one ' ' (space) required").
			With("ArgumentName", "Authorization").With("ArgumentValue", header)
	}
	date := r.Header.Get("Date")
	t, err := http.ParseTime(r.Header.Get("X-Amz-Date"))
	if err != nil {
		if t, err = http.ParseTime(date); err != nil {
			return nil, s3err.Newf(s3err.AccessDenied, "AWS authentication requires a valid Date or x-amz-date header")
		}
	}
	if r.Header.Get("X-Amz-Date") != "" {
		date = "" // x-amz-date is signed among the x-amz- headers instead
	}
	now := v.now()
	if skew := t.Sub(now); skew > v.maxSkew() || skew < -v.maxSkew() {
		return nil, s3err.Newf(s3err.RequestTimeTooSkewed, "The difference between the request time and the current time is too large.").
			With("RequestTime", r.Header.Get("Date")).With("ServerTime", now.UTC().Format(http.TimeFormat))
	}
	return v.checkV2(r, query, accessKey, sig, date, false)
}

// verifyPresignedV2 checks a V2 query-string signature.
func (v *Verifier) verifyPresignedV2(r *http.Request, query params) (*Auth, error) {
	accessKey, _ := query.get("AWSAccessKeyId")
	sig, _ := query.get("Signature")
	expires, _ := query.get("Expires")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return nil, s3err.Newf(s3err.AccessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	if now := v.now(); now.Unix() > exp {
		return nil, s3err.Newf(s3err.AccessDenied, "Request has expired").
			With("Expires", time.Unix(exp, 0).UTC().Format(iso8601Full)).With("ServerTime", now.UTC().Format(iso8601Full))
	}
	return v.checkV2(r, query, accessKey, sig, expires, true)
}

// checkV2 compares a V2 signature with the one the request should carry.
func (v *Verifier) checkV2(r *http.Request, query params, accessKey, sig, date string, presigned bool) (*Auth, error) {
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		return nil, s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", accessKey)
	}
	secret, err := v.secret(r.Context(), accessKey)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(v.stringToSignV2(r, query, date)))
	if !hmac.Equal(m.Sum(nil), want) {
		return nil, s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", accessKey)
	}
	return &Auth{AccessKeyID: accessKey, Presigned: presigned, payloadHash: UnsignedPayload}, nil
}

// stringToSignV2 builds the V2 string to sign: method, Content-MD5, Content-Type, the
// date (or Expires), the x-amz- headers, and the resource with its sub-resources.
func (v *Verifier) stringToSignV2(r *http.Request, query params, date string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Md5")) + "\n")
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Type")) + "\n")
	b.WriteString(date + "\n")
	var amz []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-") {
			continue
		}
		trimmed := make([]string, len(values))
		for i, val := range values {
			trimmed[i] = strings.TrimSpace(val)
		}
		amz = append(amz, lower+":"+strings.Join(trimmed, ","))
	}
	sort.Strings(amz)
	for _, h := range amz {
		b.WriteString(h + "\n")
	}
	b.WriteString(v.resourceV2(r))
	var subs []string
	for _, p := range query {
		if !subresourcesV2[p.key] {
			continue
		}
		if p.value == "" && !strings.Contains(r.URL.RawQuery, p.key+"=") {
			subs = append(subs, p.key)
		} else {
			subs = append(subs, p.key+"="+p.value)
		}
	}
	sort.Strings(subs)
	if len(subs) > 0 {
		b.WriteString("?" + strings.Join(subs, "&"))
	}
	return b.String()
}

// resourceV2 is the request's path as sent, with the bucket in front for a
// virtual-host-style request.
func (v *Verifier) resourceV2(r *http.Request) string {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if path == "" || !strings.HasPrefix(path, "/") {
		path = r.URL.EscapedPath()
	}
	if v.Domain == "" {
		return path
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if bucket, ok := strings.CutSuffix(strings.ToLower(host), "."+v.Domain); ok && bucket != "" {
		return "/" + bucket + path
	}
	return path
}
