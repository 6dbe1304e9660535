package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/meta"
)

// SiteSyncSource reports this node's site sync delivery, per rule; the metrics sum
// it over the rules, so that they name no bucket (the admin API has each rule's).
type SiteSyncSource interface {
	Status() []meta.ReplicationStatus
}

var (
	siteSyncRulesDesc = prometheus.NewDesc("cairn_site_sync_rules",
		"Replication rules this node delivers, by state (active, paused).", []string{"state"}, nil)
	siteSyncLagDesc = prometheus.NewDesc("cairn_site_sync_lag_seconds",
		"Age of the oldest change this node has not yet applied on a target, over all rules; 0 when nothing is pending.", nil, nil)
	siteSyncBacklogDesc = prometheus.NewDesc("cairn_site_sync_backlog",
		"Changes read but not yet applied on their target in the last round, summed over the rules (a lower bound).", nil, nil)
	siteSyncObjectsDesc = prometheus.NewDesc("cairn_site_sync_objects_total",
		"Objects (puts and deletes) this node applied on replication targets since it started.", nil, nil)
	siteSyncBytesDesc = prometheus.NewDesc("cairn_site_sync_bytes_total",
		"Bytes this node sent to replication targets since it started.", nil, nil)
	siteSyncFailuresDesc = prometheus.NewDesc("cairn_site_sync_failures_total",
		"Failed deliveries since the node started, by reason (an S3 error code, network, credentials, connection, source, feed, checkpoint).", []string{"reason"}, nil)
)

// siteSyncCollector reads the worker's status at scrape time.
type siteSyncCollector struct{ src SiteSyncSource }

// Describe implements prometheus.Collector.
func (c *siteSyncCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{siteSyncRulesDesc, siteSyncLagDesc, siteSyncBacklogDesc, siteSyncObjectsDesc, siteSyncBytesDesc, siteSyncFailuresDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *siteSyncCollector) Collect(ch chan<- prometheus.Metric) {
	var active, paused, backlog float64
	var lag, objects, bytes float64
	failures := map[string]float64{}
	for _, st := range c.src.Status() {
		if st.Paused {
			paused++
		} else {
			active++
		}
		backlog += float64(st.Backlog)
		lag = max(lag, st.LagSeconds)
		objects += float64(st.Objects)
		bytes += float64(st.Bytes)
		for r, n := range st.Failures {
			failures[r] += float64(n)
		}
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(siteSyncRulesDesc, active, "active")
	gauge(siteSyncRulesDesc, paused, "paused")
	gauge(siteSyncLagDesc, lag)
	gauge(siteSyncBacklogDesc, backlog)
	counter(siteSyncObjectsDesc, objects)
	counter(siteSyncBytesDesc, bytes)
	for r, n := range failures {
		counter(siteSyncFailuresDesc, n, r)
	}
}
