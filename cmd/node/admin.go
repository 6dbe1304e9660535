package node

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/management"
)

// adminHandler builds what the admin address serves. Each surface is mounted with
// one line here; the admin API checks its own signatures, the health endpoints
// answer without authentication so load balancers and orchestrators can probe them.
func (n *Node) adminHandler(ui http.Handler) (http.Handler, error) {
	api, err := n.adminAPI()
	if err != nil {
		return nil, err
	}
	mgmt, err := n.managementAPI()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/health/", n.healthHandler())
	mux.Handle(admin.Prefix+"/", api.Handler())
	mux.Handle("/metrics", n.metricsHandler())
	mux.Handle(management.Prefix, mgmt)
	mux.Handle("/", ui) // the web console: every path not matched above
	return mux, nil
}

// AdminAPI is the part of Config that only the admin API reads.
type AdminAPI struct {
	// ClusterName is the cluster's name in GET /admin/v1/cluster. Default "cairn".
	// Flag --cluster-name; give every node the same one.
	ClusterName string
}

// adminAPI is the admin API (/admin/v1/) over this node's metadata, with the same
// region, trusted proxies, lockout settings and audit log as the S3 API.
func (n *Node) adminAPI() (*admin.Server, error) {
	return newAdmin(n.adminConfig())
}

// newAdmin is admin.New.
var newAdmin = admin.New

// adminConfig is the admin API's configuration and dependencies on this node.
func (n *Node) adminConfig() (admin.Config, admin.Deps) {
	acfg := admin.DefaultConfig()
	acfg.NodeID, acfg.Version, acfg.Region, acfg.RegionStrict = n.cfg.NodeID, n.cfg.Version, n.cfg.Region, n.cfg.RegionStrict
	acfg.S3Addr = displayAddr(n.s3ln.Addr().(*net.TCPAddr))
	acfg.AdminAddr = displayAddr(n.adminLn.Addr().(*net.TCPAddr))
	if n.cfg.ClusterName != "" {
		acfg.ClusterName = n.cfg.ClusterName
	}
	acfg.TrustedProxies, acfg.Lockout, acfg.Limiter, acfg.AuditLog = n.cfg.TrustedProxies, n.cfg.AuthLockout, n.lockout, n.audit
	acfg.Logger = n.log
	deps := admin.Deps{Meta: n.meta, Stats: &adminStats{n: n}, BucketStats: n.buckets, Replication: n.meta, SiteSync: siteSyncStatus{n}, Audit: clusterAudit{n}}
	if n.store != nil {
		deps.Maintenance = n.store
	}
	if n.lifecycle != nil {
		deps.Lifecycle = n.lifecycle
	}
	return acfg, deps
}

// healthHandler serves /health/live and /health/ready.
func (n *Node) healthHandler() http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/health/live", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/health/ready", func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if n.cl != nil && n.meta.Left() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "this node has left the cluster"})
		}
		// A cluster node is ready while it can serve objects: a Raft leader is not
		// needed for that (metadata reads are local), and asking for one took every
		// node out of the load balancer during each election (seconds, with the 1s
		// heartbeat). The node only serves once its metadata was ready at start.
		if n.cl == nil {
			if err := n.meta.WaitReady(ctx); err != nil {
				return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "no raft leader"})
			}
		}
		if ok, why := n.dataPlaneReady(); !ok {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": why})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	return e
}
