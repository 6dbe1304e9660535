// Package metrics exposes a node's Prometheus metrics: the S3 API's requests (by
// operation, status and error code), latencies and bytes, and gauges read at scrape
// time from Raft, gossip, the layout, the disk and the block store. It keeps its own
// registry: nothing is registered with Prometheus's global default registry, so two
// nodes in one process (tests) never collide. docs/metrics.md lists every metric.
package metrics

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every Cairn metric.
const namespace = "cairn"

// Config says where the scrape-time gauges read from. Every source is optional: a nil
// source leaves its metrics out.
type Config struct {
	// Raft reports Raft's state, term and indexes; *meta.Meta implements it.
	Raft RaftSource
	// Cluster reports the nodes and the layout, for the gossip member and partition
	// quorum gauges; *meta.Meta implements it.
	Cluster ClusterSource
	// Repair reports anti-entropy's backlog and progress; cmd/node adapts the object
	// layer's sync status.
	Repair RepairSource
	// Usage reports the block files and the file system of the data directory, for
	// the block and disk gauges; *blob.Store implements it.
	Usage UsageSource
	// Maintenance reports the garbage collector's and integrity scanner's work;
	// cmd/node adapts the object layer's results.
	Maintenance MaintenanceSource
	// Lifecycle reports the lifecycle engine's work; cmd/node adapts its status.
	Lifecycle LifecycleSource
	// BucketUsage reports the buckets' usage cluster-wide, for the per-bucket usage
	// gauges; cmd/node supplies it. Optional.
	BucketUsage BucketUsageSource
	// BucketLabels is how many buckets get their own label in the per-bucket series
	// (cairn_bucket_*), besides LabelBuckets: the busiest by requests for the request
	// counters, the largest for the usage gauges; the rest are summed under
	// bucket="_other". It bounds the series whatever the number of buckets. 0 gives
	// every bucket's figures to "_other" only.
	BucketLabels int
	// LabelBuckets are buckets that always get their own label.
	LabelBuckets []string
	// SiteSync reports site sync's delivery (optional).
	SiteSync SiteSyncSource
	// Logger receives the failures of scrape-time reads (component "metrics").
	// Default slog.Default().
	Logger *slog.Logger
}

// Metrics is one node's registry and the S3 request metrics that feed it.
type Metrics struct {
	reg     *prometheus.Registry
	s3      *s3Metrics
	s3reg   *prometheus.Registry // the S3 request metrics alone
	buckets *bucketTraffic
}

// New makes a registry holding the S3 request metrics, the scrape-time gauges of
// cfg's sources, and the Go runtime and process collectors (go_*, process_*).
func New(cfg Config) *Metrics {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("component", "metrics")
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg, s3: newS3Metrics(), s3reg: prometheus.NewRegistry(), buckets: newBucketTraffic(cfg.BucketLabels, cfg.LabelBuckets)}
	m.s3reg.MustRegister(m.s3)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.s3,
		&bucketCollector{traffic: m.buckets, usage: cfg.BucketUsage, log: log},
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
	if cfg.Usage != nil {
		reg.MustRegister(&usageCollector{src: cfg.Usage, log: log})
	}
	if cfg.SiteSync != nil {
		reg.MustRegister(&siteSyncCollector{src: cfg.SiteSync})
	}
	if cfg.Maintenance != nil {
		reg.MustRegister(&maintenanceCollector{src: cfg.Maintenance})
	}
	if cfg.Lifecycle != nil {
		reg.MustRegister(&lifecycleCollector{src: cfg.Lifecycle})
	}
	return m
}

// BucketTraffic returns this node's request counters of every bucket it tracks
// (MaxTrackedBuckets at most), exact, since it started.
func (m *Metrics) BucketTraffic() map[string]BucketTraffic { return m.buckets.snapshot() }

// Registerer is where other surfaces of the node (the management API) register
// their own metrics.
func (m *Metrics) Registerer() prometheus.Registerer { return m.reg }

// Gatherer reads the registry, e.g. for tests.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// S3Gatherer reads the S3 request metrics alone (cairn_s3_*): cheap to gather
// often, unlike the whole registry, whose usage gauges measure the disk. The
// console's metrics history samples it.
func (m *Metrics) S3Gatherer() prometheus.Gatherer { return m.s3reg }
