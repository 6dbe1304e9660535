// Package node assembles one Cairn node — metadata (Raft), the object layer, the S3
// API and the admin endpoints — from a Config. cmd/cairn and tests use it.
package node

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
	"github.com/cairnstore/cairn/s3api/metrics"
	"github.com/cairnstore/cairn/s3api/quota"
)

// Config configures a node.
type Config struct {
	// NodeID names this node; default: the host name.
	NodeID string
	// DataDir holds all of the node's state. Required.
	DataDir string
	// S3Addr is the S3 API listen address. Default ":9000".
	S3Addr string
	// AdminAddr is the admin API listen address (health, metrics, admin). Default ":9001".
	AdminAddr string
	// RaftAddr is the Raft transport listen address. Default "127.0.0.1:0" (any free
	// loopback port) for a single node, ":7947" in a cluster.
	RaftAddr string
	// Domain enables virtual-host-style requests for BUCKET.Domain. Empty: path style only.
	Domain string
	// Region is the node's region: the default LocationConstraint of new buckets.
	// Default us-east-1. Flag --region.
	Region string
	// RegionStrict pins Region: signatures for another region and CreateBucket with
	// another LocationConstraint are refused, as AWS does. Default false: any region
	// is accepted. Intended flag --region-strict.
	RegionStrict bool
	// RootAccessKey and RootSecretKey set the root credentials; when both are empty on
	// the first start, random ones are generated (see Node.GeneratedRoot).
	RootAccessKey string
	RootSecretKey string
	// ShutdownTimeout bounds how long Close waits for in-flight requests. Default 30s.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
	// Version is the software version, gossiped to the other nodes.
	Version string

	// The cluster settings (cluster.go). Setting Join, BootstrapExpect > 1 or
	// ClusterSecret makes this node part of a cluster; otherwise it runs alone.
	Cluster

	// The audit log, trusted proxies and the failed-authentication lockout
	// (security.go).
	Security

	// The admin API's own settings (admin.go).
	AdminAPI

	// The /metrics bearer token (metrics.go).
	Metrics

	// The management API's token, account name and rate limit (management.go).
	ManagementAPI

	// The connection cap and progress deadlines of the S3 and admin listeners
	// (limits.go).
	Limits

	// The web console's address and sessions (console.go).
	Console

	// The TLS certificate of the S3 and admin listeners (tls.go).
	TLS

	// The object layer's and S3 API's tunables (tuning.go).
	Tuning
}

