package node

import (
	"net/http"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/s3api/metrics"
)

// Metrics is the part of Config that /metrics reads.
type Metrics struct {
	// MetricsToken, when set, is the bearer token a scrape of /metrics (and of the
	// management API's /v1/s3/metrics) must send: "Authorization: Bearer <token>",
	// Prometheus's authorization setting. Default: none, and the metrics are open to
	// whoever reaches the admin address. They hold no secret, only bucket-free
	// counters, but they tell an attacker how busy and how healthy the cluster is:
	// set a token when the admin address is reachable beyond the operators' network.
	// Flag --metrics-token; prefer the environment (CAIRN_METRICS_TOKEN), which
	// other users of the host cannot read from the process list.
	MetricsToken string
}

// newMetrics makes the node's metrics registry, reading Raft, gossip, the layout,
// anti-entropy, the disk of the data directory and the block files under blobDir.
func (n *Node) newMetrics(blobDir string) *metrics.Metrics {
	return metrics.New(metrics.Config{
		Raft: n.meta, Cluster: n.meta, Repair: repairStatus{n.store},
		DataDir: n.cfg.DataDir, BlockDir: blobDir, Logger: n.log,
	})
}

// repairStatus adapts the object layer's anti-entropy status to the metrics.
type repairStatus struct{ store *blob.Store }

// RepairStatus implements metrics.RepairSource.
func (r repairStatus) RepairStatus() metrics.RepairStatus {
	st := r.store.SyncStatus()
	return metrics.RepairStatus{
		RecordPartitionsPending: st.PartitionsPending,
		BlockPartitionsPending:  st.BlockPartitionsPending,
		BlocksPending:           st.BlocksPending,
		Running:                 st.Running,
		Rounds:                  st.Rounds,
		LastDuration:            st.LastDuration,
		SyncedVersion:           st.SyncedVersion,
		RecordsPulled:           st.RecordsPulled,
		RecordsPushed:           st.RecordsPushed,
		RecordsHandedOff:        st.RecordsHandedOff,
		BlocksPulled:            st.BlocksPulled,
		BlocksPushed:            st.BlocksPushed,
		BlocksHandedOff:         st.BlocksHandedOff,
	}
}

// metricsHandler serves /metrics.
func (n *Node) metricsHandler() http.Handler { return n.metrics.Handler(n.cfg.MetricsToken) }
