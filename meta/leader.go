package meta

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/layout"
)

// runLeaderTasks does what a node does each time it becomes leader (leaderSetup).
func (m *Meta) runLeaderTasks(ctx context.Context) {
	defer m.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case isLeader := <-m.raft.LeaderCh():
			if isLeader {
				m.establishLeadership(ctx)
			}
		}
	}
}

// establishLeadership runs leaderSetup until it succeeds, this node loses leadership
// or Meta closes.
func (m *Meta) establishLeadership(ctx context.Context) {
	for {
		err := m.leaderSetup(ctx)
		if err == nil {
			return
		}
		if ctx.Err() != nil || m.raft.State() != raft.Leader {
			return
		}
		m.log.Warn("leader setup failed; retrying", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(m.cfg.HeartbeatTimeout):
		}
	}
}

// leaderSetup brings a new leader's FSM up to date, corrects its own address in the
// Raft configuration, and gives the cluster its id and first layout if it has none
// yet (also after a crash between bootstrap and those commands, or when the
// bootstrapping node lost the first election).
func (m *Meta) leaderSetup(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	if err := m.barrier.do(ctx); err != nil {
		return fmt.Errorf("barrier: %w", err)
	}
	if err := m.updateOwnAddress(); err != nil {
		return err
	}
	return m.initCluster(ctx)
}

// updateOwnAddress stores this node's current transport address in the Raft
// configuration when it differs from the stored one: a single node restarted on
// another port (RaftAddr ":0") still wins its election, since raft votes by server
// id, and then records where it now listens, for Leader() and for nodes that join
// later. A follower's changed address is updated by the leader from gossip
// (reconcileServers).
func (m *Meta) updateOwnAddress() error {
	f := m.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("read raft configuration: %w", err)
	}
	self, addr := raft.ServerID(m.cfg.NodeID), m.trans.LocalAddr()
	for _, s := range f.Configuration().Servers {
		if s.ID != self || s.Address == addr || s.Suffrage != raft.Voter {
			continue
		}
		m.log.Info("raft address changed; updating the raft configuration", "old_addr", s.Address, "new_addr", addr)
		if err := m.raft.AddVoter(self, addr, f.Index(), m.cfg.RequestTimeout).Error(); err != nil {
			return fmt.Errorf("update own raft address: %w", err)
		}
	}
	return nil
}

// initCluster proposes ClusterInit with a random id and a first layout, each only if
// the cluster lacks it. The first layout holds this node alone, or in a cluster the
// Raft servers whose zone and capacity gossip knows (firstLayoutNodes).
func (m *Meta) initCluster(ctx context.Context) error {
	if m.fsm.clusterID() == "" {
		id := newClusterID()
		if err := m.apply(ctx, ClusterInit{ClusterID: id}); err != nil && !errors.Is(err, ErrClusterInitialized) {
			return fmt.Errorf("cluster init: %w", err)
		}
		m.log.Info("cluster initialized", "cluster_id", m.fsm.clusterID())
	}
	if m.fsm.currentLayout() == nil {
		l, err := layout.New(1, m.firstLayoutNodes(), 0, 0)
		if err != nil {
			return fmt.Errorf("first layout: %w", err)
		}
		if err := m.apply(ctx, layoutSetOf(l)); err != nil && !errors.Is(err, ErrStaleLayout) {
			return fmt.Errorf("first layout: %w", err)
		}
		m.log.Info("first layout set", "version", l.Version, "nodes", len(l.Nodes), "replication", l.Replication)
	}
	return nil
}

// newClusterID returns a random 128-bit id in hex.
func newClusterID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
