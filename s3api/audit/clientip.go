package audit

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that sent r, without a port.
//
// With trustedProxies 0 it is the connection's peer (r.RemoteAddr), and any
// X-Forwarded-For header is ignored, since a client can send one. Behind N trusted
// proxies (load balancers that each append the address they received the request from
// to X-Forwarded-For), it is the Nth entry from the right of X-Forwarded-For (all of
// its headers, in order): entries further left were written by the client and prove
// nothing. If the header has fewer than N entries, the leftmost is used; if the entry
// is not an IP address, or there is no header, the peer's address is.
func ClientIP(r *http.Request, trustedProxies int) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if a, err := netip.ParseAddr(peer); err == nil {
		peer = a.Unmap().String()
	}
	if trustedProxies <= 0 {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, e := range strings.Split(h, ",") {
			if e = strings.TrimSpace(e); e != "" {
				hops = append(hops, e)
			}
		}
	}
	if len(hops) == 0 {
		return peer
	}
	i := max(len(hops)-trustedProxies, 0)
	a, err := netip.ParseAddr(hops[i])
	if err != nil {
		return peer
	}
	return a.Unmap().WithZone("").String()
}

// SecureTransport reports whether the client reached the service over TLS: r came
// over TLS, or, behind trusted proxies, the nearest proxy says so in the last
// X-Forwarded-Proto value.
func SecureTransport(r *http.Request, trustedProxies int) bool {
	if r.TLS != nil {
		return true
	}
	if trustedProxies <= 0 {
		return false
	}
	var last string
	for _, h := range r.Header.Values("X-Forwarded-Proto") {
		for _, e := range strings.Split(h, ",") {
			if e = strings.TrimSpace(e); e != "" {
				last = e
			}
		}
	}
	return strings.EqualFold(last, "https")
}
