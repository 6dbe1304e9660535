package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/cmd/node"
)

func serverCommand() *cobra.Command {
	var cfg node.Config
	var logLevel string
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a Cairn node",
		Long: `Run a Cairn node. Every flag can also be set with an environment variable
CAIRN_<FLAG>, e.g. CAIRN_S3_ADDR for --s3-addr. Root credentials come from
CAIRN_ROOT_ACCESS_KEY and CAIRN_ROOT_SECRET_KEY; when both are unset on the first
start, random ones are generated and printed once.

A cluster (--join or --bootstrap-expect) needs CAIRN_CLUSTER_SECRET, a shared
secret of at least 16 characters, the same on every node; it is read from the
environment only, never from a flag. Default ports: 9000 S3, 9001 admin, 7946
gossip (TCP and UDP), 7947 Raft, 7948 node-to-node RPC. See docs/cluster.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
			slog.SetDefault(logger)
			cfg.Logger = logger
			cfg.RootAccessKey = os.Getenv("CAIRN_ROOT_ACCESS_KEY")
			cfg.RootSecretKey = os.Getenv("CAIRN_ROOT_SECRET_KEY")
			cfg.ClusterSecret = os.Getenv("CAIRN_CLUSTER_SECRET") // never a flag: ps shows flags
			cfg.Version = version
			n, err := node.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			printBanner(cmd, n)
			<-cmd.Context().Done()
			logger.Info("shutting down")
			return n.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data", "./data", "directory for all of the node's state")
	f.StringVar(&cfg.S3Addr, "s3-addr", ":9000", "S3 API listen address")
	f.StringVar(&cfg.AdminAddr, "admin-addr", ":9001", "admin API listen address (admin API, health, metrics)")
	f.StringVar(&cfg.RaftAddr, "raft-addr", "", "Raft listen address (default :7947 in a cluster, 127.0.0.1:0 for a single node)")
	f.StringSliceVar(&cfg.Join, "join", nil, "gossip addresses HOST:PORT[,HOST:PORT...] of nodes already in the cluster")
	f.StringVar(&cfg.GossipAddr, "gossip-addr", node.DefaultGossipAddr, "gossip listen address, TCP and UDP (cluster only)")
	f.StringVar(&cfg.RPCAddr, "rpc-addr", node.DefaultRPCAddr, "node-to-node API listen address (cluster only)")
	f.StringVar(&cfg.AdvertiseAddr, "advertise-addr", "", "IP or host name other nodes use to reach this one (default: the bind address, or the first private IP)")
	f.IntVar(&cfg.BootstrapExpect, "bootstrap-expect", 0, "form a new cluster once this many nodes see each other (the lowest node id bootstraps)")
	f.StringVar(&cfg.Zone, "zone", "", "failure domain of this node; replicas go to distinct zones")
	f.Uint64Var(&cfg.Capacity, "capacity", 1, "relative storage weight of this node in the layout")
	f.StringVar(&cfg.NodeID, "node-id", "", "stable name of this node (default: the host name)")
	f.StringVar(&cfg.Domain, "domain", "", "enable virtual-host-style requests for BUCKET.DOMAIN")
	f.StringVar(&cfg.Region, "region", "us-east-1", "region reported to clients and expected in signatures")
	f.StringVar(&cfg.ClusterName, "cluster-name", "cairn", "the cluster's name in the admin API (give every node the same)")
	f.StringVar(&cfg.AuditLog, "audit-log", "", "audit log: a file to append JSON lines to, or - for standard output (default: none)")
	f.IntVar(&cfg.TrustedProxies, "trusted-proxies", 0, "number of reverse proxies in front of the node whose X-Forwarded-For entries are trusted")
	f.StringVar(&cfg.ManagementToken, "management-token", "", "turns on the management API (/v1/s3/ on the admin address) with this X-Auth-Token; prefer CAIRN_MANAGEMENT_TOKEN")
	f.StringVar(&cfg.AccountName, "account-name", "", "the {account} of management API paths (default: --cluster-name)")
	f.Float64Var(&cfg.ManagementRateLimit, "management-rate-limit", 10, "management API requests per second per client address (bursts of twice that)")
	f.StringVar(&cfg.MetricsToken, "metrics-token", "", "bearer token /metrics requires (default: none, open on the admin address); prefer CAIRN_METRICS_TOKEN")
	f.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// printBanner tells the operator where the node listens and how to log in. The secret
// is printed only when this start generated it; it is never logged.
func printBanner(cmd *cobra.Command, n *node.Node) {
	out := cmd.OutOrStdout()
	access, secret := n.RootCredentials()
	fmt.Fprintf(out, "Cairn is running.\n  S3 endpoint:    %s\n  Admin endpoint: %s\n  Access key:     %s\n", n.S3URL(), n.AdminURL(), access)
	switch {
	case n.GeneratedRoot():
		fmt.Fprintf(out, "  Secret key:     %s\n  These root credentials were generated now and are shown only this once; keep them safe.\n", secret)
	case os.Getenv("CAIRN_ROOT_SECRET_KEY") != "":
		fmt.Fprintln(out, "  Secret key:     (from CAIRN_ROOT_SECRET_KEY)")
	default:
		fmt.Fprintln(out, "  Secret key:     (printed when it was generated; set CAIRN_ROOT_ACCESS_KEY and CAIRN_ROOT_SECRET_KEY to replace it)")
	}
}
