package node

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// statsRPCPath is the node-to-node endpoint that answers a node's storage figures,
// for the admin API's node list on any other node.
const statsRPCPath = "/rpc/admin/stats"

// adminStats measures nodes for the admin API: this node by looking at its data
// directory, the others by asking them over the node-to-node API, in parallel.
type adminStats struct{ n *Node }

// NodeStats returns the figures of every node that answered before ctx ended.
func (s *adminStats) NodeStats(ctx context.Context, nodes []meta.NodeInfo) map[string]admin.NodeStats {
	out := map[string]admin.NodeStats{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := s.n.RPCClient()
	for _, info := range nodes {
		if info.ID == s.n.cfg.NodeID {
			st, err := s.local(ctx)
			if err != nil {
				s.n.log.Warn("cannot measure this node", "error", err)
				continue
			}
			mu.Lock()
			out[info.ID] = st
			mu.Unlock()
			continue
		}
		if client == nil || info.RPCAddr == "" || info.Gossip != "alive" || info.Status == meta.NodeRemoved {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st admin.NodeStats
			if err := client.CallJSON(ctx, info.RPCAddr, statsRPCPath, struct{}{}, &st); err != nil {
				s.n.log.Debug("a node did not give its storage figures", "node_id", info.ID, "error", err)
				return
			}
			mu.Lock()
			out[info.ID] = st
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// local measures this node: the file system of its data directory, its local object
// and block counts (at most a minute old: blob.Store.Counts) and the object layer's
// anti-entropy status.
func (s *adminStats) local(ctx context.Context) (admin.NodeStats, error) {
	total, free, used, err := diskUsage(s.n.cfg.DataDir)
	if err != nil {
		return admin.NodeStats{}, err
	}
	counts, err := s.n.store.Counts(ctx)
	if err != nil {
		return admin.NodeStats{}, err
	}
	return admin.NodeStats{
		DiskTotalBytes: total, DiskFreeBytes: free, DiskUsedBytes: used,
		Objects: counts.Objects, Blocks: counts.Blocks,
		Repair: repairOf(s.n.store.SyncStatus()),
	}, nil
}

// rpcHandler answers statsRPCPath with this node's figures.
func (s *adminStats) rpcHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := s.local(r.Context())
		if err != nil {
			transport.WriteError(w, http.StatusInternalServerError, "InternalError", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
}
