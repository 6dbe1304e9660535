package metrics

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// ClusterSource reports the cluster's nodes and its current layout; *meta.Meta
// implements it.
type ClusterSource interface {
	// Nodes returns every node the cluster knows, with its gossip state.
	Nodes() ([]meta.NodeInfo, error)
	// Layout returns the current layout, or nil before the first.
	Layout() *layout.Layout
}

// gossipStates are the values of cairn_cluster_members' state label, all reported on
// every scrape.
var gossipStates = []string{"alive", "dead", "left", meta.GossipUnknown}

var (
	membersDesc = prometheus.NewDesc("cairn_cluster_members",
		"Nodes the cluster knows, by gossip state (alive, dead, left, unknown), as this node sees them.", []string{"state"}, nil)
	quorumDesc = prometheus.NewDesc("cairn_partitions_with_quorum",
		"Partitions of the current layout with at least a quorum of owners alive in gossip.", nil, nil)
	noQuorumDesc = prometheus.NewDesc("cairn_partitions_without_quorum",
		"Partitions of the current layout with fewer than a quorum of owners alive in gossip: their reads and writes fail with 503.", nil, nil)
	layoutVersionDesc = prometheus.NewDesc("cairn_layout_version",
		"Version of the current layout.", nil, nil)
)

// clusterCollector reads gossip and the layout at scrape time.
type clusterCollector struct {
	src ClusterSource
	log *slog.Logger
}

// Describe implements prometheus.Collector.
func (c *clusterCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{membersDesc, quorumDesc, noQuorumDesc, layoutVersionDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. If the nodes cannot be read, the member
// and partition gauges are left out of the scrape (and the failure logged) rather
// than reported as zero, which would read as a dead cluster.
func (c *clusterCollector) Collect(ch chan<- prometheus.Metric) {
	nodes, err := c.src.Nodes()
	if err != nil {
		c.log.Warn("metrics: reading the cluster's nodes failed", "error", err)
		return
	}
	counts := map[string]int{}
	alive := map[layout.NodeID]bool{}
	for _, n := range nodes {
		counts[n.Gossip]++
		if n.Gossip == "alive" {
			alive[layout.NodeID(n.ID)] = true
		}
	}
	for _, s := range gossipStates {
		ch <- prometheus.MustNewConstMetric(membersDesc, prometheus.GaugeValue, float64(counts[s]), s)
	}
	cur := c.src.Layout()
	if cur == nil {
		return
	}
	with, without, err := partitionQuorums(cur, alive)
	if err != nil {
		c.log.Warn("metrics: computing partition owners failed", "error", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(layoutVersionDesc, prometheus.GaugeValue, float64(cur.Version))
	ch <- prometheus.MustNewConstMetric(quorumDesc, prometheus.GaugeValue, float64(with))
	ch <- prometheus.MustNewConstMetric(noQuorumDesc, prometheus.GaugeValue, float64(without))
}

// partitionQuorums counts the partitions of l that have, and that lack, a quorum of
// owners in alive. It computes the owners on a private copy of the layout: the
// layout meta hands out is shared, and computing its owner table is not safe
// alongside the object layer's reads.
func partitionQuorums(l *layout.Layout, alive map[layout.NodeID]bool) (with, without int, err error) {
	own, err := layout.New(l.Version, l.Nodes, l.Replication, l.Partitions)
	if err != nil {
		return 0, 0, err
	}
	need := own.Quorum()
	for p := range own.Partitions {
		up := 0
		for _, id := range own.Owners(p) {
			if alive[id] {
				up++
			}
		}
		if up >= need {
			with++
		} else {
			without++
		}
	}
	return with, without, nil
}
