// Package nodetest starts in-process Cairn nodes for tests, on loopback ports with
// their data in a test's temporary directory.
package nodetest

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/cairnstore/cairn/cmd/node"
)

// Start starts a single node on 127.0.0.1 ephemeral ports with fixed test root
// credentials and stops it when the test ends. Options adjust the configuration.
func Start(t testing.TB, options ...func(*node.Config)) *node.Node {
	t.Helper()
	cfg := node.Config{
		DataDir:       t.TempDir(),
		S3Addr:        "127.0.0.1:0",
		AdminAddr:     "127.0.0.1:0",
		RaftAddr:      "127.0.0.1:0",
		NodeID:        "test-node",
		RootAccessKey: "TESTROOTACCESSKEY0001",
		RootSecretKey: "test-root-secret-key-0123456789abcdef",
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	}
	for _, o := range options {
		o(&cfg)
	}
	n, err := node.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}
