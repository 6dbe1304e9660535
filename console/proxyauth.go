package console

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ProxyAuth configures the hook for a console behind an authenticating proxy: a
// request from one of Sources that carries Header is signed in as the Cairn user
// the header names, with a session key (sessionkeys.go). Off when Header is empty.
type ProxyAuth struct {
	// Header names the user, e.g. "X-Forwarded-User". Flag
	// --console-trusted-header.
	Header string
	// Sources are the proxy's addresses: the header is believed only on a
	// connection from one of them (the connection's own peer address, never a
	// forwarded one). Flag --console-trusted-header-sources.
	Sources []netip.Prefix
}

// ParseSources reads addresses and CIDR prefixes ("10.0.0.5", "10.0.0.0/8",
// "::1").
func ParseSources(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("console: %q is neither an address nor a CIDR prefix", v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// enabled reports whether the hook is configured.
func (p ProxyAuth) enabled() bool { return p.Header != "" }

// fromProxy returns the user the trusted header names, and whether r came from a
// trusted source with a non-empty header. A request from anywhere else is treated
// as if it carried no header.
func (p ProxyAuth) fromProxy(r *http.Request) (string, bool) {
	if !p.enabled() {
		return "", false
	}
	user := strings.TrimSpace(r.Header.Get(p.Header))
	if user == "" {
		return "", false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", false
	}
	a = a.Unmap()
	for _, s := range p.Sources {
		if s.Contains(a) {
			return user, true
		}
	}
	return "", false
}

// proxySession returns the session of a request the trusted proxy vouches for: the
// browser's session if it is that user's, else a new one (the old one ended). It
// sets the cookie; nil and false when the request is not from the proxy, nil and
// true when the user was refused (the answer is written).
func (c *Console) proxySession(w http.ResponseWriter, r *http.Request, current *session, cookie string) (*session, bool) {
	user, ok := c.cfg.ProxyAuth.fromProxy(r)
	if !ok {
		return nil, false
	}
	if current != nil && current.via == "header" && current.user == user {
		return current, true
	}
	if cookie != "" {
		c.sessions.end(cookie)
	}
	value, err := c.signInAs(r, user, "header", nil)
	if err != nil {
		status, code, msg := signInRefusal(err)
		if errors.Is(err, errUnknownUser) {
			msg = "The proxy names a user that Cairn does not know; ask an administrator."
		}
		c.log.Warn("sign-in refused", "user", user, "via", "header", "error", err)
		c.fail(w, r, status, code, msg)
		return nil, true
	}
	setCookie(w, value, c.secure(r))
	return c.sessions.get(value), true
}