// withDefaults fills in the defaults and checks what must be given.
func (c Config) withDefaults() (Config, error) {
	if c.DataDir == "" {
		return c, errors.New("node: a data directory is required (--data)")
	}
	if c.NodeID == "" {
		host, err := os.Hostname()
		if err != nil {
			return c, fmt.Errorf("node: no --node-id given and no host name: %w", err)
		}
		c.NodeID = host
	}
	if !blob.ValidNodeID(c.NodeID) {
		return c, fmt.Errorf("node: node id %q: 1 to 128 bytes without control characters", c.NodeID)
	}
	if c.S3Addr == "" {
		c.S3Addr = ":9000"
	}
	if c.AdminAddr == "" {
		c.AdminAddr = ":9001"
	}
	if c.RaftAddr == "" {
		c.RaftAddr = "127.0.0.1:0"
		if c.Clustered() {
			c.RaftAddr = DefaultRaftAddr
		}
	}
	if err := c.Cluster.withDefaults(); err != nil {
		return c, err
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Limits = c.Limits.withDefaults()
	if err := c.Limits.Validate(); err != nil {
		return c, fmt.Errorf("node: %w", err)
	}
	if (c.RootAccessKey == "") != (c.RootSecretKey == "") {
		return c, errors.New("node: set both CAIRN_ROOT_ACCESS_KEY and CAIRN_ROOT_SECRET_KEY, or neither")
	}
	if c.RootAccessKey != "" && (len(c.RootAccessKey) < 3 || len(c.RootSecretKey) < 8) {
		return c, errors.New("node: the root access key needs at least 3 characters and the secret key at least 8")
	}
	return c, nil
}

// Node is a running node.
type Node struct {
	cfg       Config
	log       *slog.Logger
	cl        *clusterParts    // nil on a single node
	audit     *audit.Logger    // nil without --audit-log
	lockout   *lockout.Limiter // failed authentications, shared by the S3 and admin APIs
	meta      *meta.Meta
	store     *blob.Store
	lifecycle *lifecycle.Engine
	// stopLifecycle stops the lifecycle engine's runs (before the store closes).
	stopLifecycle context.CancelFunc
	metrics       *metrics.Metrics
	buckets       *bucketStats
	sync          *siteSync    // nil until the node serves S3
	tls           *tls.Config  // nil: plain HTTP
	dirLock       *os.File     // the data directory's lock (lock_unix.go)
	s3ln          net.Listener // bound at start, served once the node is ready
	adminLn       net.Listener
	s3            *http.Server
	admin         *http.Server
	s3URL         string
	adminURL      string
	accessKey     string
	secretKey     string
	generated     bool
	console       *http.Server     // nil without --console-addr
	ui            *console.Console // the web console, for Close
	consoleURL    string
	closeOnce     sync.Once
	closeErr      error
}

// Start opens the stores, starts Raft and the listeners, and returns once the node
// serves requests.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, log: cfg.Logger}
	if err := n.start(ctx); err != nil {
		_ = n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) start(ctx context.Context) error {
	cfg := n.cfg
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("node: create data directory: %w", err)
	}
	var err error
	if n.dirLock, err = lockDataDir(cfg.DataDir); err != nil {
		return err
	}
	if n.tls, err = n.tlsConfig(); err != nil {
		return err
	}
	// Bind the S3 and admin listeners first: a taken port fails the start before any
	// state changes, and a cluster gossips the bound ports. They serve at the end.
	if n.s3ln, err = net.Listen("tcp", cfg.S3Addr); err != nil {
		return fmt.Errorf("node: S3 listener: %w", err)
	}
	if n.adminLn, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
		return fmt.Errorf("node: admin listener: %w", err)
	}
	mcfg := meta.Config{
		NodeID: cfg.NodeID, Dir: filepath.Join(cfg.DataDir, "meta"), RaftAddr: cfg.RaftAddr,
		Bootstrap: true, Zone: cfg.Zone, Capacity: cfg.Capacity, Logger: cfg.Logger,
	}
	if !cfg.Clustered() {
		mcfg.Logger = slog.New(quietComponent(cfg.Logger.Handler(), "raft"))
	}
	readyTimeout := time.Minute
	if cfg.Clustered() {
		if err := n.startCluster(&mcfg, n.s3ln.Addr(), n.adminLn.Addr()); err != nil {
			return err
		}
		readyTimeout = 0 // the other nodes may take their time: wait until ctx ends
	} else if err = n.useNodeKey(&mcfg); err != nil {
		return err
	}
	if n.meta, err = meta.Open(ctx, mcfg); err != nil {
		return fmt.Errorf("node: open metadata: %w", err)
	}
	if err := n.waitReady(ctx, readyTimeout); err != nil {
		return fmt.Errorf("node: metadata not ready: %w", err)
	}
	if err := n.ensureRoot(ctx); err != nil {
		return err
	}
	bcfg := blob.DefaultConfig()
	bcfg.NodeID, bcfg.Dir, bcfg.Logger = cfg.NodeID, filepath.Join(cfg.DataDir, "blob"), cfg.Logger
	bcfg.SiteID = n.meta.ClusterID // orders replicated versions at an HLC tie by site
	cfg.Tuning.apply(&bcfg)
	if bcfg.EncryptionKey, err = encryptionKey(mcfg.SecretKey); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.configureBlobCluster(&bcfg)
	if err := bcfg.Validate(); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if n.store, err = blob.Open(bcfg); err != nil {
		return fmt.Errorf("node: open object store: %w", err)
	}
	n.serveBlobCluster()
	if err := n.startLifecycle(); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	scfg := s3api.DefaultConfig()
	scfg.LifecycleDay = n.lifecycle.Day()
	scfg.Region, scfg.RegionStrict, scfg.Domain, scfg.Logger = cfg.Region, cfg.RegionStrict, cfg.Domain, cfg.Logger
	if cfg.MaxObjectSize != 0 {
		scfg.MaxObjectSize = cfg.MaxObjectSize
	}
	if err := n.configureSecurity(&scfg); err != nil {
		return err
	}
	n.buckets = &bucketStats{n: n}
	scfg.Quota = quota.New(quota.Config{Keep: quotaKeep(bcfg.UsageMaxAge)}, n.buckets)
	n.metrics = n.newMetrics()
	n.HandleRPC(trafficPath, http.HandlerFunc(n.serveTraffic))
	n.HandleRPC(siteSyncStatusPath, http.HandlerFunc(n.serveSiteSyncStatus))
	n.HandleRPC(auditPath, http.HandlerFunc(n.serveAudit))
	scfg.Middleware = append(scfg.Middleware, n.metrics.S3Middleware(), n.refuseOnceLeft)
	api, err := s3api.New(scfg, n.meta, n.store)
	if err != nil {
		return err
	}
	n.s3, n.s3URL = n.serve(n.s3ln, api.Handler(), s3Refusal)
	ui, err := n.consoleHandler(scfg)
	if err != nil {
		return err
	}
	adminHandler, err := n.adminHandler(ui)
	if err != nil {
		return err
	}
	n.admin, n.adminURL = n.serve(n.adminLn, adminHandler, adminRefusal)
	if err := n.serveConsole(ui); err != nil {
		return err
	}
	return n.startSiteSync()
}

