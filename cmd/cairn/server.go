package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/console"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/s3api/lockout"
)

// serverOptions are the settings of `cairn server` that are not part of node.Config.
type serverOptions struct {
	configFile  string
	checkConfig bool
	logLevel    string
	logFormat   string
	// Files to read a token from, so that the token is not on the command line.
	managementTokenFile string
	metricsTokenFile    string
	clusterSecretFile   string
	oidcSecretFile      string
}

func serverCommand() *cobra.Command {
	var cfg node.Config
	var opts serverOptions
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run a Cairn node",
		Long: `Run a Cairn node. Every setting is a flag, an environment variable
CAIRN_<FLAG> (e.g. CAIRN_S3_ADDR for --s3-addr) and a key of the YAML file given
with --config (e.g. s3-addr: ":9000"); a flag wins over the environment, which
wins over the file. Root credentials come from CAIRN_ROOT_ACCESS_KEY and
CAIRN_ROOT_SECRET_KEY (or the file keys root-access-key and root-secret-key); when
both are unset on the first start, random ones are generated and shown once (on a
terminal) or written to a 0600 file in the data directory.

A cluster (--join or --bootstrap-expect) needs CAIRN_CLUSTER_SECRET, a shared
secret of at least 16 characters, the same on every node; it is read from the
environment, the config file or --cluster-secret-file, never from a flag. Default
ports: 9000 S3, 9001 admin, 7946 gossip (TCP and UDP), 7947 Raft, 7948
node-to-node RPC. See docs/configuration.md and docs/cluster.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s := newSettings(cmd.Flags(), &cfg)
			problems := s.load(opts.configFile)
			problems = append(problems, readSecrets(&cfg, &opts)...)
			if opts.checkConfig {
				problems = append(problems, checkConfig(cfg, opts)...)
				return reportCheck(cmd.OutOrStdout(), opts.configFile, problems)
			}
			if len(problems) > 0 {
				return errors.Join(problems...)
			}
			logger, err := newLogger(os.Stderr, opts.logLevel, opts.logFormat)
			if err != nil {
				return err
			}
			slog.SetDefault(logger)
			cfg.Logger = logger
			cfg.Version = version
			n, err := node.Start(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if err := showCredentials(cmd.OutOrStdout(), n, logger); err != nil {
				_ = n.Close()
				return err
			}
			<-cmd.Context().Done()
			logger.Info("shutting down")
			return n.Close()
		},
	}
	registerServerFlags(cmd.Flags(), &cfg, &opts)
	return cmd
}

// registerServerFlags declares every setting of `cairn server` as a flag. The flag set
// is the one table of settings: the environment variables and the config file keys
// are derived from it (settings.go), and docs/configuration.md lists each (a test
// checks that it does).
func registerServerFlags(f *pflag.FlagSet, cfg *node.Config, opts *serverOptions) {
	bd, ld, lim := blob.DefaultConfig(), lockout.DefaultConfig(), node.DefaultLimits()

	// The command itself.
	f.StringVar(&opts.configFile, "config", "", "YAML file of settings, keys named as these flags (see docs/configuration.md)")
	f.BoolVar(&opts.checkConfig, "check-config", false, "check the settings (file, environment, flags), print every problem and exit")
	f.StringVar(&opts.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&opts.logFormat, "log-format", "text", "log format: text or json (one JSON object per line)")

	// Listeners and identity.
	f.StringVar(&cfg.DataDir, "data", "./data", "directory for all of the node's state")
	f.StringVar(&cfg.S3Addr, "s3-addr", ":9000", "S3 API listen address")
	f.StringVar(&cfg.AdminAddr, "admin-addr", ":9001", "admin API listen address (admin API, health, metrics, and the web console at /)")
	f.StringVar(&cfg.ConsoleAddr, "console-addr", "", "an extra listen address serving the web console alone (it is always on --admin-addr at /)")
	f.DurationVar(&cfg.ConsoleSessionTTL, "console-session-ttl", console.DefaultSessionTTL, "longest a web console session lives after sign-in")
	f.DurationVar(&cfg.ConsoleIdleTimeout, "console-idle-timeout", console.DefaultIdleTimeout, "end a web console session unused for this long")
	f.StringSliceVar(&cfg.ConsoleMounts, "console-mount", nil, "a named, branded view of a bucket or folder in the web console at /m/NAME/: NAME=BUCKET[/FOLDER][;title=TITLE][;logo=FILE|logo_url=https://...][;link=URL][;ext=jpg|png]; repeat for more")
	cfg.ConsoleListCache = new(time.Duration)
	f.DurationVar(cfg.ConsoleListCache, "console-list-cache", console.DefaultListCacheTTL, "how long the web console caches a folder page for the user who listed it (its own writes refresh it at once); 0 turns the cache off")
	f.StringVar(&cfg.ConsoleOIDC.Issuer, "console-oidc-issuer", "", "single sign-on for the web console: the OpenID Connect provider's issuer URL (off when empty)")
	f.StringVar(&cfg.ConsoleOIDC.ClientID, "console-oidc-client-id", "", "the web console's OpenID Connect client id")
	f.StringVar(&opts.oidcSecretFile, "console-oidc-client-secret-file", "", "file holding the web console's OpenID Connect client secret (instead of CAIRN_CONSOLE_OIDC_CLIENT_SECRET)")
	f.StringVar(&cfg.ConsoleOIDC.RedirectURL, "console-oidc-redirect-url", "", "the web console's /sso/callback URL as browsers reach it, as registered at the provider")
	f.StringSliceVar(&cfg.ConsoleOIDC.Scopes, "console-oidc-scopes", []string{"profile", "email"}, "OpenID Connect scopes asked for besides openid")
	f.StringVar(&cfg.ConsoleOIDC.UserClaim, "console-oidc-user-claim", "preferred_username", "the ID token claim that names the Cairn user (e.g. preferred_username or email)")
	f.StringVar(&cfg.ConsoleOIDC.GroupsClaim, "console-oidc-groups-claim", "groups", "the ID token claim listing the user's groups at the provider, for --console-oidc-group-map")
	f.StringSliceVar(&cfg.ConsoleOIDCGroupMap, "console-oidc-group-map", nil, "CLAIM=GROUP: at each single sign-on, make the user a member of GROUP exactly when the groups claim holds CLAIM (groups not mapped are never touched); repeat for more")
	f.StringVar(&cfg.ConsoleTrustedHeader, "console-trusted-header", "", "for a web console behind an authenticating proxy: the header naming the signed-in user, e.g. X-Forwarded-User (off when empty)")
	f.StringSliceVar(&cfg.ConsoleTrustedHeaderSources, "console-trusted-header-sources", nil, "addresses or CIDR prefixes of the authenticating proxy; --console-trusted-header is ignored on connections from anywhere else")
	f.StringVar(&cfg.NodeID, "node-id", "", "stable name of this node (default: the host name)")
	f.StringVar(&cfg.Domain, "domain", "", "enable virtual-host-style requests for BUCKET.DOMAIN")
	f.StringVar(&cfg.Region, "region", "us-east-1", "region of buckets created without a LocationConstraint; signatures for any region are accepted unless --region-strict")
	f.BoolVar(&cfg.RegionStrict, "region-strict", false, "pin --region: refuse signatures for another region and CreateBucket with another LocationConstraint, as AWS does")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "PEM certificate chain: serve S3 and admin over HTTPS (reloaded when the file changes)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "PEM private key of --tls-cert")
	f.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a shutdown waits for requests in flight")

	// Cluster.
	f.StringVar(&cfg.RaftAddr, "raft-addr", "", "Raft listen address (default :7947 in a cluster, 127.0.0.1:0 for a single node)")
	f.StringSliceVar(&cfg.Join, "join", nil, "gossip addresses HOST:PORT[,HOST:PORT...] of nodes already in the cluster")
	f.StringVar(&cfg.GossipAddr, "gossip-addr", node.DefaultGossipAddr, "gossip listen address, TCP and UDP (cluster only)")
	f.StringVar(&cfg.RPCAddr, "rpc-addr", node.DefaultRPCAddr, "node-to-node API listen address (cluster only)")
	f.StringVar(&cfg.AdvertiseAddr, "advertise-addr", "", "IP or host name other nodes use to reach this one (default: the bind address, or the first private IP)")
	f.IntVar(&cfg.BootstrapExpect, "bootstrap-expect", 0, "form a new cluster once this many nodes see each other (the lowest node id bootstraps)")
	f.StringVar(&cfg.Zone, "zone", "", "failure domain of this node; replicas go to distinct zones")
	f.Uint64Var(&cfg.Capacity, "capacity", 1, "relative storage weight of this node in the layout")
	f.StringVar(&cfg.ClusterName, "cluster-name", "cairn", "the cluster's name in the admin API (give every node the same)")
	f.StringVar(&opts.clusterSecretFile, "cluster-secret-file", "", "file holding the cluster secret (instead of CAIRN_CLUSTER_SECRET)")
	f.Int64Var(&cfg.RPCMaxBody, "rpc-max-body", node.DefaultRPCMaxBody, "largest node-to-node request body, in bytes")
	f.DurationVar(&cfg.Timings.RaftHeartbeat, "raft-heartbeat", time.Second, "Raft heartbeat and election timeout (cluster only): how soon a dead leader is noticed (a leader that hears from no quorum for half of it steps down); raise across slow links or on overloaded hosts")

	// Security.
	f.StringVar(&cfg.AuditLog, "audit-log", "", "audit log: a file to append JSON lines to, or - for standard output (default: none)")
	f.IntVar(&cfg.TrustedProxies, "trusted-proxies", 0, "number of reverse proxies in front of the node whose X-Forwarded-For entries are trusted")
	f.IntVar(&cfg.AuthLockout.MaxFailures, "lockout-max-failures", ld.MaxFailures, "failed authentications for one access key from one client address within --lockout-window that lock that key out at that address; -1 disables the lockout")
	f.IntVar(&cfg.AuthLockout.MaxAddressFailures, "lockout-max-address-failures", ld.MaxAddressFailures, "failed authentications from one client address, whatever keys they name, within --lockout-window that lock the whole address out")
	f.DurationVar(&cfg.AuthLockout.Window, "lockout-window", ld.Window, "period over which failed authentications are counted")
	f.DurationVar(&cfg.AuthLockout.Duration, "lockout-duration", ld.Duration, "how long a locked-out source is refused")
	f.IntVar(&cfg.AuthLockout.MaxSources, "lockout-max-sources", ld.MaxSources, "most sources the lockout tracks at once (about 100 bytes each)")
	f.StringVar(&cfg.ManagementToken, "management-token", "", "turns on the management API (/v1/s3/ on the admin address) with this X-Auth-Token; prefer --management-token-file or CAIRN_MANAGEMENT_TOKEN")
	f.StringVar(&opts.managementTokenFile, "management-token-file", "", "file holding the management token (not visible in ps)")
	f.StringVar(&cfg.AccountName, "account-name", "", "the {account} of management API paths (default: --cluster-name)")
	f.Float64Var(&cfg.ManagementRateLimit, "management-rate-limit", 10, "management API requests per second per client address (bursts of twice that)")
	f.StringVar(&cfg.MetricsToken, "metrics-token", "", "bearer token /metrics requires (default: none, open on the admin address); prefer --metrics-token-file or CAIRN_METRICS_TOKEN")
	f.IntVar(&cfg.MetricsBucketLabels, "metrics-bucket-labels", 20, "buckets given their own label in the per-bucket metrics (the busiest and the largest); the rest are summed under bucket=\"_other\"")
	f.StringSliceVar(&cfg.MetricsLabelBuckets, "metrics-label-buckets", nil, "buckets that always get their own label in the per-bucket metrics, besides --metrics-bucket-labels")
	f.StringVar(&opts.metricsTokenFile, "metrics-token-file", "", "file holding the metrics token (not visible in ps)")

	// Connections.
	f.IntVar(&cfg.MaxConnections, "max-connections", lim.MaxConnections, "open connections per listener (S3, admin); beyond it clients get 503 SlowDown")
	f.DurationVar(&cfg.WriteProgressTimeout, "write-progress-timeout", lim.WriteProgressTimeout, "close a connection whose client reads nothing of a response for this long")
	f.DurationVar(&cfg.ReadProgressTimeout, "read-progress-timeout", lim.ReadProgressTimeout, "end a request whose body stalls (under 4 KiB arrive) for this long with 400 RequestTimeout")
	f.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", lim.ReadHeaderTimeout, "longest time to read a request's headers")
	f.DurationVar(&cfg.IdleTimeout, "idle-timeout", lim.IdleTimeout, "close a keep-alive connection idle this long")

	// Object store.
	lc := lifecycle.DefaultConfig()
	f.Int64Var(&cfg.MaxObjectSize, "max-object-size", 5<<30, "largest single PUT or part, in bytes")
	f.IntVar(&cfg.InlineLimit, "inline-limit", bd.InlineLimit, "largest object kept inside its version record instead of in blocks, in bytes")
	f.IntVar(&cfg.PipelineDepth, "pipeline-depth", bd.PipelineDepth, "blocks of one upload hashed and written at once")
	f.DurationVar(&cfg.GCGrace, "gc-grace", bd.GCGrace, "how long an unreferenced block is kept before garbage collection removes it")
	f.DurationVar(&cfg.GCInterval, "gc-interval", bd.GCInterval, "period of garbage collection; negative disables it")
	f.DurationVar(&cfg.OrphanGrace, "orphan-grace", bd.OrphanGrace, "how long the blocks of a failed write are kept before garbage collection removes them")
	f.DurationVar(&cfg.TombstoneGrace, "tombstone-grace", bd.TombstoneGrace, "how long a delete's tombstone is kept")
	f.DurationVar(&cfg.BlobRPCTimeout, "rpc-timeout", bd.RPCTimeout, "bound on each object-store call to another node")
	f.DurationVar(&cfg.SyncInterval, "sync-interval", bd.SyncInterval, "period of anti-entropy between the owners of each partition; negative disables it")
	f.DurationVar(&cfg.ScrubInterval, "scrub-interval", bd.ScrubInterval, "pause between two passes of the integrity scanner, which checks every local block against its SHA-256 and every inline record against its checksum; negative turns it off")
	f.Int64Var(&cfg.ScrubRate, "scrub-rate", bd.ScrubRate, "most bytes a second the scrubber reads; negative means no limit")
	f.DurationVar(&cfg.LifecycleInterval, "lifecycle-interval", lc.Interval, "time between the starts of two runs of the lifecycle engine, which applies buckets' lifecycle rules; negative turns it off")
	f.DurationVar(&cfg.LifecycleDay, "lifecycle-day", lc.Day, "length of a lifecycle \"day\" (Days 1 in a rule = one of these); shorten it only for tests and demonstrations")
	f.DurationVar(&cfg.UsageMaxAge, "usage-max-age", bd.UsageMaxAge, "how long usage figures (objects, blocks, per-bucket usage) are reused before the index is counted again; negative counts on every request")
}

// newLogger makes the root logger: text or JSON lines on w, from level.
func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
