package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// healthcheckCommand probes a node's health endpoint and exits non-zero unless it
// answers 200. It exists for container HEALTHCHECKs: the image has no shell or curl.
func healthcheckCommand() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the local node is ready (GET /health/ready), 1 if not",
		Long: `Exit 0 if the node answers 200 on its readiness endpoint, 1 otherwise.
The default URL is http://127.0.0.1:PORT/health/ready with PORT taken from
CAIRN_ADMIN_ADDR (default 9001), so it needs no arguments inside the image.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				url = defaultHealthURL(os.Getenv(envName("admin-addr")))
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			if err := probe(ctx, url); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "ready")
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to GET (default: /health/ready on the local admin port)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "give up after this long")
	return cmd
}

// defaultHealthURL is the readiness URL on loopback for an --admin-addr value.
func defaultHealthURL(adminAddr string) string {
	port := "9001"
	if _, p, err := net.SplitHostPort(adminAddr); err == nil && p != "" {
		port = p
	}
	return "http://127.0.0.1:" + port + "/health/ready"
}

// probe GETs url and fails unless the answer is 200 OK.
func probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
