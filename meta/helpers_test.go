package meta

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testSecretKey is the SecretKey of every test node.
var testSecretKey = bytes.Repeat([]byte{0x5a}, secretKeySize)

// logBuffer collects a node's logs; they are printed if the test fails, and some tests
// search them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testConfig is a bootstrapping single-node config in dir with shortened timings and
// logs (every level, raft's trace included) going to a buffer.
func testConfig(t *testing.T, nodeID, dir string) (Config, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs of %s:\n%s", nodeID, logs)
		}
	})
	return Config{
		NodeID:             nodeID,
		Dir:                dir,
		RaftAddr:           "127.0.0.1:0",
		SecretKey:          testSecretKey,
		Bootstrap:          true,
		Zone:               "z1",
		Capacity:           1,
		Logger:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug - 4})),
		HeartbeatTimeout:   50 * time.Millisecond,
		ElectionTimeout:    50 * time.Millisecond,
		LeaderLeaseTimeout: 50 * time.Millisecond,
		CommitTimeout:      5 * time.Millisecond,
		RequestTimeout:     10 * time.Second,
	}, logs
}

// openNode opens a Meta, closes it at the end of the test, and waits until it is ready.
func openNode(t *testing.T, cfg Config) *Meta {
	t.Helper()
	m, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, m.WaitReady(ctx))
	return m
}

// testCtx is a context that ends with the test or after 10s.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil polls cond until it holds, failing the test after 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		<-tick.C
	}
}

// isLeader reports whether m is the Raft leader.
func isLeader(m *Meta) bool {
	state, _, _, _, _ := m.RaftState()
	return state == "Leader"
}
