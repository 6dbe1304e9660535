package admin

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/cairnstore/cairn/s3api/audit"
)

// Bounds of GET /audit.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = audit.RecentRecords
)

// AuditSource gathers the recent audit records of every live node; cmd/node supplies
// it. Optional: without it, GET /audit?scope=cluster answers NotImplemented.
type AuditSource interface {
	// ClusterAudit returns up to limit of each answering node's latest records that
	// match f, newest first, by node id, and the ids of the live nodes asked that did
	// not answer within ctx.
	ClusterAudit(ctx context.Context, f audit.Filter, limit int) (byNode map[string][]audit.Record, silent []string)
}

// AuditList is the answer of GET /audit.
type AuditList struct {
	Items []audit.Record `json:"items"`
	// NodesAsked and NodesSilent are set with scope=cluster: the live nodes asked,
	// and those that did not answer (their records are missing).
	NodesAsked  int      `json:"nodesAsked,omitempty"`
	NodesSilent []string `json:"nodesSilent,omitempty"`
}

// getAudit answers the latest audit records, newest first, that match the query's
// filters: user, api, action, result, bucket (each exact) and limit (default 100, at
// most audit.RecentRecords). Without scope, only this node's records since it
// started (the full log is each node's --audit-log file); with scope=cluster, every
// live node's, merged by time.
func (s *Server) getAudit(cl *call) error {
	q := cl.Request().URL.Query()
	limit := defaultAuditLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxAuditLimit {
			return errorf(InvalidRequest, "limit must be a number from 1 to %d.", maxAuditLimit)
		}
		limit = n
	}
	f := audit.Filter{User: q.Get("user"), API: q.Get("api"), Action: q.Get("action"), Result: q.Get("result"), Bucket: q.Get("bucket")}
	switch q.Get("scope") {
	case "", "node":
		items := s.cfg.AuditLog.Recent(f.Match, limit)
		if items == nil {
			items = []audit.Record{}
		}
		return cl.ok(http.StatusOK, AuditList{Items: items})
	case "cluster":
		if s.deps.Audit == nil {
			return errorf(NotImplemented, "This node cannot gather the cluster's audit records.")
		}
		byNode, silent := s.deps.Audit.ClusterAudit(cl.Request().Context(), f, limit)
		out := AuditList{Items: mergeAudit(byNode, limit), NodesAsked: len(byNode) + len(silent), NodesSilent: silent}
		return cl.ok(http.StatusOK, out)
	default:
		return errorf(InvalidRequest, "scope is node or cluster.")
	}
}

// mergeAudit merges the nodes' lists (each newest first) into one, newest first, of
// at most limit records; records of the same time keep the node order of their ids.
func mergeAudit(byNode map[string][]audit.Record, limit int) []audit.Record {
	var all []audit.Record
	for _, recs := range byNode {
		all = append(all, recs...)
	}
	sortNewestFirst(all)
	if len(all) > limit {
		all = all[:limit]
	}
	if all == nil {
		all = []audit.Record{}
	}
	return all
}

// sortNewestFirst sorts records by time, newest first, then by node id.
func sortNewestFirst(recs []audit.Record) {
	slices.SortStableFunc(recs, func(a, b audit.Record) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.Node, b.Node)
	})
}
