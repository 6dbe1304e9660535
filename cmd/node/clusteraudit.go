package node

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
)

// auditPath is the node-to-node endpoint that answers a node's recent audit records
// matching a filter, as JSON (auditQuery in, []audit.Record out).
const auditPath = "/rpc/node/audit"

// clusterAuditTimeout bounds how long the nodes are waited for: one that has not
// answered by then is reported silent.
const clusterAuditTimeout = 5 * time.Second

// auditQuery is the body of auditPath.
type auditQuery struct {
	Filter audit.Filter `json:"filter"`
	Limit  int          `json:"limit"`
}

// clusterAudit gives the admin API every live node's recent audit records.
type clusterAudit struct{ n *Node }

// ClusterAudit implements admin.AuditSource: this node's records from its audit log,
// the other live nodes' by asking them in parallel over the node-to-node API, each
// within ctx. A node that is down (not alive in gossip) is not asked, and one that
// does not answer is named in silent, like those.
func (a clusterAudit) ClusterAudit(ctx context.Context, f audit.Filter, limit int) (map[string][]audit.Record, []string) {
	n := a.n
	ctx, cancel := context.WithTimeout(ctx, clusterAuditTimeout)
	defer cancel()
	nodes, err := n.meta.Nodes()
	if err != nil {
		nodes = []meta.NodeInfo{{ID: n.cfg.NodeID}}
	}
	byNode := askNodes(n, nodes, func(info meta.NodeInfo, local bool) ([]audit.Record, error) {
		if local {
			return n.audit.Recent(f.Match, limit), nil
		}
		var out []audit.Record
		err := n.RPCClient().CallJSON(ctx, info.RPCAddr, auditPath, auditQuery{Filter: f, Limit: limit}, &out)
		return out, err
	})
	var silent []string
	for _, info := range nodes {
		if _, ok := byNode[info.ID]; !ok && info.Status != meta.NodeRemoved {
			silent = append(silent, info.ID)
		}
	}
	slices.Sort(silent)
	return byNode, silent
}

// serveAudit answers auditPath.
func (n *Node) serveAudit(w http.ResponseWriter, r *http.Request) {
	var q auditQuery
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&q); err != nil {
		transport.WriteError(w, http.StatusBadRequest, "BadRequest", "the audit query does not decode")
		return
	}
	if q.Limit < 1 || q.Limit > audit.RecentRecords {
		q.Limit = audit.RecentRecords
	}
	recs := n.audit.Recent(q.Filter.Match, q.Limit)
	if recs == nil {
		recs = []audit.Record{}
	}
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(recs); err != nil {
		transport.WriteError(w, http.StatusInternalServerError, "Internal", err.Error())
	}
}
