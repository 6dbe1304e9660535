package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/blob"
)

var (
	blocksDesc = prometheus.NewDesc("cairn_blocks",
		"Block files this node stores (its copies of the blocks it owns).", nil, nil)
	blockBytesDesc = prometheus.NewDesc("cairn_block_bytes",
		"Total size of the block files this node stores.", nil, nil)
	blockScanDesc = prometheus.NewDesc("cairn_block_scan_timestamp_seconds",
		"When the object layer last counted its blocks (Unix time): the block gauges lag by up to a minute.", nil, nil)
	diskTotalDesc = prometheus.NewDesc("cairn_disk_total_bytes",
		"Size of the file system holding the data directory.", nil, nil)
	diskFreeDesc = prometheus.NewDesc("cairn_disk_free_bytes",
		"Bytes of that file system available to the node (excluding blocks reserved for root).", nil, nil)
	diskUsedDesc = prometheus.NewDesc("cairn_disk_used_bytes",
		"Bytes of that file system in use, by Cairn or anything else on it.", nil, nil)
)

// UsageSource reports the node's storage; *blob.Store implements it (its counts are
// measured at most once a minute, so a scrape costs no walk of the disk).
type UsageSource interface {
	Usage(ctx context.Context) (blob.Usage, error)
}

// usageCollector reads the object layer's usage at scrape time.
type usageCollector struct {
	src UsageSource
	log *slog.Logger
}

// Describe implements prometheus.Collector.
func (c *usageCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{blocksDesc, blockBytesDesc, blockScanDesc, diskTotalDesc, diskFreeDesc, diskUsedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. If the usage cannot be read, its gauges
// are left out; the disk gauges also where the platform cannot tell.
func (c *usageCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u, err := c.src.Usage(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the object layer's usage failed", "error", err)
		return
	}
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(blocksDesc, float64(u.Blocks))
	gauge(blockBytesDesc, float64(u.BlockBytes))
	gauge(blockScanDesc, float64(u.MeasuredAt.UnixNano())/1e9)
	if u.DiskKnown {
		gauge(diskTotalDesc, float64(u.DiskTotalBytes))
		gauge(diskFreeDesc, float64(u.DiskFreeBytes))
		gauge(diskUsedDesc, float64(u.DiskUsedBytes))
	}
}
