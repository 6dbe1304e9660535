package node

import (
	"context"

	"github.com/cairnstore/cairn/cluster/membership"
	"github.com/cairnstore/cairn/lifecycle"
)

// startLifecycle starts the lifecycle engine: every LifecycleInterval it applies the
// buckets' lifecycle rules to the partitions of which this node is the first live
// owner, keeping its checkpoint in the data directory. It stops when the node
// closes.
func (n *Node) startLifecycle() error {
	lcfg := lifecycle.Config{
		Interval: n.cfg.LifecycleInterval,
		Day:      n.cfg.LifecycleDay,
		Dir:      n.cfg.DataDir,
		Logger:   n.cfg.Logger,
		Live:     n.live,
	}
	eng, err := lifecycle.New(lcfg, n.store, n.meta)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.lifecycle, n.stopLifecycle = eng, cancel
	eng.Start(ctx)
	return nil
}

// live reports whether gossip holds a node alive and serving (nil on a single node,
// whose only node is itself).
func (n *Node) live(id string) bool {
	if n.cl == nil || n.cl.members == nil {
		return true
	}
	m, ok := n.cl.members.Member(id)
	return ok && m.State == membership.StateAlive && !m.Meta.Leaving && !m.Meta.Starting
}

// Lifecycle returns the node's lifecycle engine.
func (n *Node) Lifecycle() *lifecycle.Engine { return n.lifecycle }
