package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// LifecycleStatus is what this node's lifecycle engine has done since it started.
type LifecycleStatus struct {
	// Runs counts runs; Scanned the versions they read from the local index.
	Runs, Scanned int64
	// Expired counts current versions expired; NoncurrentRemoved noncurrent versions
	// removed; DeleteMarkersRemoved delete markers removed; UploadsAborted multipart
	// uploads aborted; Locked removals object lock refused.
	Expired, NoncurrentRemoved, DeleteMarkersRemoved, UploadsAborted, Locked int64
	// BytesFreed is the logical size of the versions and parts removed.
	BytesFreed int64
	// LastRun is when the last run started (zero before the first); Running whether
	// one is in progress.
	LastRun time.Time
	Running bool
}

// LifecycleSource reports the lifecycle engine's work; cmd/node adapts the engine's
// status to it.
type LifecycleSource interface {
	LifecycleStatus() LifecycleStatus
}

var (
	lcRunsDesc = prometheus.NewDesc("cairn_lifecycle_runs_total",
		"Lifecycle runs on this node since it started.", nil, nil)
	lcScannedDesc = prometheus.NewDesc("cairn_lifecycle_versions_scanned_total",
		"Versions the lifecycle engine read from this node's index since it started.", nil, nil)
	lcActionsDesc = prometheus.NewDesc("cairn_lifecycle_actions_total",
		"What the lifecycle engine did since the node started, by action (expired: current versions expired; noncurrent_removed; delete_markers_removed; uploads_aborted; locked: removals object lock refused).",
		[]string{"action"}, nil)
	lcFreedDesc = prometheus.NewDesc("cairn_lifecycle_bytes_freed_total",
		"Logical bytes of the versions and upload parts the lifecycle engine removed since the node started (their blocks return through the garbage collector).", nil, nil)
	lcLastDesc = prometheus.NewDesc("cairn_lifecycle_last_run_timestamp_seconds",
		"When the last lifecycle run started, in Unix seconds.", nil, nil)
	lcRunningDesc = prometheus.NewDesc("cairn_lifecycle_running",
		"1 while a lifecycle run is in progress on this node.", nil, nil)
)

// lifecycleCollector reads the lifecycle engine's totals at scrape time.
type lifecycleCollector struct{ src LifecycleSource }

// Describe implements prometheus.Collector.
func (c *lifecycleCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{lcRunsDesc, lcScannedDesc, lcActionsDesc, lcFreedDesc, lcLastDesc, lcRunningDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *lifecycleCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.LifecycleStatus()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(lcRunsDesc, st.Runs)
	counter(lcScannedDesc, st.Scanned)
	counter(lcActionsDesc, st.Expired, "expired")
	counter(lcActionsDesc, st.NoncurrentRemoved, "noncurrent_removed")
	counter(lcActionsDesc, st.DeleteMarkersRemoved, "delete_markers_removed")
	counter(lcActionsDesc, st.UploadsAborted, "uploads_aborted")
	counter(lcActionsDesc, st.Locked, "locked")
	counter(lcFreedDesc, st.BytesFreed)
	if !st.LastRun.IsZero() {
		ch <- prometheus.MustNewConstMetric(lcLastDesc, prometheus.GaugeValue, float64(st.LastRun.Unix()))
	}
	running := 0.0
	if st.Running {
		running = 1
	}
	ch <- prometheus.MustNewConstMetric(lcRunningDesc, prometheus.GaugeValue, running)
}
