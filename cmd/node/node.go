// Package node assembles one Cairn node — metadata (Raft), the object layer, the S3
// API and the admin endpoints — from a Config. cmd/cairn and tests use it.
package node

import (
	"context"
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
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api"
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
	// RaftAddr is the Raft transport address. Default "127.0.0.1:0" for a single node.
	RaftAddr string
	// Domain enables virtual-host-style requests for BUCKET.Domain. Empty: path style only.
	Domain string
	// Region is the region the node reports and expects in signatures. Default us-east-1.
	Region string
	// RootAccessKey and RootSecretKey set the root credentials; when both are empty on
	// the first start, random ones are generated (see Node.GeneratedRoot).
	RootAccessKey string
	RootSecretKey string
	// ShutdownTimeout bounds how long Close waits for in-flight requests. Default 30s.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
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
	if c.S3Addr == "" {
		c.S3Addr = ":9000"
	}
	if c.AdminAddr == "" {
		c.AdminAddr = ":9001"
	}
	if c.RaftAddr == "" {
		c.RaftAddr = "127.0.0.1:0"
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
	meta      *meta.Meta
	store     *blob.Store
	s3        *http.Server
	admin     *http.Server
	s3URL     string
	adminURL  string
	accessKey string
	secretKey string
	generated bool
	closeOnce sync.Once
	closeErr  error
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
	secret, err := loadOrCreateKey(filepath.Join(cfg.DataDir, "node.key"))
	if err != nil {
		return err
	}
	n.meta, err = meta.Open(ctx, meta.Config{
		NodeID: cfg.NodeID, Dir: filepath.Join(cfg.DataDir, "meta"), RaftAddr: cfg.RaftAddr,
		SecretKey: secret, Bootstrap: true, Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("node: open metadata: %w", err)
	}
	readyCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := n.meta.WaitReady(readyCtx); err != nil {
		return fmt.Errorf("node: metadata not ready: %w", err)
	}
	if err := n.ensureRoot(ctx); err != nil {
		return err
	}
	bcfg := blob.DefaultConfig()
	bcfg.NodeID, bcfg.Dir, bcfg.Logger = cfg.NodeID, filepath.Join(cfg.DataDir, "blob"), cfg.Logger
	if n.store, err = blob.Open(bcfg); err != nil {
		return fmt.Errorf("node: open object store: %w", err)
	}
	scfg := s3api.DefaultConfig()
	scfg.Region, scfg.Domain, scfg.Logger = cfg.Region, cfg.Domain, cfg.Logger
	api, err := s3api.New(scfg, n.meta, n.store)
	if err != nil {
		return err
	}
	if n.s3, n.s3URL, err = serve(cfg.S3Addr, api.Handler(), n.log); err != nil {
		return fmt.Errorf("node: S3 listener: %w", err)
	}
	if n.admin, n.adminURL, err = serve(cfg.AdminAddr, n.adminHandler(), n.log); err != nil {
		return fmt.Errorf("node: admin listener: %w", err)
	}
	return nil
}

// serve starts an HTTP server on addr and returns it with its URL.
func serve(addr string, h http.Handler, log *slog.Logger) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "addr", addr, "error", err)
		}
	}()
	return srv, "http://" + displayAddr(ln.Addr().(*net.TCPAddr)), nil
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

// Close shuts the node down gracefully: it stops accepting, lets in-flight requests
// finish within the shutdown timeout, then closes the object store and Raft.
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
		defer cancel()
		var errs []error
		for _, srv := range []*http.Server{n.s3, n.admin} {
			if srv != nil {
				if err := srv.Shutdown(ctx); err != nil {
					errs = append(errs, err, srv.Close())
				}
			}
		}
		if n.store != nil {
			errs = append(errs, n.store.Close())
		}
		if n.meta != nil {
			errs = append(errs, n.meta.Close())
		}
		n.closeErr = errors.Join(errs...)
	})
	return n.closeErr
}
