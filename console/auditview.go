package console

import (
	"net/http"
	"net/url"

	"github.com/cairnstore/cairn/s3api/audit"
)

// auditView is the audit page.
type auditView struct {
	Filter  map[string]string
	Records []audit.Record
	// Cluster is the scope: every live node's records (the default) or this node's.
	Cluster bool
	// NodesAsked and Silent are the nodes asked in the cluster scope and those that
	// did not answer.
	NodesAsked int
	Silent     []string
	Error      string
}

// auditFilters are the fields the audit page filters on, as GET /admin/v1/audit
// names them.
var auditFilters = []string{"user", "api", "action", "result", "bucket"}

// auditPage shows the latest audit records of every surface (S3, admin, console),
// filtered, from the admin API's GET /audit as the user (admin:GetAuditLog): by
// default every live node's, merged by time (scope=cluster); with scope=node only
// this node's.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	q := r.URL.Query()
	v := auditView{Filter: map[string]string{}, Cluster: q.Get("scope") != "node"}
	filter := url.Values{"limit": {"200"}}
	for _, k := range auditFilters {
		if val := q.Get(k); val != "" {
			v.Filter[k] = val
			filter.Set(k, val)
		}
	}
	ac := c.adminClient(r, s.accessKey, s.secret)
	if v.Cluster {
		out, err := ac.ClusterAuditLog(r.Context(), filter)
		if err != nil {
			v.Error = errText(err)
		}
		v.Records, v.NodesAsked, v.Silent = out.Items, out.NodesAsked, out.NodesSilent
	} else {
		recs, err := ac.AuditLog(r.Context(), filter)
		if err != nil {
			v.Error = errText(err)
		}
		v.Records = recs
	}
	c.render(w, r, http.StatusOK, "audit", v)
}
