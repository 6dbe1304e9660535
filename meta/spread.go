package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cairnstore/cairn/cluster/membership"
)

// spreadTimeout bounds how long a configuration change waits for the other nodes to
// apply it. Followers learn of a commit with the leader's next message, within tens
// of milliseconds; a node that takes longer is down, cut off or far behind.
const spreadTimeout = 2 * time.Second

// rpcApplied is the node-to-node call that waits until a node has applied an index.
const rpcApplied = RPCPrefix + "applied"

// appliedWaiter is the part of a Forwarder that waits for another node to apply a
// Raft index (RPCForwarder has it).
type appliedWaiter interface {
	WaitApplied(ctx context.Context, nodeID string, index uint64) error
}

// applyConfig is apply for a change a client relies on through any node: a bucket
// setting or an IAM change. Once it is applied it waits, at most spreadTimeout, until
// every other member that gossip holds alive has applied it too, so that behind a
// load balancer the client's next request sees it whichever node serves it (a PUT
// right after PutBucketVersioning, a request right after a key was deleted). Reads
// stay local and cost nothing more. A member that does not answer in time is not
// waited for; it applies the change as it catches up.
func (m *Meta) applyConfig(ctx context.Context, c command) error {
	index, err := m.applyAt(ctx, c)
	if err != nil {
		return err
	}
	m.spread(ctx, index)
	return nil
}

// applySetting is applyConfig for a change that leaves the state as it is when
// applied again (a setting set to a value, not a create or a delete): like
// applyIdempotent, it is proposed again when an election leaves its outcome unknown,
// so that a leader change under load costs the client a retry inside the call, not
// a 503.
func (m *Meta) applySetting(ctx context.Context, c command) error {
	index, err := m.applyIdempotentAt(ctx, c)
	if err != nil {
		return err
	}
	m.spread(ctx, index)
	return nil
}

// spread waits until every other live member has applied index, or spreadTimeout.
func (m *Meta) spread(ctx context.Context, index uint64) {
	w, ok := m.cfg.Forwarder.(appliedWaiter)
	if !ok || m.cfg.Membership == nil || index == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, spreadTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, mb := range m.cfg.Membership.Members() {
		if mb.ID == m.cfg.NodeID || mb.State != membership.StateAlive {
			continue
		}
		wg.Go(func() {
			if err := w.WaitApplied(ctx, mb.ID, index); err != nil {
				m.log.Debug("a configuration change is not applied on a node yet", "node", mb.ID, "index", index, "error", err)
			}
		})
	}
	wg.Wait()
}

// WaitApplied returns once node nodeID has applied the Raft entry at index (the
// client side of the applied RPC).
func (f *RPCForwarder) WaitApplied(ctx context.Context, nodeID string, index uint64) error {
	addr, ok := f.resolve(nodeID)
	if !ok || addr == "" {
		return fmt.Errorf("the rpc address of %s is not known", nodeID)
	}
	var reply indexReply
	return f.client.CallJSON(ctx, addr, rpcApplied, indexReply{Index: index}, &reply)
}

// serveApplied is the server side of WaitApplied: it answers once this node's FSM has
// applied the index asked for, or 503 when the caller's deadline (at most
// spreadTimeout here) passes first.
func (m *Meta) serveApplied(w http.ResponseWriter, r *http.Request) {
	var req indexReply
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&req); err != nil {
		writeRPCError(w, fmt.Errorf("%w: %v", ErrInvalid, err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), spreadTimeout)
	defer cancel()
	if err := m.waitApplied(ctx, req.Index); err != nil {
		writeRPCError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"index":%d}`, m.fsm.index())
}
