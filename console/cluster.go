package console

import (
	"net/http"

	"github.com/cairnstore/cairn/s3api/admin"
)

// clusterView is the cluster page: what GET /admin/v1/cluster, /nodes, /layout,
// /sync and /raft answer, each shown or its refusal.
type clusterView struct {
	Cluster *admin.Cluster
	Nodes   []admin.Node
	Layout  *admin.Layout
	Sync    *admin.SyncStatus
	Raft    *admin.Raft
	Errors  []string
	// Change is the layout change form and its preview (layoutchange.go).
	Change *layoutChangeView
}

// LayoutVersion is the layout version the page shows (0 when the user may read
// neither the layout nor the cluster's summary): a change the page makes is refused
// if the layout moved on since.
func (v clusterView) LayoutVersion() uint64 {
	switch {
	case v.Layout != nil:
		return v.Layout.Version
	case v.Cluster != nil:
		return v.Cluster.Layout.Version
	}
	return 0
}

// clusterPage shows the cluster's health, nodes with their capacity, use and state,
// the layout, sync and repair progress, and Raft (admin API calls as the user).
func (c *Console) clusterPage(w http.ResponseWriter, r *http.Request) {
	c.renderCluster(w, r, http.StatusOK, &layoutChangeView{})
}

// renderCluster renders the cluster page with the layout change form as change has it.
func (c *Console) renderCluster(w http.ResponseWriter, r *http.Request, status int, change *layoutChangeView) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx := r.Context()
	v := clusterView{Change: change}
	note := func(err error) {
		if err != nil {
			v.Errors = append(v.Errors, errText(err))
		}
	}
	if cl, err := ac.Cluster(ctx); err == nil {
		v.Cluster = &cl
	} else {
		note(err)
	}
	nodes, err := ac.Nodes(ctx)
	note(err)
	v.Nodes = nodes
	if l, err := ac.Layout(ctx); err == nil {
		v.Layout = &l
	} else {
		note(err)
	}
	if sy, err := ac.Sync(ctx); err == nil {
		v.Sync = &sy
	} else {
		note(err)
	}
	if rf, err := ac.Raft(ctx); err == nil {
		v.Raft = &rf
	} else {
		note(err)
	}
	c.render(w, r, status, "cluster", v)
}
