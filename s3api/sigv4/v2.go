package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net"
	"net/http"
	"sort"
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
	exp, err := parseDecimal(expires)
	if err != nil {
		return nil, s3err.Newf(s3err.AccessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	}
	now := v.now()
	if now.Unix() > exp {
		return nil, s3err.Newf(s3err.AccessDenied, "Request has expired").
			With("Expires", time.Unix(exp, 0).UTC().Format(iso8601Full)).With("ServerTime", now.UTC().Format(iso8601Full))
	}
	// AWS sets no limit on a V2 URL; Cairn caps it as V4 URLs are capped (7 days by
	// default, plus the clock skew allowed), so that no URL is valid forever.
	if limit := now.Add(v.maxPresignExpiry() + v.maxSkew()); exp > limit.Unix() {
		maxExpires := int64(v.maxPresignExpiry() / time.Second)
		return nil, errQuery("Expires must be at most %d seconds (%s) after the server time.", maxExpires, v.maxPresignExpiry()).
			With("Expires", expires).With("ServerTime", now.UTC().Format(iso8601Full))
	}
	return v.checkV2(r, query, accessKey, sig, expires, true)
}

// checkV2 compares a V2 signature with the one the request should carry.
func (v *Verifier) checkV2(r *http.Request, query params, accessKey, sig, date string, presigned bool) (*Auth, error) {
	secret, err := v.secret(r.Context(), accessKey)
	if err != nil {
		return nil, err
	}
	want, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(want) != sha1.Size {
		want = nil
	}
	// The resource of a request for a bucket itself is "/bucket" as sent, or
	// "/bucket/" as botocore signs it (AWS's documented form); both name the bucket.
	resource := v.resourceV2(r)
	var sts string
	for _, res := range [2]string{resource, bucketRootV2(resource)} {
		if res == "" {
			break
		}
		s := v.stringToSignV2(r, query, date, res)
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte(s))
		if want != nil && hmac.Equal(m.Sum(nil), want) {
			return &Auth{AccessKeyID: accessKey, Presigned: presigned, Version: VersionV2, payloadHash: payloadHashV2(r)}, nil
		}
		if sts == "" {
			sts = s
		}
	}
	return nil, errSignatureMismatch(accessKey, sig, sts, "")
}

// bucketRootV2 is "/bucket/" for a resource that names a bucket alone ("/bucket");
// "" for any other.
func bucketRootV2(resource string) string {
	if len(resource) > 1 && strings.Count(resource, "/") == 1 {
		return resource + "/"
	}
	return ""
}

// payloadHashV2 is the body hash a V2 signature covers: a hex SHA-256 in
// x-amz-content-sha256, which V2 signs among the x-amz- headers, is verified like a
// V4 one; an unsigned aws-chunked body with trailers is decoded as such; otherwise
// the body is unsigned (Content-MD5 and checksums still apply).
func payloadHashV2(r *http.Request) string {
	switch v := r.Header.Get("X-Amz-Content-Sha256"); {
	case IsHexSHA256(v), v == StreamingUnsignedPayloadTrailer:
		return v
	}
	return UnsignedPayload
}

// stringToSignV2 builds the V2 string to sign: method, Content-MD5, Content-Type, the
// date (or Expires), the x-amz- headers, and the resource with its sub-resources.
func (v *Verifier) stringToSignV2(r *http.Request, query params, date, resource string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Md5")) + "\n")
	b.WriteString(strings.TrimSpace(r.Header.Get("Content-Type")) + "\n")
	b.WriteString(date + "\n")
	// The x-amz- headers sorted by name (not by "name:value": ':' sorts after '-',
	// so x-amz-copy-source must come before x-amz-copy-source-range).
	amz := map[string][]string{}
	var names []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-") {
			continue
		}
		if _, seen := amz[lower]; !seen {
			names = append(names, lower)
		}
		for _, val := range values {
			amz[lower] = append(amz[lower], strings.TrimSpace(val))
		}
	}
	sort.Strings(names)
	for _, name := range names {
		b.WriteString(name + ":" + strings.Join(amz[name], ",") + "\n")
	}
	b.WriteString(resource)
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
