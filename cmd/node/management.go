package node

import (
	"math"
	"net/http"

	"github.com/cairnstore/cairn/s3api/management"
)

// ManagementAPI is the part of Config that the management API (/v1/s3/ on the admin
// address, docs/management-api.md) reads.
type ManagementAPI struct {
	// ManagementToken turns the management API on: every call but ping and version
	// must send it in X-Auth-Token. At least 16 characters; a long random string
	// (e.g. openssl rand -hex 32) is best. Default: none, and the API is off (404).
	// Flag --management-token; prefer the environment (CAIRN_MANAGEMENT_TOKEN),
	// which other users of the host cannot read from the process list.
	ManagementToken string
	// AccountName is the {account} every management path must name; any other gets
	// 404. Default: ClusterName, else "cairn". Flag --account-name.
	AccountName string
	// ManagementRateLimit is how many management requests per second one client
	// address may make, sustained; it may burst to twice that. Default 10. Lower
	// slows a misbehaving script sooner; every call is a few Raft writes.
	ManagementRateLimit float64
}

// managementAPI returns the management API's handler; with no token, the API is off
// and the handler answers 404 to everything.
func (n *Node) managementAPI() (http.Handler, error) {
	if n.cfg.ManagementToken == "" {
		return http.NotFoundHandler(), nil
	}
	mcfg := management.DefaultConfig()
	mcfg.Token, mcfg.Region, mcfg.S3URL, mcfg.Version = n.cfg.ManagementToken, n.cfg.Region, n.s3URL, n.cfg.Version
	switch {
	case n.cfg.AccountName != "":
		mcfg.Account = n.cfg.AccountName
	case n.cfg.ClusterName != "":
		mcfg.Account = n.cfg.ClusterName
	}
	if r := n.cfg.ManagementRateLimit; r > 0 {
		mcfg.RateLimit, mcfg.Burst = r, max(1, int(math.Ceil(2*r)))
	}
	mcfg.TrustedProxies, mcfg.AuditLog = n.cfg.TrustedProxies, n.audit
	mcfg.Metrics, mcfg.Registerer = n.metricsHandler(), n.metrics.Registerer()
	mcfg.Logger = n.log
	api, err := management.New(mcfg, n.meta, n.store)
	if err != nil {
		return nil, err
	}
	return api.Handler(), nil
}
