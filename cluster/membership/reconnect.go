package membership

import "time"

// reconnectLoop tries, every interval, to gossip again with each member this node
// holds dead (failed, not left). memberlist gossips with a dead member only for
// GossipToTheDeadTime after its death, and exchanges full state only with members it
// holds alive: after a network partition longer than that, both sides would hold each
// other dead for ever, and the data plane, which finds its peers through gossip, would
// not heal. A join to a dead member's address that answers merges the two views again,
// as Serf's reconnect does for Consul and Nomad. It stops when stop is closed.
func (m *Membership) reconnectLoop(interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		for _, addr := range m.deadAddrs() {
			if n, err := m.list.Join([]string{addr}); err == nil && n > 0 {
				m.log.Info("gossip reaches a member held dead again", "gossip_addr", addr)
			}
		}
	}
}

// deadAddrs returns the gossip addresses of the members held dead, none while this
// node is leaving or shut down.
func (m *Membership) deadAddrs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.left || m.shutdown {
		return nil
	}
	var out []string
	for id, mb := range m.members {
		if id != m.cfg.NodeID && mb.State == StateDead && mb.GossipAddr != "" {
			out = append(out, mb.GossipAddr)
		}
	}
	return out
}

// reconnectInterval is how often dead members are tried: a third of the push/pull
// period (10s on a LAN), so a healed partition heals in gossip well within one
// anti-entropy round.
func reconnectInterval(t Timings) time.Duration {
	if t == (Timings{}) {
		t = LANTimings()
	}
	if t.PushPullInterval <= 0 {
		return 10 * time.Second
	}
	return max(t.PushPullInterval/3, 100*time.Millisecond)
}
