package metrics

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fakeRaft struct{}

func (fakeRaft) RaftState() (string, string, uint64, uint64, uint64) {
	return "Leader", "127.0.0.1:7947", 3, 42, 41
}

type fakeCluster struct {
	nodes []meta.NodeInfo
	err   error
	l     *layout.Layout
}

func (f fakeCluster) Nodes() ([]meta.NodeInfo, error) { return f.nodes, f.err }
func (f fakeCluster) Layout() *layout.Layout          { return f.l }

type fakeRepair RepairStatus

func (f fakeRepair) RepairStatus() RepairStatus { return RepairStatus(f) }

func TestRaftGauges(t *testing.T) {
	m := New(Config{Raft: fakeRaft{}, Logger: quiet})
	want := `
# HELP cairn_raft_applied_index The highest Raft log index this node has applied to its metadata.
# TYPE cairn_raft_applied_index gauge
cairn_raft_applied_index 41
# HELP cairn_raft_commit_index The highest Raft log index this node knows to be committed.
# TYPE cairn_raft_commit_index gauge
cairn_raft_commit_index 42
# HELP cairn_raft_has_leader 1 if this node knows a Raft leader, else 0.
# TYPE cairn_raft_has_leader gauge
cairn_raft_has_leader 1
# HELP cairn_raft_state This node's Raft state: 1 for the current state, 0 for the others.
# TYPE cairn_raft_state gauge
cairn_raft_state{state="Candidate"} 0
cairn_raft_state{state="Follower"} 0
cairn_raft_state{state="Leader"} 1
cairn_raft_state{state="Shutdown"} 0
# HELP cairn_raft_term This node's current Raft term.
# TYPE cairn_raft_term gauge
cairn_raft_term 3
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"cairn_raft_applied_index", "cairn_raft_commit_index", "cairn_raft_has_leader", "cairn_raft_state", "cairn_raft_term"))
}

func TestMembersAndPartitionQuorums(t *testing.T) {
	l, err := layout.New(7, []layout.Node{{ID: "a"}, {ID: "b"}, {ID: "c"}, {ID: "d"}}, 3, 64)
	require.NoError(t, err)
	nodes := []meta.NodeInfo{{ID: "a", Gossip: "alive"}, {ID: "b", Gossip: "alive"}, {ID: "c", Gossip: "dead"}, {ID: "d", Gossip: "left"}}
	m := New(Config{Cluster: fakeCluster{nodes: nodes, l: l}, Logger: quiet})

	// Expected: a partition has quorum when 2 of its 3 owners are among a and b.
	with := 0
	for p := range l.Partitions {
		up := 0
		for _, id := range l.Owners(p) {
			if id == "a" || id == "b" {
				up++
			}
		}
		if up >= 2 {
			with++
		}
	}
	require.Greater(t, with, 0)
	require.Less(t, with, 64, "the test needs partitions of both kinds")
	require.Equal(t, float64(with), gauge(t, m, "cairn_partitions_with_quorum", nil))
	require.Equal(t, float64(64-with), gauge(t, m, "cairn_partitions_without_quorum", nil))
	require.Equal(t, 7.0, gauge(t, m, "cairn_layout_version", nil))
	require.Equal(t, 2.0, gauge(t, m, "cairn_cluster_members", map[string]string{"state": "alive"}))
	require.Equal(t, 1.0, gauge(t, m, "cairn_cluster_members", map[string]string{"state": "dead"}))
	require.Equal(t, 1.0, gauge(t, m, "cairn_cluster_members", map[string]string{"state": "left"}))
	require.Equal(t, 0.0, gauge(t, m, "cairn_cluster_members", map[string]string{"state": "unknown"}))
}

func TestUnreadableClusterIsLeftOut(t *testing.T) {
	m := New(Config{Cluster: fakeCluster{err: errors.New("no raft")}, Logger: quiet})
	n, err := testutil.GatherAndCount(m.Gatherer(), "cairn_cluster_members", "cairn_partitions_with_quorum")
	require.NoError(t, err)
	require.Zero(t, n, "a failed read must not report a dead cluster")
}

func TestRepairGauges(t *testing.T) {
	m := New(Config{Repair: fakeRepair{
		RecordPartitionsPending: 3, BlockPartitionsPending: 2, BlocksPending: 40, Running: true, Rounds: 7,
		LastDuration: 1500 * time.Millisecond, SyncedVersion: 4, RecordsPulled: 11, BlocksHandedOff: 5,
	}, Logger: quiet})
	want := `
# HELP cairn_repair_backlog What the last anti-entropy round left undone, by kind: record_partitions and block_partitions not in step with every owner, blocks not copied.
# TYPE cairn_repair_backlog gauge
cairn_repair_backlog{kind="block_partitions"} 2
cairn_repair_backlog{kind="blocks"} 40
cairn_repair_backlog{kind="record_partitions"} 3
# HELP cairn_repair_last_round_duration_seconds How long the last finished anti-entropy round took.
# TYPE cairn_repair_last_round_duration_seconds gauge
cairn_repair_last_round_duration_seconds 1.5
# HELP cairn_repair_rounds_total Anti-entropy rounds finished since the node started.
# TYPE cairn_repair_rounds_total counter
cairn_repair_rounds_total 7
# HELP cairn_repair_running 1 while an anti-entropy round is in progress.
# TYPE cairn_repair_running gauge
cairn_repair_running 1
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"cairn_repair_backlog", "cairn_repair_last_round_duration_seconds", "cairn_repair_rounds_total", "cairn_repair_running"))
	require.Equal(t, 4.0, gauge(t, m, "cairn_repair_synced_layout_version", nil))
	n, err := testutil.GatherAndCount(m.Gatherer(), "cairn_repair_copied_total")
	require.NoError(t, err)
	require.Equal(t, 6, n)

	n, err = testutil.GatherAndCount(New(Config{Logger: quiet}).Gatherer(), "cairn_repair_backlog")
	require.NoError(t, err)
	require.Zero(t, n, "no source, no gauge")
}

