package sigv4

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/sha256-simd"
)

// param is one query parameter, decoded.
type param struct{ key, value string }

// params is a query string in the order sent.
type params []param

// parseQuery splits a raw query the way the SDKs read it before signing: '&'-separated,
// '+' is a space, a parameter without '=' has an empty value. A malformed escape is kept
// literally: it can only fail to match a signature.
func parseQuery(raw string) params {
	if raw == "" {
		return nil
	}
	ps := make(params, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		ps = append(ps, param{unescapeQuery(k), unescapeQuery(v)})
	}
	return ps
}

func unescapeQuery(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// has reports whether the query names key (case-sensitive, as AWS treats X-Amz-*).
func (ps params) has(key string) bool {
	for _, p := range ps {
		if p.key == key {
			return true
		}
	}
	return false
}

// get returns the value of key and how many times it appears.
func (ps params) get(key string) (string, int) {
	var v string
	n := 0
	for _, p := range ps {
		if p.key == key {
			if n == 0 {
				v = p.value
			}
			n++
		}
	}
	return v, n
}

// canonicalQuery returns the SigV4 canonical query string, leaving out the parameter
// named skip (X-Amz-Signature for presigned URLs): each name and value URI-encoded, the
// encoded pairs sorted by name then value.
func (ps params) canonicalQuery(skip string) string {
	enc := make([]param, 0, len(ps))
	for _, p := range ps {
		if p.key == skip {
			continue
		}
		enc = append(enc, param{uriEncode(p.key, true), uriEncode(p.value, true)})
	}
	slices.SortFunc(enc, func(a, b param) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		b.WriteByte('=')
		b.WriteString(p.value)
	}
	return b.String()
}

// uriEncode is SigV4's UriEncode: every byte but A-Z a-z 0-9 - _ . ~ becomes %XX
// (upper-case hex); '/' too when encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// normalizedURI is the fallback canonical URI. S3 does not normalize or re-encode the
// path: the canonical URI is the path exactly as the client sent it on the request
// line, which is what the SDKs sign. A client that sends a character raw (say '=' or
// '!') but signs it encoded, as generic SigV4 signers do, gets a second chance with the
// decoded path encoded the SigV4 way. Both forms name the same decoded path, so
// accepting either cannot change which object a signature grants. "" when there is no
// distinct second form.
func normalizedURI(raw string) string {
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return ""
	}
	if norm := uriEncode(dec, false); norm != raw {
		return norm
	}
	return ""
}

// requestPath returns the escaped path as it appeared on the request line.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if p == "" || p == "*" {
		p = r.URL.EscapedPath()
	} else {
		if !strings.HasPrefix(p, "/") {
			// Absolute form: scheme://authority/path?query.
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
				if j := strings.IndexByte(p, '/'); j >= 0 {
					p = p[j:]
				} else {
					p = ""
				}
			}
		}
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
	}
	if p == "" {
		return "/"
	}
	return p
}

// headerValues returns the values of the header named (lower-case) name as the client
// sent them. Go's server moves Host and Transfer-Encoding out of r.Header, and a client
// may sign Content-Length that a proxy dropped, so those are rebuilt.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		if r.Host != "" {
			return []string{r.Host}
		}
		return []string{r.URL.Host}
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	case "content-length":
		if v, ok := r.Header["Content-Length"]; ok {
			return v
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	}
	if v, ok := r.Header[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	// A name Go did not canonicalize (it holds a character outside the token set).
	for k, v := range r.Header {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// writeCanonicalHeaders writes "name:value\n" for each signed header, in the order of
// the SignedHeaders list: values trimmed, runs of spaces folded to one, several values
// joined by commas.
func writeCanonicalHeaders(b *strings.Builder, r *http.Request, signed []string) {
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range headerValues(r, strings.ToLower(name)) {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimAll(v))
		}
		b.WriteByte('\n')
	}
}

// trimAll removes leading and trailing whitespace and folds runs of spaces into one.
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

// canonicalRequest is the SigV4 canonical request, for one candidate URI.
func canonicalRequest(r *http.Request, uri, query string, signed []string, signedList, payloadHash string) string {
	var b strings.Builder
	b.Grow(256 + len(uri) + len(query))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(uri)
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	writeCanonicalHeaders(&b, r, signed)
	b.WriteByte('\n')
	b.WriteString(signedList)
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign is the SigV4 string to sign for a canonical request.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// matchRequestSignature reports whether want is the request's signature, for the path
// as sent or its normalized form, comparing in constant time. On a mismatch it
// returns the canonical request and string to sign of the path as sent, for the error.
func matchRequestSignature(r *http.Request, key []byte, amzDate, scope, query string, signed []string, signedList, payloadHash string, want []byte) (ok bool, canonical, sts string) {
	raw := requestPath(r)
	for _, uri := range [2]string{raw, ""} {
		if uri == "" {
			if uri = normalizedURI(raw); uri == "" {
				break
			}
		}
		c := canonicalRequest(r, uri, query, signed, signedList, payloadHash)
		s := stringToSign(amzDate, scope, c)
		if hmac.Equal(hmacSHA256(key, s), want) {
			return true, "", ""
		}
		if canonical == "" {
			canonical, sts = c, s
		}
	}
	return false, canonical, sts
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// parseSignedHeaders splits a SignedHeaders list ("host;x-amz-date").
func parseSignedHeaders(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	names := strings.Split(s, ";")
	for _, n := range names {
		if n == "" {
			return nil, false
		}
	}
	return names, true
}
