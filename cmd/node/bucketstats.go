package node

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/metrics"
)

// trafficPath is the node-to-node endpoint that answers a node's per-bucket request
// counters (metrics.Metrics.BucketTraffic), as JSON.
const trafficPath = "/rpc/node/traffic"

// bucketUsageCacheAge bounds how long the cluster-wide bucket usage is reused, so
// that the scrapes of every node and the admin requests of a few seconds share one
// round of asking the nodes. Each node's own figures are also up to --usage-max-age
// old: they come from its last walk of its index (blob.Store.Counts), never from a
// walk per request.
const bucketUsageCacheAge = 10 * time.Second

// quotaKeep is how long the quota enforcer remembers this node's writes: longer than
// the oldest figures it can be given (a node's usage, up to usageMaxAge old, reused
// for up to bucketUsageCacheAge), with a minute to spare.
func quotaKeep(usageMaxAge time.Duration) time.Duration {
	return usageMaxAge + bucketUsageCacheAge + time.Minute
}

// bucketStats gathers the buckets' usage (from every node's object layer, each object
// counted once: blob.ClusterBucketUsage) for the metrics and the admin API, and their
// request counters (from every node's metrics) for the admin API.
type bucketStats struct {
	n *Node

	mu       sync.Mutex
	at       time.Time
	usage    map[string]blob.BucketUsage
	asked    int
	answered int
	// measuredAt is when the oldest of the nodes' figures in usage was taken.
	measuredAt time.Time
}

// QuotaUsage implements quota.Source: the buckets' usage and when the oldest figure
// in it was measured.
func (s *bucketStats) QuotaUsage(ctx context.Context) (map[string]blob.BucketUsage, time.Time, error) {
	if _, _, _, err := s.clusterUsage(ctx); err != nil {
		return nil, time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usage, s.measuredAt, nil
}

// BucketUsage implements metrics.BucketUsageSource.
func (s *bucketStats) BucketUsage(ctx context.Context) (map[string]blob.BucketUsage, error) {
	u, _, _, err := s.clusterUsage(ctx)
	return u, err
}

// clusterUsage returns the usage of every bucket that exists, with the number of
// nodes asked and answering.
func (s *bucketStats) clusterUsage(ctx context.Context) (map[string]blob.BucketUsage, int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	maxAge := s.n.cfg.UsageMaxAge
	if maxAge == 0 {
		maxAge = blob.DefaultConfig().UsageMaxAge
	}
	maxAge = min(maxAge, bucketUsageCacheAge)
	if s.usage != nil && time.Since(s.at) < maxAge {
		return s.usage, s.asked, s.answered, nil
	}
	nodes, err := s.n.meta.Nodes()
	if err != nil {
		return nil, 0, 0, err
	}
	buckets, err := s.n.meta.Buckets(ctx)
	if err != nil {
		return nil, 0, 0, err
	}
	reps := s.n.reports(ctx, nodes)
	counts := make([]blob.Counts, 0, len(reps))
	var measuredAt time.Time
	for _, r := range reps {
		counts = append(counts, r.Usage.Counts)
		if measuredAt.IsZero() || r.Usage.MeasuredAt.Before(measuredAt) {
			measuredAt = r.Usage.MeasuredAt
		}
	}
	all := blob.ClusterBucketUsage(counts)
	// Only buckets that exist: records of a deleted bucket wait for the collector.
	usage := make(map[string]blob.BucketUsage, len(buckets))
	for _, b := range buckets {
		usage[b.Name] = all[b.Name]
	}
	s.usage, s.at, s.asked, s.answered = usage, time.Now(), askableCount(s.n, nodes), len(reps)
	s.measuredAt = measuredAt
	return usage, s.asked, s.answered, nil
}

// askableCount is how many of nodes can be asked for their figures (askable).
func askableCount(n *Node, nodes []meta.NodeInfo) int {
	c := 0
	for _, info := range nodes {
		if n.askable(info) {
			c++
		}
	}
	return c
}

// BucketStats implements admin.BucketStatsSource: the usage of every bucket, and its
// requests summed over the nodes that answered.
func (s *bucketStats) BucketStats(ctx context.Context) (admin.BucketStatsReport, error) {
	usage, asked, answered, err := s.clusterUsage(ctx)
	if err != nil {
		return admin.BucketStatsReport{}, err
	}
	nodes, err := s.n.meta.Nodes()
	if err != nil {
		return admin.BucketStatsReport{}, err
	}
	traffic := map[string]admin.BucketTraffic{}
	for _, byBucket := range s.n.traffic(ctx, nodes) {
		for name, t := range byBucket {
			sum := traffic[name]
			if sum.Requests == nil {
				sum.Requests = map[string]int64{}
			}
			for class, v := range t.Requests {
				sum.Requests[class] += v
			}
			sum.Errors += t.Errors
			sum.BytesIn += t.BytesIn
			sum.BytesOut += t.BytesOut
			traffic[name] = sum
		}
	}
	rep := admin.BucketStatsReport{Items: make([]admin.BucketStats, 0, len(usage)), NodesAsked: asked, NodesAnswered: answered}
	for name, u := range usage {
		t := traffic[name]
		if t.Requests == nil {
			t.Requests = map[string]int64{}
		}
		for _, class := range metrics.Classes {
			if _, ok := t.Requests[class]; !ok {
				t.Requests[class] = 0 // every class is listed, even unused
			}
		}
		rep.Items = append(rep.Items, admin.BucketStats{Name: name, Usage: u, Traffic: t})
	}
	return rep, nil
}

// traffic returns the per-bucket request counters of every node that answered.
func (n *Node) traffic(ctx context.Context, nodes []meta.NodeInfo) map[string]map[string]metrics.BucketTraffic {
	return askNodes(n, nodes, func(info meta.NodeInfo, local bool) (map[string]metrics.BucketTraffic, error) {
		if local {
			return n.metrics.BucketTraffic(), nil
		}
		var out map[string]metrics.BucketTraffic
		err := n.RPCClient().CallJSON(ctx, info.RPCAddr, trafficPath, struct{}{}, &out)
		return out, err
	})
}

// serveTraffic answers trafficPath.
func (n *Node) serveTraffic(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(n.metrics.BucketTraffic()); err != nil {
		transport.WriteError(w, http.StatusInternalServerError, "Internal", err.Error())
	}
}