// waitReady waits until meta is ready: within timeout on a single node; in a
// cluster (timeout 0) until ctx ends, while the node starts serving the node-to-node
// API and joins the others.
func (n *Node) waitReady(ctx context.Context, timeout time.Duration) error {
	if n.cl == nil {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return n.meta.WaitReady(ctx)
	}
	n.serveRPC()
	n.startJoin()
	return n.waitClusterReady(ctx)
}

// serve starts an HTTP (or, with TLS, HTTPS) server on ln and returns it with its
// URL. The server holds each connection to the Limits: a cap on open connections
// (refusal answers those beyond it), and progress deadlines on headers, bodies and
// writes.
func (n *Node) serve(ln net.Listener, h http.Handler, refusal []byte) (*http.Server, string) {
	lim := n.cfg.Limits
	srv := &http.Server{
		Handler:           bodyProgress(h, lim.ReadProgressTimeout),
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		IdleTimeout:       lim.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelDebug),
	}
	var limited net.Listener = newLimitListener(ln, lim, refusal, tlsWrap(n.tls))
	scheme := "http://"
	if n.tls != nil {
		limited, scheme = tls.NewListener(limited, n.tls), "https://"
	}
	go func() {
		if err := srv.Serve(limited); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("http server stopped", "addr", ln.Addr(), "error", err)
		}
	}()
	return srv, scheme + displayAddr(ln.Addr().(*net.TCPAddr))
}

// displayAddr turns a wildcard listen address into one a client on this host can use.
func displayAddr(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, fmt.Sprint(a.Port))
}

// S3URL returns the S3 endpoint, e.g. "http://127.0.0.1:9000".
func (n *Node) S3URL() string { return n.s3URL }

// AdminURL returns the admin endpoint.
func (n *Node) AdminURL() string { return n.adminURL }

// RootCredentials returns the root access key and secret.
func (n *Node) RootCredentials() (accessKey, secretKey string) { return n.accessKey, n.secretKey }

// GeneratedRoot reports whether this start generated the root credentials, which is
// the one time they should be shown to the operator.
func (n *Node) GeneratedRoot() bool { return n.generated }

// Close shuts the node down gracefully, in order: it stops accepting S3 and admin
// requests and lets those in flight finish within the shutdown timeout; in a
// cluster it says goodbye to gossip and stops serving the node-to-node API; then it
// stops Raft, stops gossip and closes the stores.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
		defer cancel()
		var errs []error
		n.stopSiteSync() // it reads through this node's S3 endpoint
		for _, srv := range []*http.Server{n.s3, n.admin, n.console} {
			if srv != nil {
				if err := srv.Shutdown(ctx); err != nil {
					errs = append(errs, err, srv.Close())
				}
			}
		}
		if n.s3 == nil && n.s3ln != nil {
			errs = append(errs, n.s3ln.Close())
		}
		if n.admin == nil && n.adminLn != nil {
			errs = append(errs, n.adminLn.Close())
		}
		if n.stopLifecycle != nil {
			n.stopLifecycle()
			n.lifecycle.Wait()
		}
		if n.ui != nil {
			n.ui.Close()
		}
		errs = append(errs, n.closeClusterFront(ctx)...)
		if n.meta != nil {
			errs = append(errs, n.meta.Close())
		}
		errs = append(errs, n.closeClusterBack()...)
		if n.store != nil {
			errs = append(errs, n.store.Close())
		}
		errs = append(errs, n.closeAudit())
		if n.dirLock != nil {
			errs = append(errs, n.dirLock.Close()) // the lock goes with the descriptor
		}
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}

// Meta returns the node's cluster metadata (Raft).
func (n *Node) Meta() *meta.Meta { return n.meta }

// NodeID returns the node's id.
func (n *Node) NodeID() string { return n.cfg.NodeID }

// Config returns the node's configuration with the defaults filled in; Start(ctx,
// n.Config()) restarts it on the same data directory.
func (n *Node) Config() Config { return n.cfg }
