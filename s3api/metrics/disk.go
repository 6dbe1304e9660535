package metrics

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	diskTotalDesc = prometheus.NewDesc("cairn_disk_total_bytes",
		"Size of the file system holding the data directory.", nil, nil)
	diskFreeDesc = prometheus.NewDesc("cairn_disk_free_bytes",
		"Bytes of that file system available to the node (excluding blocks reserved for root).", nil, nil)
	diskUsedDesc = prometheus.NewDesc("cairn_disk_used_bytes",
		"Bytes of that file system in use, by Cairn or anything else on it.", nil, nil)
)

// diskUsage is a file system's size, its bytes available to unprivileged users, and
// its bytes in use.
type diskUsage struct {
	total, free, used uint64
}

// diskCollector reads the data directory's file system at scrape time.
type diskCollector struct {
	dir string
	log *slog.Logger
}

// Describe implements prometheus.Collector.
func (c *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- diskTotalDesc
	ch <- diskFreeDesc
	ch <- diskUsedDesc
}

// Collect implements prometheus.Collector. On a platform without statfs, or if it
// fails, the disk gauges are left out.
func (c *diskCollector) Collect(ch chan<- prometheus.Metric) {
	u, err := statDisk(c.dir)
	if err != nil {
		c.log.Debug("metrics: statfs of the data directory failed", "dir", c.dir, "error", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(diskTotalDesc, prometheus.GaugeValue, float64(u.total))
	ch <- prometheus.MustNewConstMetric(diskFreeDesc, prometheus.GaugeValue, float64(u.free))
	ch <- prometheus.MustNewConstMetric(diskUsedDesc, prometheus.GaugeValue, float64(u.used))
}
