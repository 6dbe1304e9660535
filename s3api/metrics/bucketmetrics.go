package metrics

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/blob"
)

// chooseEvery is how often the buckets labelled by traffic are chosen again: often
// enough to follow a change of load, seldom enough that the series do not churn.
const chooseEvery = time.Minute

var (
	bucketRequestsDesc = prometheus.NewDesc("cairn_bucket_requests_total",
		"S3 requests this node served, by bucket and operation class (read, write, list, other); buckets beyond the labelled ones count under bucket=\"_other\".",
		[]string{"bucket", "class"}, nil)
	bucketErrorsDesc = prometheus.NewDesc("cairn_bucket_errors_total",
		"S3 requests this node answered with an error (4xx or 5xx), by bucket.", []string{"bucket"}, nil)
	bucketReceivedDesc = prometheus.NewDesc("cairn_bucket_bytes_received_total",
		"Request body bytes this node read, by bucket.", []string{"bucket"}, nil)
	bucketSentDesc = prometheus.NewDesc("cairn_bucket_bytes_sent_total",
		"Response body bytes this node wrote, by bucket.", []string{"bucket"}, nil)
	bucketObjectsDesc = prometheus.NewDesc("cairn_bucket_objects",
		"Objects in the bucket, cluster-wide (every node reports the same figure: aggregate with max, not sum).", []string{"bucket"}, nil)
	bucketBytesDesc = prometheus.NewDesc("cairn_bucket_bytes",
		"Bytes of the bucket's current object versions, cluster-wide (aggregate with max).", []string{"bucket"}, nil)
	bucketVersionsDesc = prometheus.NewDesc("cairn_bucket_versions",
		"Object versions holding data in the bucket, current and noncurrent, cluster-wide (aggregate with max).", []string{"bucket"}, nil)
	bucketVersionBytesDesc = prometheus.NewDesc("cairn_bucket_version_bytes",
		"Bytes of all the bucket's versions, cluster-wide (aggregate with max).", []string{"bucket"}, nil)
	bucketDeleteMarkersDesc = prometheus.NewDesc("cairn_bucket_delete_markers",
		"Delete markers in the bucket, cluster-wide (aggregate with max).", []string{"bucket"}, nil)
)

// BucketUsageSource reports the buckets' usage over the whole cluster; cmd/node
// gathers it from every node's object layer (blob.ClusterBucketUsage) and caches it.
type BucketUsageSource interface {
	BucketUsage(ctx context.Context) (map[string]blob.BucketUsage, error)
}

// bucketCollector exports the per-bucket series, bounded: at most limit buckets (plus
// the opt-in list) get their own label, the rest are summed under OtherBucket.
type bucketCollector struct {
	traffic *bucketTraffic
	usage   BucketUsageSource // nil: no usage gauges
	log     *slog.Logger

	mu       sync.Mutex
	chosenAt time.Time
	labelled map[string]bool
}

// Describe implements prometheus.Collector.
func (c *bucketCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{bucketRequestsDesc, bucketErrorsDesc, bucketReceivedDesc, bucketSentDesc,
		bucketObjectsDesc, bucketBytesDesc, bucketVersionsDesc, bucketVersionBytesDesc, bucketDeleteMarkersDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *bucketCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	if c.labelled == nil || time.Since(c.chosenAt) >= chooseEvery {
		c.labelled, c.chosenAt = c.traffic.choose(), time.Now()
	}
	labelled := c.labelled
	c.mu.Unlock()

	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	emit := func(bucket string, t BucketTraffic) {
		for _, class := range Classes {
			counter(bucketRequestsDesc, t.Requests[class], bucket, class)
		}
		counter(bucketErrorsDesc, t.Errors, bucket)
		counter(bucketReceivedDesc, t.BytesIn, bucket)
		counter(bucketSentDesc, t.BytesOut, bucket)
	}
	for name, t := range c.traffic.snapshot() {
		if labelled[name] {
			emit(name, t)
		}
	}
	emit(OtherBucket, c.traffic.other.snapshot())
	if c.usage != nil {
		c.collectUsage(ch)
	}
}

// collectUsage exports the usage gauges of the opt-in buckets and the limit largest
// (by the bytes of all their versions), and the rest summed under OtherBucket.
func (c *bucketCollector) collectUsage(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	all, err := c.usage.BucketUsage(ctx)
	if err != nil {
		c.log.Warn("metrics: reading the buckets' usage failed", "error", err)
		return
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(all[b].VersionBytes, all[a].VersionBytes), cmp.Compare(a, b))
	})
	var other blob.BucketUsage
	shown := 0
	gauges := func(bucket string, u blob.BucketUsage) {
		g := func(d *prometheus.Desc, v int64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), bucket)
		}
		g(bucketObjectsDesc, u.Objects)
		g(bucketBytesDesc, u.Bytes)
		g(bucketVersionsDesc, u.Versions)
		g(bucketVersionBytesDesc, u.VersionBytes)
		g(bucketDeleteMarkersDesc, u.DeleteMarkers)
	}
	for _, name := range names {
		switch {
		case c.traffic.optIn[name]:
			gauges(name, all[name])
		case shown < c.traffic.limit:
			shown++
			gauges(name, all[name])
		default:
			other.Add(all[name])
		}
	}
	gauges(OtherBucket, other)
}