// TestDiskAndBlockGauges reads a real object store: the block gauges are its counts
// (one walk a minute, in the object layer), the disk gauges its file system's.
func TestDiskAndBlockGauges(t *testing.T) {
	cfg := blob.DefaultConfig()
	cfg.NodeID, cfg.Dir, cfg.Logger, cfg.BlockSize, cfg.InlineLimit = "n1", t.TempDir(), quiet, 4096, 1024
	store, err := blob.Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	_, err = store.PutObject(t.Context(), blob.PutInput{Bucket: "b", Key: "k", Body: strings.NewReader(strings.Repeat("x", 3*4096))})
	require.NoError(t, err)

	m := New(Config{Usage: store, Logger: quiet})
	require.Equal(t, 1.0, gauge(t, m, "cairn_blocks", nil), "identical blocks are stored once")
	require.Equal(t, float64(4096+block.TrailerSize), gauge(t, m, "cairn_block_bytes", nil), "the block file: its bytes and its checksum trailer")
	require.Greater(t, gauge(t, m, "cairn_block_scan_timestamp_seconds", nil), 0.0)
	total := gauge(t, m, "cairn_disk_total_bytes", nil)
	require.Greater(t, total, 0.0)
	require.LessOrEqual(t, gauge(t, m, "cairn_disk_free_bytes", nil), total)
	require.LessOrEqual(t, gauge(t, m, "cairn_disk_used_bytes", nil), total)

	n, err := testutil.GatherAndCount(New(Config{Logger: quiet}).Gatherer(), "cairn_blocks")
	require.NoError(t, err)
	require.Zero(t, n, "no source, no gauge")
}

func TestHandlerBearerToken(t *testing.T) {
	m := New(Config{Logger: quiet})
	open := httptest.NewServer(m.Handler(""))
	defer open.Close()
	resp, err := http.Get(open.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), "go_goroutines")

	guarded := httptest.NewServer(m.Handler("scrape-secret"))
	defer guarded.Close()
	for _, auth := range []string{"", "Bearer wrong", "scrape-secret", "Basic scrape-secret"} {
		req, _ := http.NewRequest(http.MethodGet, guarded.URL, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, auth)
	}
	req, _ := http.NewRequest(http.MethodGet, guarded.URL, nil)
	req.Header.Set("Authorization", "Bearer scrape-secret")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// gauge returns the value of the gauge name with exactly labels.
func gauge(t *testing.T, m *Metrics, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := m.Gatherer().Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, metric := range f.GetMetric() {
			if len(metric.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range metric.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			return metric.GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s%v", name, labels)
	return 0
}

type fakeMaintenance MaintenanceStatus

func (f fakeMaintenance) MaintenanceStatus() MaintenanceStatus { return MaintenanceStatus(f) }

func TestMaintenanceCounters(t *testing.T) {
	m := New(Config{Maintenance: fakeMaintenance{
		GCRuns: 4, GCBlocksRemoved: 300, GCBytesFreed: 300 << 20, GCSweepsSkipped: 1, GCBlocksWaiting: 7,
		GCLastRun: time.Unix(1700000000, 0), ScrubBlocksChecked: 50, ScrubInlineChecked: 9,
		ScrubBytesChecked: 50 << 20, ScrubBlocksRepaired: 2, ScrubInlineUnrepaired: 1,
	}, Logger: quiet})
	want := `
# HELP cairn_gc_blocks_reclaimed_total Block files the garbage collector removed since the node started.
# TYPE cairn_gc_blocks_reclaimed_total counter
cairn_gc_blocks_reclaimed_total 300
# HELP cairn_gc_bytes_freed_total Bytes of block files the garbage collector removed since the node started.
# TYPE cairn_gc_bytes_freed_total counter
cairn_gc_bytes_freed_total 3.145728e+08
# HELP cairn_scrub_findings_total Bad copies the integrity scanner found since the node started, by what (blocks, inline records) and outcome (repaired from another owner, unrepaired).
# TYPE cairn_scrub_findings_total counter
cairn_scrub_findings_total{outcome="repaired",what="blocks"} 2
cairn_scrub_findings_total{outcome="repaired",what="inline"} 0
cairn_scrub_findings_total{outcome="unrepaired",what="blocks"} 0
cairn_scrub_findings_total{outcome="unrepaired",what="inline"} 1
`
	require.NoError(t, testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"cairn_gc_blocks_reclaimed_total", "cairn_gc_bytes_freed_total", "cairn_scrub_findings_total"))
	require.Equal(t, 7.0, gauge(t, m, "cairn_gc_blocks_waiting", nil))
	require.Equal(t, 1700000000.0, gauge(t, m, "cairn_gc_last_run_timestamp_seconds", nil))
}
