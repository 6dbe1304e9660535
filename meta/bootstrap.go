package meta

import (
	"errors"

	"github.com/hashicorp/raft"
)

// bootstrapExpect bootstraps the cluster when Config.BootstrapExpect nodes are alive
// in gossip, none of them has Raft state, and this node has the lowest id of them. It
// reports whether waiting is over: this node now has a Raft configuration (it
// bootstrapped, or a leader added it).
//
// Only the lowest id bootstraps, so two nodes never bootstrap two clusters from the
// same view; a node that sees another member with Raft state waits to be added by
// that cluster's leader instead.
func (m *Meta) bootstrapExpect() bool {
	if conf, _, err := m.configuration(); err == nil && len(conf.Servers) > 0 {
		return true
	}
	alive := m.aliveNodes()
	for _, mb := range alive {
		if mb.Meta.RaftState && mb.ID != m.cfg.NodeID {
			m.logWaiting(len(alive), "a member already has raft state: waiting for its leader to add this node", "member", mb.ID)
			return false
		}
	}
	if len(alive) < m.cfg.BootstrapExpect {
		m.logWaiting(len(alive), "waiting for more nodes before bootstrapping", "expect", m.cfg.BootstrapExpect)
		return false
	}
	if alive[0].ID != m.cfg.NodeID {
		m.logWaiting(len(alive), "waiting for the node with the lowest id to bootstrap", "bootstrapper", alive[0].ID)
		return false
	}
	voters := alive[:min(len(alive), voterCap(len(alive)))]
	conf := raft.Configuration{}
	for _, mb := range voters {
		addr := raft.ServerAddress(mb.Meta.RaftAddr)
		if mb.ID == m.cfg.NodeID {
			addr = m.trans.LocalAddr()
		}
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(mb.ID), Address: addr})
	}
	err := m.raft.BootstrapCluster(conf).Error()
	if errors.Is(err, raft.ErrCantBootstrap) {
		return true // Raft state appeared meanwhile: a leader added this node
	}
	if err != nil {
		m.log.Warn("bootstrap failed; will retry", "error", err)
		return false
	}
	m.log.Info("bootstrapped a new cluster", "voters", len(conf.Servers), "expect", m.cfg.BootstrapExpect)
	m.announceRaftState()
	return true
}

// logWaiting logs why bootstrap waits, once per number of members seen.
func (m *Meta) logWaiting(members int, msg string, args ...any) {
	if m.cl.lastWaiting == members {
		return
	}
	m.cl.lastWaiting = members
	m.log.Info(msg, append(args, "members", members)...)
}
