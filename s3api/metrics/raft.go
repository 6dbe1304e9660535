package metrics

import "github.com/prometheus/client_golang/prometheus"

// RaftSource reports this node's Raft state; *meta.Meta implements it.
type RaftSource interface {
	// RaftState returns the state ("Follower", "Candidate", "Leader" or "Shutdown"),
	// the leader's address ("" if unknown), the term, the commit index and the
	// applied index.
	RaftState() (state, leader string, term, commitIndex, appliedIndex uint64)
}

// raftStates are the values of cairn_raft_state's state label, all reported on
// every scrape (1 for the current one) so that a change shows as a flip, not as a
// series appearing.
var raftStates = []string{"Follower", "Candidate", "Leader", "Shutdown"}

var (
	raftStateDesc = prometheus.NewDesc("cairn_raft_state",
		"This node's Raft state: 1 for the current state, 0 for the others.", []string{"state"}, nil)
	raftLeaderDesc = prometheus.NewDesc("cairn_raft_has_leader",
		"1 if this node knows a Raft leader, else 0.", nil, nil)
	raftTermDesc = prometheus.NewDesc("cairn_raft_term",
		"This node's current Raft term.", nil, nil)
	raftCommitDesc = prometheus.NewDesc("cairn_raft_commit_index",
		"The highest Raft log index this node knows to be committed.", nil, nil)
	raftAppliedDesc = prometheus.NewDesc("cairn_raft_applied_index",
		"The highest Raft log index this node has applied to its metadata.", nil, nil)
)

// raftCollector reads Raft's state at scrape time.
type raftCollector struct{ src RaftSource }

// Describe implements prometheus.Collector.
func (c *raftCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{raftStateDesc, raftLeaderDesc, raftTermDesc, raftCommitDesc, raftAppliedDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *raftCollector) Collect(ch chan<- prometheus.Metric) {
	state, leader, term, commit, applied := c.src.RaftState()
	for _, s := range raftStates {
		ch <- prometheus.MustNewConstMetric(raftStateDesc, prometheus.GaugeValue, boolValue(s == state), s)
	}
	ch <- prometheus.MustNewConstMetric(raftLeaderDesc, prometheus.GaugeValue, boolValue(leader != ""))
	ch <- prometheus.MustNewConstMetric(raftTermDesc, prometheus.GaugeValue, float64(term))
	ch <- prometheus.MustNewConstMetric(raftCommitDesc, prometheus.GaugeValue, float64(commit))
	ch <- prometheus.MustNewConstMetric(raftAppliedDesc, prometheus.GaugeValue, float64(applied))
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
