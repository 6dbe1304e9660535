package meta

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
)

func TestHCLogAdapter(t *testing.T) {
	var buf bytes.Buffer
	h := newHCLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "raft"))

	h.Info("entering leader state", "leader", "127.0.0.1:7000")
	require.Contains(t, buf.String(), `level=INFO msg="entering leader state" component=raft leader=127.0.0.1:7000`)
	buf.Reset()

	h.Debug("hidden")
	h.Trace("hidden")
	require.Empty(t, buf.String(), "the handler's level filters")
	require.False(t, h.IsDebug())
	require.False(t, h.IsTrace())
	require.True(t, h.IsInfo())
	require.Equal(t, hclog.Info, h.GetLevel())

	n := h.Named("snapshot").Named("file").With("k", 1)
	require.Equal(t, "snapshot.file", n.Name())
	require.Equal(t, []any{"k", 1}, n.ImpliedArgs())
	n.Warn("slow", "ms", 12)
	require.Contains(t, buf.String(), `level=WARN msg=slow component=raft k=1 subsystem=snapshot.file ms=12`)
	buf.Reset()

	require.Equal(t, "other", n.ResetNamed("other").Name())

	h.SetLevel(hclog.Error)
	h.Warn("hidden")
	require.Empty(t, buf.String(), "SetLevel raises the floor")
	require.Equal(t, hclog.Error, n.GetLevel(), "derived loggers share the level")
	h.Error("shown")
	require.Contains(t, buf.String(), "level=ERROR msg=shown")
	buf.Reset()

	h.SetLevel(hclog.NoLevel)
	h.Info("initial configuration", "servers", hclog.Fmt("%+v", []int{1, 2}), "id", hclog.Hex(255), "q", hclog.Quote("a b"))
	require.Contains(t, buf.String(), `servers="[1 2]" id=0xff q="\"a b\""`)
	buf.Reset()

	h.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Warn}).Print("from log")
	require.Contains(t, buf.String(), `level=WARN msg="from log"`)
}

// TestHCLogAdapterHoldsBackRepeatsAboutAPeer: raft's errors about a peer that is down
// (a heartbeat failure every ~200 ms) are logged once, then at most once a minute.
func TestHCLogAdapterHoldsBackRepeatsAboutAPeer(t *testing.T) {
	var buf bytes.Buffer
	h := newHCLogger(slog.New(slog.NewTextHandler(&buf, nil)))
	repl := h.Named("replication")
	for range 300 {
		repl.Error("failed to heartbeat to", "peer", "127.0.0.1:7001", "backoff time", "10ms", "error", "dial tcp: connection refused")
		h.Warn("failed to contact", "server-id", "node3", "time", "1s")
		h.Error("failed to make requestVote RPC", "target", "{Voter node3 127.0.0.1:7001}", "error", "refused", "term", 4)
	}
	require.Equal(t, 1, strings.Count(buf.String(), "requestVote"))
	require.Equal(t, 1, strings.Count(buf.String(), "failed to heartbeat to"))
	require.Equal(t, 1, strings.Count(buf.String(), "failed to contact"))
	repl.Error("failed to heartbeat to", "peer", "127.0.0.1:7002", "error", "refused")
	require.Equal(t, 2, strings.Count(buf.String(), "failed to heartbeat to"), "another peer is reported at once")
	h.Info("entering follower state", "peer", "x")
	h.Info("entering follower state", "peer", "x")
	require.Equal(t, 2, strings.Count(buf.String(), "entering follower state"), "informational lines are not held back")
}
