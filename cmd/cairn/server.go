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
start, random ones are generated and printed once.`,
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
	f.StringVar(&cfg.AdminAddr, "admin-addr", ":9001", "admin API listen address (health, metrics)")
	f.StringVar(&cfg.RaftAddr, "raft-addr", "127.0.0.1:0", "Raft transport listen address")
	f.StringVar(&cfg.NodeID, "node-id", "", "stable name of this node (default: the host name)")
	f.StringVar(&cfg.Domain, "domain", "", "enable virtual-host-style requests for BUCKET.DOMAIN")
	f.StringVar(&cfg.Region, "region", "us-east-1", "region reported to clients and expected in signatures")
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
