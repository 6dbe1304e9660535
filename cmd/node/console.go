package node

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/s3api"
)

// Console configures the web console. Its fields are part of Config.
type Console struct {
	// ConsoleAddr is an extra listen address serving the console alone (it is
	// always served on the admin address at "/"). Default "": none. Flag
	// --console-addr.
	ConsoleAddr string
	// ConsoleSessionTTL is the longest a console session lives after sign-in.
	// Default 12h. Flag --console-session-ttl.
	ConsoleSessionTTL time.Duration
	// ConsoleIdleTimeout ends a console session unused for this long. Default 30m.
	// Flag --console-idle-timeout.
	ConsoleIdleTimeout time.Duration
	// ConsoleListCache is how long the console caches a folder page for the user who
	// listed it. Default 3s (nil: the default); 0 turns it off. Flag
	// --console-list-cache.
	ConsoleListCache *time.Duration
	// ConsoleMounts are the console's mounts, each
	// "NAME=BUCKET[/FOLDER][;title=TITLE][;logo=FILE][;link=URL][;ext=jpg|png]"
	// (console.ParseMount). Flag --console-mount, repeated. Default: none.
	ConsoleMounts []string
	// ConsoleOIDC is the console's single sign-on with OpenID Connect; off unless
	// its Issuer is set. Flags --console-oidc-*.
	ConsoleOIDC console.OIDC
	// ConsoleOIDCGroupMap maps values of the groups claim to Cairn groups, each
	// "CLAIM=GROUP" (console.ParseGroupMap). Flag --console-oidc-group-map.
	ConsoleOIDCGroupMap []string
	// ConsoleTrustedHeader names the header by which an authenticating proxy in
	// front of the console names the user; off when empty. Flag
	// --console-trusted-header.
	ConsoleTrustedHeader string
	// ConsoleTrustedHeaderSources are the proxy's addresses or CIDR prefixes, the
	// only peers whose header is believed. Flag --console-trusted-header-sources.
	ConsoleTrustedHeaderSources []string
}

// consoleHandler builds the web console over instances of the S3 and admin APIs
// that share this node's gate settings, lockout and audit log but record
// "api":"console": the console acts only through them, as the signed-in user.
func (n *Node) consoleHandler(scfg s3api.Config) (http.Handler, error) {
	scfg.API = "console"
	s3, err := s3api.New(scfg, n.meta, n.store)
	if err != nil {
		return nil, err
	}
	acfg, deps := n.adminConfig()
	acfg.API = "console"
	adm, err := newAdmin(acfg, deps)
	if err != nil {
		return nil, err
	}
	ccfg := console.DefaultConfig()
	if n.cfg.ConsoleSessionTTL != 0 {
		ccfg.SessionTTL = n.cfg.ConsoleSessionTTL
	}
	if n.cfg.ConsoleIdleTimeout != 0 {
		ccfg.IdleTimeout = n.cfg.ConsoleIdleTimeout
	}
	for _, v := range n.cfg.ConsoleMounts {
		m, err := console.ParseMount(v)
		if err != nil {
			return nil, fmt.Errorf("node: --console-mount: %w", err)
		}
		ccfg.Mounts = append(ccfg.Mounts, m)
	}
	if n.cfg.ConsoleListCache != nil {
		ccfg.ListCacheTTL = *n.cfg.ConsoleListCache
	}
	ccfg.OIDC = n.cfg.ConsoleOIDC
	if len(n.cfg.ConsoleOIDCGroupMap) > 0 {
		if ccfg.OIDC.GroupMap, err = console.ParseGroupMap(n.cfg.ConsoleOIDCGroupMap); err != nil {
			return nil, fmt.Errorf("node: --console-oidc-group-map: %w", err)
		}
	}
	ccfg.ProxyAuth.Header = n.cfg.ConsoleTrustedHeader
	if ccfg.ProxyAuth.Sources, err = console.ParseSources(n.cfg.ConsoleTrustedHeaderSources); err != nil {
		return nil, fmt.Errorf("node: --console-trusted-header-sources: %w", err)
	}
	ccfg.Region, ccfg.TrustedProxies, ccfg.Logger = n.cfg.Region, n.cfg.TrustedProxies, n.log
	ccfg.CopyLimit = n.cfg.MaxObjectSize // the S3 API's largest copy source; 0 keeps the default
	c, err := console.New(ccfg, console.Deps{S3: s3.Handler(), Admin: adm.Handler(), Meta: n.meta, Keys: n.meta, AuditLog: n.audit, Limiter: n.lockout, Metrics: n.metrics.S3Gatherer()})
	if err != nil {
		return nil, err
	}
	n.ui = c
	return c.Handler(), nil
}

// serveConsole starts the console's own listener, when --console-addr is set.
func (n *Node) serveConsole(h http.Handler) error {
	if n.cfg.ConsoleAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", n.cfg.ConsoleAddr)
	if err != nil {
		return fmt.Errorf("node: console listener: %w", err)
	}
	n.console, n.consoleURL = n.serve(ln, h, adminRefusal)
	return nil
}

// ConsoleURL returns the console's own endpoint when --console-addr is set, else
// the admin endpoint (where the console is always served).
func (n *Node) ConsoleURL() string {
	if n.consoleURL != "" {
		return n.consoleURL
	}
	return n.adminURL
}
