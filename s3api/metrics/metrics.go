// Package metrics exposes a node's Prometheus metrics: the S3 API's requests (by
// operation, status and error code), latencies and bytes, and gauges read at scrape
// time from Raft, gossip, the layout, the disk and the block store. It keeps its own
// registry: nothing is registered with Prometheus's global default registry, so two
// nodes in one process (tests) never collide. docs/metrics.md lists every metric.
package metrics

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every Cairn metric.
const namespace = "cairn"

// Config says where the scrape-time gauges read from. Every source is optional: a nil
// source (or an empty directory) leaves its metrics out.
type Config struct {
	// Raft reports Raft's state, term and indexes; *meta.Meta implements it.
	Raft RaftSource
	// Cluster reports the nodes and the layout, for the gossip member and partition
	// quorum gauges; *meta.Meta implements it.
	Cluster ClusterSource
	// Repair reports anti-entropy's backlog and progress; cmd/node adapts the object
	// layer's sync status.
	Repair RepairSource
	// DataDir is the node's data directory; the disk gauges describe the file system
	// that holds it (statfs).
	DataDir string
	// BlockDir is the block store's directory (the one holding blocks/ab/cd/<hex>);
	// the block gauges count its files.
	BlockDir string
	// BlockScanInterval is the longest the block gauges may lag: counting walks every
	// block file, so a scrape reuses a count younger than this. Default 1 minute.
	// Shorter is fresher and costs a walk per interval.
	BlockScanInterval time.Duration
	// Logger receives the failures of scrape-time reads (component "metrics").
	// Default slog.Default().
	Logger *slog.Logger
}

// Metrics is one node's registry and the S3 request metrics that feed it.
type Metrics struct {
	reg *prometheus.Registry
	s3  *s3Metrics
}

// New makes a registry holding the S3 request metrics, the scrape-time gauges of
// cfg's sources, and the Go runtime and process collectors (go_*, process_*).
func New(cfg Config) *Metrics {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.BlockScanInterval <= 0 {
		cfg.BlockScanInterval = time.Minute
	}
	log := cfg.Logger.With("component", "metrics")
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, s3: newS3Metrics()}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.s3,
	)
	if cfg.Raft != nil {
		reg.MustRegister(&raftCollector{src: cfg.Raft})
	}
	if cfg.Cluster != nil {
		reg.MustRegister(&clusterCollector{src: cfg.Cluster, log: log})
	}
	if cfg.Repair != nil {
		reg.MustRegister(&repairCollector{src: cfg.Repair})
	}
	if cfg.DataDir != "" {
		reg.MustRegister(&diskCollector{dir: cfg.DataDir, log: log})
	}
	if cfg.BlockDir != "" {
		reg.MustRegister(&blockCollector{dir: cfg.BlockDir, maxAge: cfg.BlockScanInterval, log: log})
	}
	return m
}

// Registerer is where other surfaces of the node (the management API) register
// their own metrics.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Gatherer reads the registry, e.g. for tests.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }
