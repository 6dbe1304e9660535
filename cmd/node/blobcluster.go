package node

import (
	"context"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
)

// configureBlobCluster makes the object store of a cluster node a part of the
// cluster's data plane: placement from the layout versions in Raft (meta.Layouts),
// the end of each layout sync reported to Raft (meta.AckLayoutSync), and the other
// nodes' replicas reached over the node-to-node API at the RPC address each
// advertises in gossip. A single node keeps the store's own one-node layout.
func (n *Node) configureBlobCluster(bcfg *blob.Config) {
	if n.cl == nil {
		return
	}
	bcfg.Layouts = n.meta.Layouts
	bcfg.OnLayoutSynced = func(ctx context.Context, version uint64) error {
		return n.meta.AckLayoutSync(ctx, n.cfg.NodeID, version)
	}
	bcfg.Replicas = blob.RemoteReplicas(n.cl.client, func(id layout.NodeID) (string, error) {
		return n.ResolveDataAddr(string(id))
	})
}

// serveBlobCluster serves the object store's replica to the other nodes at
// blob.RPCPrefix, announces that this node serves (announceServing), and runs an
// anti-entropy round whenever another node joins, comes back or finishes starting,
// so the writes it missed flow to it at once.
func (n *Node) serveBlobCluster() {
	if n.cl == nil {
		return
	}
	if n.cfg.RPCMaxBody < blob.MaxRPCBody {
		n.log.Warn("the node-to-node body limit is below what the object store sends; large records and blocks will fail",
			"component", "blob", "rpc_max_body", n.cfg.RPCMaxBody, "needed", blob.MaxRPCBody)
	}
	n.HandleRPC(blob.RPCPrefix, n.store.RPCHandler())
	n.announceServing()
	events := n.cl.members.Subscribe()
	store := n.store
	go func() {
		for ev := range events { // closed when gossip shuts down
			serves := ev.Type == membership.EventJoin || ev.Type == membership.EventUpdate
			if serves && !ev.Member.Meta.Starting && ev.Member.ID != n.cfg.NodeID {
				store.TriggerSync()
			}
		}
	}()
}

// Store returns the node's object layer.
func (n *Node) Store() *blob.Store { return n.store }
