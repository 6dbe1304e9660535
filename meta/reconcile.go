package meta

import (
	"context"
	"fmt"

	"github.com/hashicorp/raft"

	"github.com/cairnstore/cairn/cluster/membership"
)

// reconcile is one round of the leader's cluster upkeep: Raft membership follows
// gossip, decommissioned nodes leave once their data has moved, and the layout
// follows Raft membership. Each step is idempotent: a failed round is redone whole.
func (m *Meta) reconcile(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.RequestTimeout)
	defer cancel()
	if err := m.reconcileServers(); err != nil {
		return err
	}
	if err := m.reconcileDecommissions(ctx); err != nil {
		return err
	}
	return m.reconcileLayout(ctx)
}

// reconcileServers adds the alive gossip members that Raft lacks (voters while
// there are fewer than the cap, non-voters after), updates the addresses of members
// that moved, removes the servers of removed nodes, and promotes alive non-voters
// while voters are below the cap.
func (m *Meta) reconcileServers() error {
	conf, _, err := m.configuration()
	if err != nil {
		return err
	}
	statuses := m.fsm.nodeStatuses()
	self := raft.ServerID(m.cfg.NodeID)
	servers := map[raft.ServerID]raft.Server{}
	voters := 0
	for _, s := range conf.Servers {
		if statuses[string(s.ID)] == NodeRemoved {
			if err := m.removeServer(s.ID); err != nil {
				return err
			}
			continue
		}
		servers[s.ID] = s
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	alive := m.aliveNodes()
	for _, mb := range alive {
		id := raft.ServerID(mb.ID)
		status := statuses[mb.ID]
		s, known := servers[id]
		switch {
		case status == NodeRemoved:
			m.tellRemoved(mb.ID) // it may not know: see removed.go
			continue
		case !known && status == NodeDecommissioning:
			continue
		case !known && mb.Meta.RaftState:
			m.log.Warn("a node with raft state of its own is not in this cluster's raft configuration; not adding it (clear its data directory to join it afresh)", "member", mb.ID)
			continue
		case !known:
			suffrage := raft.Nonvoter
			if voters < voterCap(len(servers)+1) {
				suffrage, voters = raft.Voter, voters+1
			}
			if err := m.setServer(id, mb.Meta.RaftAddr, suffrage); err != nil {
				return err
			}
			servers[id] = raft.Server{ID: id, Address: raft.ServerAddress(mb.Meta.RaftAddr), Suffrage: suffrage}
			m.log.Info("added a node to raft", "node_id", mb.ID, "raft_addr", mb.Meta.RaftAddr, "suffrage", suffrage)
		case id != self && string(s.Address) != mb.Meta.RaftAddr:
			if err := m.setServer(id, mb.Meta.RaftAddr, s.Suffrage); err != nil {
				return err
			}
			s.Address = raft.ServerAddress(mb.Meta.RaftAddr)
			servers[id] = s
			m.log.Info("updated a node's raft address", "node_id", mb.ID, "raft_addr", mb.Meta.RaftAddr)
		}
	}
	return m.promote(alive, servers, statuses, voters)
}

// promote makes alive, active non-voters voters, lowest id first, while voters are
// below the cap (after a voter was removed, or as the cluster grows past 5).
func (m *Meta) promote(alive []membership.Member, servers map[raft.ServerID]raft.Server, statuses map[string]NodeStatus, voters int) error {
	for _, mb := range alive {
		if voters >= voterCap(len(servers)) {
			return nil
		}
		s, ok := servers[raft.ServerID(mb.ID)]
		if !ok || s.Suffrage == raft.Voter || statuses[mb.ID] != "" {
			continue
		}
		if err := m.setServer(s.ID, string(s.Address), raft.Voter); err != nil {
			return err
		}
		voters++
		m.log.Info("promoted a non-voter to voter", "node_id", mb.ID)
	}
	return nil
}

// setServer adds a server to the Raft configuration, or changes its address or
// suffrage, and waits for the change to commit.
func (m *Meta) setServer(id raft.ServerID, addr string, suffrage raft.ServerSuffrage) error {
	var f raft.IndexFuture
	if suffrage == raft.Voter {
		f = m.raft.AddVoter(id, raft.ServerAddress(addr), 0, m.cfg.RequestTimeout)
	} else {
		f = m.raft.AddNonvoter(id, raft.ServerAddress(addr), 0, m.cfg.RequestTimeout)
	}
	if err := f.Error(); err != nil {
		return fmt.Errorf("raft: set %s as %s at %s: %w", id, suffrage, addr, err)
	}
	return nil
}

// removeServer removes a server from the Raft configuration. Removing the leader
// itself makes it step down once the change commits.
func (m *Meta) removeServer(id raft.ServerID) error {
	if err := m.raft.RemoveServer(id, 0, m.cfg.RequestTimeout).Error(); err != nil {
		return fmt.Errorf("raft: remove %s: %w", id, err)
	}
	m.log.Info("removed a node from raft", "node_id", id)
	return nil
}
