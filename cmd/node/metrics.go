package node

import (
	"net/http"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/s3api/metrics"
)

// Metrics is the part of Config that /metrics reads.
type Metrics struct {
	// MetricsToken, when set, is the bearer token a scrape of /metrics (and of the
	// management API's /v1/s3/metrics) must send: "Authorization: Bearer <token>",
	// Prometheus's authorization setting. Default: none, and the metrics are open to
	// whoever reaches the admin address. They hold no secret, only counters and the
	// names of the busiest and largest buckets, but they tell an attacker how busy
	// and how healthy the cluster is: set a token when the admin address is
	// reachable beyond the operators' network.
	// Flag --metrics-token; prefer the environment (CAIRN_METRICS_TOKEN), which
	// other users of the host cannot read from the process list.
	MetricsToken string
	// MetricsBucketLabels is how many buckets get their own label in the per-bucket
	// series (cairn_bucket_*): the busiest by requests in the last minute for the
	// request counters, the largest for the usage gauges; every other bucket is
	// summed under bucket="_other". It bounds the series a node exports at about
	// 12 per labelled bucket, whatever the number of buckets; the admin API has every
	// bucket's exact figures. Flag --metrics-bucket-labels; default 20.
	MetricsBucketLabels int
	// MetricsLabelBuckets are buckets that always get their own label, besides
	// MetricsBucketLabels. Flag --metrics-label-buckets.
	MetricsLabelBuckets []string
}

// newMetrics makes the node's metrics registry, reading Raft, gossip, the layout,
// anti-entropy, and the object layer's usage (its block files and its disk).
func (n *Node) newMetrics() *metrics.Metrics {
	return metrics.New(metrics.Config{
		Raft: n.meta, Cluster: n.meta, Repair: repairStatus{n.store}, Usage: n.store, Logger: n.log,
		Maintenance: maintenanceStatus{n.store}, BucketUsage: n.buckets,
		Lifecycle:    lifecycleStatus{n.lifecycle},
		BucketLabels: n.cfg.MetricsBucketLabels, LabelBuckets: n.cfg.MetricsLabelBuckets,
		SiteSync: siteSyncStatus{n},
	})
}

// lifecycleStatus adapts the lifecycle engine's totals.
type lifecycleStatus struct{ eng *lifecycle.Engine }

// LifecycleStatus implements metrics.LifecycleSource.
func (l lifecycleStatus) LifecycleStatus() metrics.LifecycleStatus {
	st := l.eng.Status()
	t := st.Totals
	return metrics.LifecycleStatus{
		Runs: int64(t.Runs), Scanned: int64(t.Scanned), Expired: int64(t.Expired),
		NoncurrentRemoved: int64(t.NoncurrentRemoved), DeleteMarkersRemoved: int64(t.DeleteMarkersRemoved),
		UploadsAborted: int64(t.UploadsAborted), Locked: int64(t.Locked), BytesFreed: t.BytesFreed,
		LastRun: t.LastRun, Running: st.Progress.Running,
	}
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

// maintenanceStatus adapts the object layer's collector and scanner totals.
type maintenanceStatus struct{ store *blob.Store }

// MaintenanceStatus implements metrics.MaintenanceSource.
func (m maintenanceStatus) MaintenanceStatus() metrics.MaintenanceStatus {
	gc, last, sc := m.store.GCTotals(), m.store.LastGC(), m.store.ScrubTotals()
	return metrics.MaintenanceStatus{
		GCRuns: gc.Runs, GCBlocksRemoved: gc.BlocksRemoved, GCBytesFreed: gc.BytesFreed,
		GCSweepsSkipped: gc.SweepsSkipped, GCBlocksWaiting: last.BlocksWaiting, GCLastRun: last.Start,
		ScrubBlocksChecked: sc.Checked, ScrubInlineChecked: sc.InlineChecked, ScrubBytesChecked: sc.Bytes,
		ScrubBlocksRepaired: sc.Repaired, ScrubBlocksUnrepaired: sc.Unrepaired,
		ScrubInlineRepaired: sc.InlineRepaired, ScrubInlineUnrepaired: sc.InlineUnrepaired,
	}
}

// metricsHandler serves /metrics.
func (n *Node) metricsHandler() http.Handler { return n.metrics.Handler(n.cfg.MetricsToken) }
