package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// A node that is down or cut off while it is decommissioned never receives the Raft
// entries that finish its removal: once it is out of the Raft configuration no leader
// sends it anything, so its own view stays "active" or "decommissioning" and it would
// go on serving S3 from a stale state. The leader therefore tells every member that
// gossip holds alive and that its state records as removed, on each reconcile (the
// removed RPC); the member then reports Left, refuses S3 and tells its operator to
// stop it, exactly as a node that saw its own removal does.

// rpcRemoved is the node-to-node call by which the leader tells a node it was removed.
const rpcRemoved = RPCPrefix + "removed"

// tellRemovedTimeout bounds one call telling a removed member.
const tellRemovedTimeout = 2 * time.Second

// removedTeller is the part of a Forwarder that tells a node it was removed
// (RPCForwarder has it).
type removedTeller interface {
	TellRemoved(ctx context.Context, nodeID string) error
}

// removedRequest is the body of the removed RPC.
type removedRequest struct {
	Node string `json:"node"`
}

// tellRemoved tells member id, in the background, that it was removed from the
// cluster.
func (m *Meta) tellRemoved(id string) {
	t, ok := m.cfg.Forwarder.(removedTeller)
	if !ok {
		return
	}
	m.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), tellRemovedTimeout)
		defer cancel()
		if err := t.TellRemoved(ctx, id); err != nil {
			m.log.Debug("cannot tell a removed node that it was removed", "node_id", id, "error", err)
		}
	})
}

// TellRemoved tells node nodeID that the cluster removed it.
func (f *RPCForwarder) TellRemoved(ctx context.Context, nodeID string) error {
	addr, ok := f.resolve(nodeID)
	if !ok || addr == "" {
		return fmt.Errorf("the rpc address of %s is not known", nodeID)
	}
	var reply struct{}
	return f.client.CallJSON(ctx, addr, rpcRemoved, removedRequest{Node: nodeID}, &reply)
}

// serveRemoved is the server side of TellRemoved: a call naming this node makes it
// report Left from now on.
func (m *Meta) serveRemoved(w http.ResponseWriter, r *http.Request) {
	var req removedRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&req); err != nil || req.Node != m.cfg.NodeID {
		writeRPCError(w, fmt.Errorf("%w: the removed call names %q, this node is %q", ErrInvalid, req.Node, m.cfg.NodeID))
		return
	}
	if !m.toldRemoved.Swap(true) {
		m.log.Warn("the cluster's leader says this node was removed from the cluster while it was away", "node_id", m.cfg.NodeID)
		m.fsm.clusterChanges.notify()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, "{}")
}
