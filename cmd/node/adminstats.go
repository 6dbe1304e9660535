package node

import (
	"context"
	"sync"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// adminStats gives the admin API each node's storage figures and anti-entropy work:
// this node's from its object layer (blob.Store.Report), the others' by asking theirs
// over the node-to-node API (blob.RemoteReport), in parallel.
type adminStats struct{ n *Node }

// NodeStats returns the figures of every node that answered before ctx ended.
func (s *adminStats) NodeStats(ctx context.Context, nodes []meta.NodeInfo) map[string]admin.NodeStats {
	out := map[string]admin.NodeStats{}
	for id, rep := range s.n.reports(ctx, nodes) {
		st := nodeStatsOf(rep.Usage)
		st.Repair = repairOf(rep.Sync)
		out[id] = st
	}
	return out
}

// askable reports whether a node can be asked for its figures: this node, or a live
// member with a node-to-node address.
func (n *Node) askable(info meta.NodeInfo) bool {
	if info.ID == n.cfg.NodeID {
		return true
	}
	return n.RPCClient() != nil && info.RPCAddr != "" && info.Gossip == "alive" && info.Status != meta.NodeRemoved
}

// askNodes calls ask for every askable node in parallel and returns the answers of
// those that gave one, by node id.
func askNodes[T any](n *Node, nodes []meta.NodeInfo, ask func(info meta.NodeInfo, local bool) (T, error)) map[string]T {
	out := map[string]T{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, info := range nodes {
		if !n.askable(info) {
			continue
		}
		wg.Go(func() {
			v, err := ask(info, info.ID == n.cfg.NodeID)
			if err != nil {
				n.log.Debug("a node did not give its figures", "node_id", info.ID, "error", err)
				return
			}
			mu.Lock()
			out[info.ID] = v
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// reports returns the object layer's Report of every node that answered before ctx
// ended.
func (n *Node) reports(ctx context.Context, nodes []meta.NodeInfo) map[string]blob.Report {
	return askNodes(n, nodes, func(info meta.NodeInfo, local bool) (blob.Report, error) {
		if local {
			return n.store.Report(ctx)
		}
		return blob.RemoteReport(ctx, n.RPCClient(), info.RPCAddr)
	})
}

// nodeStatsOf is the admin API's view of a node's usage.
func nodeStatsOf(u blob.Usage) admin.NodeStats {
	return admin.NodeStats{
		DataBytes: u.DataBytes(), BlockBytes: u.BlockBytes, IndexBytes: u.IndexBytes,
		DiskTotalBytes: u.DiskTotalBytes, DiskFreeBytes: u.DiskFreeBytes, DiskUsedBytes: u.DiskUsedBytes,
		Objects: u.Objects, Blocks: u.Blocks,
	}
}
