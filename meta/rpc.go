package meta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/cairnstore/cairn/cluster/transport"
)

// The node-to-node API of meta: a follower forwards writes and read-index requests
// to the leader's RPC address. The node mounts RPCHandler at RPCPrefix behind
// transport.Authenticate, so only nodes holding the cluster secret reach it.
const (
	// RPCPrefix is where RPCHandler is mounted on the RPC server.
	RPCPrefix = "/rpc/meta/"
	// MaxRPCBody bounds a request body: a forwarded Raft entry.
	MaxRPCBody = 4 << 20

	rpcApply     = RPCPrefix + "apply"
	rpcReadIndex = RPCPrefix + "readindex"
)

// AddrResolver returns the RPC address ("host:port") of a node, and false while it is
// unknown; the node wiring resolves through gossip metadata.
type AddrResolver func(nodeID string) (rpcAddr string, ok bool)

// RPCForwarder is the Forwarder of a cluster node: it sends the entry or read-index
// request to the leader's RPC address over signed HTTP (transport.Client).
type RPCForwarder struct {
	client  *transport.Client
	resolve AddrResolver
}

var _ Forwarder = (*RPCForwarder)(nil)

// NewRPCForwarder returns a Forwarder that finds the leader with resolve and calls it
// with client.
func NewRPCForwarder(client *transport.Client, resolve AddrResolver) *RPCForwarder {
	return &RPCForwarder{client: client, resolve: resolve}
}

// Forward has the leader apply entry and returns the entry's Raft index and the
// command's result. A leader of an older version answers without the index (0).
func (f *RPCForwarder) Forward(ctx context.Context, l Leader, entry []byte) (uint64, error) {
	addr, err := f.addr(l)
	if err != nil {
		return 0, err
	}
	resp, err := f.client.Do(ctx, http.MethodPost, addr, rpcApply, entry)
	if err != nil {
		return 0, callError(l, err)
	}
	defer resp.Body.Close()
	var reply indexReply
	if resp.StatusCode == http.StatusNoContent {
		return 0, nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<10)).Decode(&reply); err != nil {
		// Applied all the same: the caller falls back to the read index.
		return 0, nil
	}
	return reply.Index, nil
}

// indexReply is the answer of the apply and read-index RPCs: a Raft index.
type indexReply struct {
	Index uint64 `json:"index"`
}

// ReadIndex returns the leader's read index.
func (f *RPCForwarder) ReadIndex(ctx context.Context, l Leader) (uint64, error) {
	addr, err := f.addr(l)
	if err != nil {
		return 0, err
	}
	var reply indexReply
	if err := f.client.CallJSON(ctx, addr, rpcReadIndex, struct{}{}, &reply); err != nil {
		return 0, callError(l, err)
	}
	return reply.Index, nil
}

// addr resolves the leader's RPC address. Until gossip knows it the request is surely
// not sent, so the error wraps ErrNotLeader and the caller retries.
func (f *RPCForwarder) addr(l Leader) (string, error) {
	addr, ok := f.resolve(l.ID)
	if !ok || addr == "" {
		return "", fmt.Errorf("%w: the rpc address of the leader %s is not known yet", ErrNotLeader, l.ID)
	}
	return addr, nil
}

// callError turns a failed call into meta's errors: the leader's own error keeps its
// sentinel (ErrorCode/CodeError); a connection that could not be made means the
// request was surely not sent (ErrNotLeader: retried); anything else leaves the
// outcome unknown (ErrNotReady).
func callError(l Leader, err error) error {
	var remote *transport.RemoteError
	if errors.As(err, &remote) {
		if remote.Status == http.StatusUnauthorized {
			return fmt.Errorf("%w: the leader %s rejected this node's signature (is CAIRN_CLUSTER_SECRET the same on every node?): %s", ErrNotReady, l.ID, remote.Message)
		}
		return CodeError(remote.Code, remote.Message)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fmt.Errorf("%w: cannot reach the leader %s: %w", ErrNotLeader, l.ID, err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: forwarding to the leader %s: %w", ErrNotReady, l.ID, err)
}

// RPCHandler serves meta's node-to-node API (the server side of RPCForwarder). Mount
// it at RPCPrefix behind transport.Authenticate.
func (m *Meta) RPCHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+rpcApply, func(w http.ResponseWriter, r *http.Request) {
		entry, err := io.ReadAll(io.LimitReader(r.Body, MaxRPCBody+1))
		if err != nil {
			transport.WriteError(w, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		if len(entry) > MaxRPCBody {
			transport.WriteError(w, http.StatusRequestEntityTooLarge, "TooLarge", "entry too large")
			return
		}
		index, err := m.ApplyForwarded(r.Context(), entry)
		if err != nil {
			writeRPCError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"index":%d}`, index)
	})
	mux.HandleFunc("POST "+rpcReadIndex, func(w http.ResponseWriter, r *http.Request) {
		index, err := m.ReadIndex(r.Context())
		if err != nil {
			writeRPCError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"index":%d}`, index)
	})
	mux.HandleFunc("POST "+rpcApplied, m.serveApplied)
	mux.HandleFunc("POST "+rpcRemoved, m.serveRemoved)
	return mux
}

// writeRPCError answers with err's code (ErrorCode) and message; RPCForwarder turns
// them back into an error that errors.Is the same sentinel.
func writeRPCError(w http.ResponseWriter, err error) {
	code := ErrorCode(err)
	status := http.StatusConflict // a command the FSM rejected
	switch code {
	case "":
		code, status = "Internal", http.StatusInternalServerError
	case "NotLeader", "NotReady", "Closed":
		status = http.StatusServiceUnavailable
	case "Invalid":
		status = http.StatusBadRequest
	}
	transport.WriteError(w, status, code, err.Error())
}
