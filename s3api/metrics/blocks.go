package metrics

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	blocksDesc = prometheus.NewDesc("cairn_blocks",
		"Block files this node stores (its copies of the blocks it owns).", nil, nil)
	blockBytesDesc = prometheus.NewDesc("cairn_block_bytes",
		"Total size of the block files this node stores.", nil, nil)
	blockScanDesc = prometheus.NewDesc("cairn_block_scan_timestamp_seconds",
		"When the block gauges were last counted (Unix time): they lag by up to the scan interval.", nil, nil)
)

// blockCollector counts the block files under dir/blocks. Counting walks every file,
// so the result is kept for maxAge and one scrape at a time does the walk.
//
// It reads the block store's documented on-disk layout (blocks/ab/cd/<64 hex>)
// because the object layer does not export its block statistics; see docs/metrics.md.
type blockCollector struct {
	dir    string
	maxAge time.Duration
	log    *slog.Logger

	mu     sync.Mutex
	at     time.Time
	count  int64
	bytes  int64
	failed bool
}

// Describe implements prometheus.Collector.
func (c *blockCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- blocksDesc
	ch <- blockBytesDesc
	ch <- blockScanDesc
}

// Collect implements prometheus.Collector.
func (c *blockCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) >= c.maxAge {
		count, size, err := countBlocks(filepath.Join(c.dir, "blocks"))
		c.at, c.failed = time.Now(), err != nil
		if err != nil {
			c.log.Warn("metrics: counting block files failed", "dir", c.dir, "error", err)
		} else {
			c.count, c.bytes = count, size
		}
	}
	if c.failed {
		return
	}
	ch <- prometheus.MustNewConstMetric(blocksDesc, prometheus.GaugeValue, float64(c.count))
	ch <- prometheus.MustNewConstMetric(blockBytesDesc, prometheus.GaugeValue, float64(c.bytes))
	ch <- prometheus.MustNewConstMetric(blockScanDesc, prometheus.GaugeValue, float64(c.at.UnixNano())/1e9)
}

// countBlocks counts the files named by a 64-digit hex hash under root and their
// bytes. A missing root is an empty store; files that vanish during the walk (the
// garbage collector) are skipped.
func countBlocks(root string) (count, size int64, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !isBlockName(d.Name()) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		count++
		size += info.Size()
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return 0, 0, nil
	}
	return count, size, err
}

// isBlockName reports whether name is a block file's name: 64 lower-case hex digits.
func isBlockName(name string) bool {
	if len(name) != 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
