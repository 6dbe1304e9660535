package console

import (
	"net"
	"net/http"
	"strings"

	"github.com/cairnstore/cairn/s3api/audit"
)

// proxyS3 serves presigned S3 requests sent to the console's own origin at
// /s3/BUCKET/KEY?X-Amz-...: it strips "/s3" and hands the request, body and answer
// streaming, to the S3 API (the console's instance, "api":"console" in the audit
// log), which verifies the signature as for any presigned URL. So the browser
// uploads and downloads straight to and from the S3 API without CORS, and the
// console never buffers an object. Only presigned GET, HEAD and PUT pass, and
// anonymous GET and HEAD (a "public URL", which the bucket's policy allows or
// refuses): the console's origin is not a second general S3 endpoint.
func (c *Console) proxyS3(w http.ResponseWriter, r *http.Request) {
	presigned := r.URL.Query().Get("X-Amz-Signature") != ""
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if r.Header.Get("Authorization") != "" || !(read || presigned && r.Method == http.MethodPut) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		http.Error(w, "The console's /s3/ path takes only presigned GET, HEAD and PUT requests, and anonymous GET and HEAD.", http.StatusForbidden)
		return
	}
	out := r.Clone(r.Context())
	out.URL.Path = strings.TrimPrefix(r.URL.Path, "/s3")
	if r.URL.RawPath != "" {
		out.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, "/s3")
	}
	out.RequestURI = out.URL.RequestURI()
	// The S3 API sees the client's address (after trusted proxies) as its peer, and
	// never the console's cookie.
	out.RemoteAddr = net.JoinHostPort(audit.ClientIP(r, c.cfg.TrustedProxies), "0")
	out.Header.Del("Cookie")
	out.Header.Del("X-Forwarded-For")
	out.Header.Del("X-Forwarded-Proto")
	out.TLS = c.tlsState(r)
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// An object shown inline must not run script in the console's origin.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'")
	c.deps.S3.ServeHTTP(w, out)
	if r.Method == http.MethodPut {
		// An upload through the console: its bucket's cached folder pages are stale.
		bucket, _, _ := strings.Cut(strings.TrimPrefix(out.URL.Path, "/"), "/")
		c.lists.invalidate(bucket)
	}
}
