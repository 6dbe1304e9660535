// Command cairn is the Cairn object store: `cairn server` runs a node, `cairn admin`
// manages a cluster through its admin API, `cairn bench` measures an S3 endpoint, and
// `cairn version` (or `cairn --version`) prints the version.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cairnstore/cairn/bench"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "cairn:", err)
		os.Exit(1)
	}
}

// rootCommand is the cairn command with its subcommands.
func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "cairn",
		Short:         "Cairn is a distributed, S3-compatible object store",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.SetVersionTemplate("cairn {{.Version}}\n")
	root.AddCommand(serverCommand(), adminCommand(), bench.NewCommand(), versionCommand(), healthcheckCommand())
	return root
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "cairn", version)
		},
	}
}
