package meta

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/membership"
)

// Membership is what meta needs from the cluster's gossip; *membership.Membership
// implements it.
type Membership interface {
	// Members returns every member gossip knows, this node included.
	Members() []membership.Member
	// Subscribe returns the membership events from now on; Meta subscribes once.
	Subscribe() <-chan membership.Event
	// UpdateMeta changes this node's gossip metadata (Meta sets RaftState).
	UpdateMeta(func(*membership.NodeMeta)) error
}

// Voter caps: a cluster of fewer than largeClusterNodes Raft servers keeps
// smallVoterCap voters, a larger one largeVoterCap. The rest are non-voters, which
// replicate the log and serve reads but do not vote, so writes do not wait for them.
const (
	smallVoterCap     = 3
	largeVoterCap     = 5
	largeClusterNodes = 5
)

// voterCap is how many voters a cluster of n Raft servers should have.
func voterCap(n int) int {
	if n >= largeClusterNodes {
		return largeVoterCap
	}
	return smallVoterCap
}

// clusterRuntime is the cluster goroutine's own state.
type clusterRuntime struct {
	announced   atomic.Bool // this node's gossip says RaftState
	lastWaiting int         // members seen when bootstrap-expect last logged
}

// startCluster starts the goroutine that bootstraps through gossip when asked to,
// announces this node's Raft state, and, on the leader, reconciles Raft membership
// and the layout with gossip.
func (m *Meta) startCluster(ctx context.Context, hasState bool) {
	events := m.cfg.Membership.Subscribe()
	if hasState {
		m.announceRaftState()
	}
	m.wg.Add(1)
	go m.runCluster(ctx, events, !hasState && m.cfg.BootstrapExpect > 0)
}

// runCluster runs one round at start and again on every membership event, change of
// leader, change to the cluster state (layouts, acks, statuses) and tick.
func (m *Meta) runCluster(ctx context.Context, events <-chan membership.Event, expect bool) {
	defer m.wg.Done()
	tick := time.NewTicker(m.cfg.ReconcileInterval)
	defer tick.Stop()
	for {
		leaderChanged := m.leaderEvents.wait()
		clusterChanged := m.fsm.clusterChanges.wait()
		if expect && m.bootstrapExpect() {
			expect = false
		}
		if !m.cl.announced.Load() && m.inConfiguration() {
			m.announceRaftState()
		}
		if m.raft.State() == raft.Leader && m.fsm.initialized() {
			if err := m.reconcile(ctx); err != nil && ctx.Err() == nil {
				m.log.Warn("cluster reconcile failed; will retry", "error", err)
			}
			m.deleteExpiredKeys(ctx, time.Now())
		}
		select {
		case <-ctx.Done():
			return
		case _, ok := <-events:
			if !ok {
				events = nil
			}
		case <-leaderChanged:
		case <-clusterChanged:
		case <-tick.C:
		}
	}
}

// announceRaftState sets RaftState in this node's gossip metadata: --bootstrap-expect
// on other nodes never bootstraps while a member has it, and a leader never adds a
// member that has it (it belongs to a cluster already).
func (m *Meta) announceRaftState() {
	if err := m.cfg.Membership.UpdateMeta(func(nm *membership.NodeMeta) { nm.RaftState = true }); err != nil {
		m.log.Warn("could not announce raft state in gossip", "error", err)
		return
	}
	m.cl.announced.Store(true)
}

// configuration returns the latest Raft configuration and its index.
func (m *Meta) configuration() (raft.Configuration, uint64, error) {
	f := m.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return raft.Configuration{}, 0, fmt.Errorf("meta: read raft configuration: %w", err)
	}
	return f.Configuration(), f.Index(), nil
}

// inConfiguration reports whether this node is in the Raft configuration it knows.
func (m *Meta) inConfiguration() bool {
	conf, _, err := m.configuration()
	return err == nil && slices.ContainsFunc(conf.Servers, func(s raft.Server) bool { return s.ID == raft.ServerID(m.cfg.NodeID) })
}

// aliveNodes returns the alive gossip members that are Cairn nodes (they gossip a
// Raft address), sorted by id.
func (m *Meta) aliveNodes() []membership.Member {
	var out []membership.Member
	for _, mb := range m.cfg.Membership.Members() {
		if mb.State == membership.StateAlive && mb.Meta.RaftAddr != "" {
			out = append(out, mb)
		}
	}
	return out
}
