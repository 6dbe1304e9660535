package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RepairStatus is anti-entropy's progress on this node: what its last round left
// undone, and what all rounds have copied since the node started.
type RepairStatus struct {
	// RecordPartitionsPending and BlockPartitionsPending count the partitions the
	// last round could not bring in step with every other owner (or hand off);
	// BlocksPending the blocks it found to copy and could not.
	RecordPartitionsPending int
	BlockPartitionsPending  int
	BlocksPending           int
	// Running says a round is in progress; Rounds counts the rounds finished;
	// LastDuration is how long the last one took.
	Running      bool
	Rounds       uint64
	LastDuration time.Duration
	// SyncedVersion is the newest layout version this node has finished syncing to.
	SyncedVersion uint64
	// Records (versions, uploads and parts) and blocks copied here from other owners,
	// from here to other owners, and removed here after handing them to new owners.
	RecordsPulled, RecordsPushed, RecordsHandedOff uint64
	BlocksPulled, BlocksPushed, BlocksHandedOff    uint64
}

// RepairSource reports anti-entropy's progress; cmd/node adapts the object layer's
// sync status to it.
type RepairSource interface {
	RepairStatus() RepairStatus
}

var (
	repairBacklogDesc = prometheus.NewDesc("cairn_repair_backlog",
		"What the last anti-entropy round left undone, by kind: record_partitions and block_partitions not in step with every owner, blocks not copied.",
		[]string{"kind"}, nil)
	repairRunningDesc = prometheus.NewDesc("cairn_repair_running",
		"1 while an anti-entropy round is in progress.", nil, nil)
	repairRoundsDesc = prometheus.NewDesc("cairn_repair_rounds_total",
		"Anti-entropy rounds finished since the node started.", nil, nil)
	repairDurationDesc = prometheus.NewDesc("cairn_repair_last_round_duration_seconds",
		"How long the last finished anti-entropy round took.", nil, nil)
	repairSyncedDesc = prometheus.NewDesc("cairn_repair_synced_layout_version",
		"The newest layout version this node has finished syncing its data to; below cairn_layout_version while a layout change is being synced.", nil, nil)
	repairCopiedDesc = prometheus.NewDesc("cairn_repair_copied_total",
		"Items copied by anti-entropy since the node started, by what (records, blocks) and direction (pulled here, pushed from here, handed_off: removed here after handing them to their new owners).",
		[]string{"what", "direction"}, nil)
)

// repairCollector reads anti-entropy's status at scrape time.
type repairCollector struct{ src RepairSource }

// Describe implements prometheus.Collector.
func (c *repairCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{repairBacklogDesc, repairRunningDesc, repairRoundsDesc, repairDurationDesc, repairSyncedDesc, repairCopiedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *repairCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.RepairStatus()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge(repairBacklogDesc, float64(st.RecordPartitionsPending), "record_partitions")
	gauge(repairBacklogDesc, float64(st.BlockPartitionsPending), "block_partitions")
	gauge(repairBacklogDesc, float64(st.BlocksPending), "blocks")
	gauge(repairRunningDesc, boolValue(st.Running))
	counter(repairRoundsDesc, st.Rounds)
	gauge(repairDurationDesc, st.LastDuration.Seconds())
	gauge(repairSyncedDesc, float64(st.SyncedVersion))
	counter(repairCopiedDesc, st.RecordsPulled, "records", "pulled")
	counter(repairCopiedDesc, st.RecordsPushed, "records", "pushed")
	counter(repairCopiedDesc, st.RecordsHandedOff, "records", "handed_off")
	counter(repairCopiedDesc, st.BlocksPulled, "blocks", "pulled")
	counter(repairCopiedDesc, st.BlocksPushed, "blocks", "pushed")
	counter(repairCopiedDesc, st.BlocksHandedOff, "blocks", "handed_off")
}
