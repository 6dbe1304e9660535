package meta

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
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

// openVoterPair opens two voters in this process: n1 bootstraps, n2 joins as a voter
// added by n1. Both register with reg, send their forwarded writes through via (reg
// itself, or a wrapper of it), and run with the given Raft heartbeat and election
// timeout (the leader lease is half of it): slower than the defaults, so that a
// loaded machine keeps leadership stable. It returns once n2 has caught up.
func openVoterPair(t *testing.T, reg *testForwarder, via Forwarder, timeout time.Duration) (n1, n2 *Meta) {
	t.Helper()
	cfg1, _ := testConfig(t, "n1", t.TempDir())
	cfg2, _ := testConfig(t, "n2", t.TempDir())
	for _, c := range []*Config{&cfg1, &cfg2} {
		c.HeartbeatTimeout, c.ElectionTimeout, c.LeaderLeaseTimeout = timeout, timeout, timeout/2
		c.Forwarder = via
	}
	cfg2.Bootstrap = false
	n1 = openNode(t, cfg1)
	reg.add(n1)
	n2, err := Open(context.Background(), cfg2)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n2.Close() })
	reg.add(n2)
	require.NoError(t, n1.raft.AddVoter(raft.ServerID("n2"), raft.ServerAddress(n2.RaftAddr()), 0, 0).Error())
	require.NoError(t, n2.WaitReady(testCtx(t)), "a follower catches up through the leader's read index")
	return n1, n2
}

// restoredCopy returns a new FSM restored from a snapshot of f.
func restoredCopy(t *testing.T, f *fsm) *fsm {
	t.Helper()
	snap, err := f.Snapshot()
	require.NoError(t, err)
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	return g
}
