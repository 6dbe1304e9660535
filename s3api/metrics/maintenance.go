package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaintenanceStatus is what the garbage collector and the integrity scanner have done
// on this node since it started (dry runs excluded).
type MaintenanceStatus struct {
	// GCRuns counts collections; GCBlocksRemoved and GCBytesFreed what they removed;
	// GCSweepsSkipped the runs that swept nothing because a node did not answer.
	GCRuns, GCBlocksRemoved, GCBytesFreed, GCSweepsSkipped int64
	// GCBlocksWaiting counts the unreferenced blocks the last run left within their
	// grace period; GCLastRun is when it started (zero before the first).
	GCBlocksWaiting int
	GCLastRun       time.Time
	// Scrub counts: blocks and version records (for inline bytes) checked, bytes read, and bad copies
	// found, repaired from another owner, or left unrepaired.
	ScrubBlocksChecked, ScrubInlineChecked     int
	ScrubBytesChecked                          int64
	ScrubBlocksRepaired, ScrubBlocksUnrepaired int
	ScrubInlineRepaired, ScrubInlineUnrepaired int
}

// MaintenanceSource reports the collector's and scanner's work; cmd/node adapts the
// object layer's results to it.
type MaintenanceSource interface {
	MaintenanceStatus() MaintenanceStatus
}

var (
	gcRunsDesc = prometheus.NewDesc("cairn_gc_runs_total",
		"Garbage collections run on this node since it started (dry runs excluded).", nil, nil)
	gcRemovedDesc = prometheus.NewDesc("cairn_gc_blocks_reclaimed_total",
		"Block files the garbage collector removed since the node started.", nil, nil)
	gcFreedDesc = prometheus.NewDesc("cairn_gc_bytes_freed_total",
		"Bytes of block files the garbage collector removed since the node started.", nil, nil)
	gcSkippedDesc = prometheus.NewDesc("cairn_gc_sweeps_skipped_total",
		"Collections that removed nothing because a node of a layout version in flight did not answer the cluster-wide mark.", nil, nil)
	gcWaitingDesc = prometheus.NewDesc("cairn_gc_blocks_waiting",
		"Unreferenced blocks the last collection left within their grace period.", nil, nil)
	gcLastDesc = prometheus.NewDesc("cairn_gc_last_run_timestamp_seconds",
		"When the last garbage collection started, in Unix seconds.", nil, nil)
	scrubCheckedDesc = prometheus.NewDesc("cairn_scrub_checked_total",
		"Items the integrity scanner checked since the node started, by what (blocks, inline records).", []string{"what"}, nil)
	scrubBytesDesc = prometheus.NewDesc("cairn_scrub_bytes_checked_total",
		"Bytes of block files the integrity scanner read since the node started.", nil, nil)
	scrubFindingsDesc = prometheus.NewDesc("cairn_scrub_findings_total",
		"Bad copies the integrity scanner found since the node started, by what (blocks, inline records) and outcome (repaired from another owner, unrepaired).",
		[]string{"what", "outcome"}, nil)
)

// maintenanceCollector reads the collector's and scanner's totals at scrape time.
type maintenanceCollector struct{ src MaintenanceSource }

// Describe implements prometheus.Collector.
func (c *maintenanceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gcRunsDesc, gcRemovedDesc, gcFreedDesc, gcSkippedDesc, gcWaitingDesc, gcLastDesc, scrubCheckedDesc, scrubBytesDesc, scrubFindingsDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *maintenanceCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.MaintenanceStatus()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter(gcRunsDesc, float64(st.GCRuns))
	counter(gcRemovedDesc, float64(st.GCBlocksRemoved))
	counter(gcFreedDesc, float64(st.GCBytesFreed))
	counter(gcSkippedDesc, float64(st.GCSweepsSkipped))
	gauge(gcWaitingDesc, float64(st.GCBlocksWaiting))
	if !st.GCLastRun.IsZero() {
		gauge(gcLastDesc, float64(st.GCLastRun.Unix()))
	}
	counter(scrubCheckedDesc, float64(st.ScrubBlocksChecked), "blocks")
	counter(scrubCheckedDesc, float64(st.ScrubInlineChecked), "inline")
	counter(scrubBytesDesc, float64(st.ScrubBytesChecked))
	counter(scrubFindingsDesc, float64(st.ScrubBlocksRepaired), "blocks", "repaired")
	counter(scrubFindingsDesc, float64(st.ScrubBlocksUnrepaired), "blocks", "unrepaired")
	counter(scrubFindingsDesc, float64(st.ScrubInlineRepaired), "inline", "repaired")
	counter(scrubFindingsDesc, float64(st.ScrubInlineUnrepaired), "inline", "unrepaired")
}
