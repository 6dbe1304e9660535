package console_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
)

const layoutViewerPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:Get*","admin:List*"],"Resource":"arn:cairn:admin:::*"}]}`

// TestLayoutChange: on a 2-node cluster, root previews a change of the replication
// factor (what moves, shown per node) and a node that would join (what it would
// receive; nothing to apply here), then applies the replication change, which the
// layout then has; a stale preview is refused; the read-only user may neither
// preview nor apply (forged); a viewer who may read the layout but not change it is
// refused a capacity change by the admin API; root applies a node's capacity, which
// becomes its override and the new layout's weight, and clears it with the nodes
// table's Clear button (refused to the viewer, for a stale version and without the
// CSRF token).
func TestLayoutChange(t *testing.T) {
	nodes := nodetest.StartCluster(t, 2)
	e := &env{n: nodes[0], base: nodes[0].ConsoleURL()}
	e.addReader(t)
	ctx := context.Background()
	ac := e.adminClient(t)

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	cur, err := ac.Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, cur.Replication)
	_, body := root.do(http.MethodGet, "/cluster", "", nil)
	require.Contains(t, body, `id="layout-form"`)

	// A joining node: previewed, nothing to apply.
	resp, body := root.post("/cluster/preview", "replication", "2", "add-id", "node3", "add-zone", "", "add-capacity", "1")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "node3 (new)")
	require.Contains(t, body, `id="layout-elsewhere"`)
	require.NotContains(t, body, `id="layout-apply"`)

	// A bad factor is shown under the form.
	resp, body = root.post("/cluster/preview", "replication", "5")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	require.Contains(t, body, `id="layout-error"`)

	// 2 → 1: copies are dropped, none copied.
	resp, body = root.post("/cluster/preview", "replication", "1")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `id="preview-replicas">0 partition copies<`)
	require.Contains(t, body, `id="layout-apply"`)

	// The reader: refused by the admin API, previewing or applying.
	resp, body = ro.post("/cluster/preview", "replication", "1")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = ro.post("/cluster/apply", "version", strconv.FormatUint(cur.Version, 10), "replication", "1")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	l, err := ac.Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, l.Replication, "the reader changed nothing")

	resp, body = root.post("/cluster/apply", "version", strconv.FormatUint(cur.Version, 10), "replication", "1")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	l, err = ac.Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, l.Replication)
	require.Greater(t, l.Version, cur.Version)

	// The same preview applied again names an old version: refused, nothing done.
	resp, body = root.post("/cluster/apply", "version", strconv.FormatUint(cur.Version, 10), "replication", "2")
	require.Equal(t, http.StatusConflict, resp.StatusCode, body)
	require.Contains(t, body, "LayoutConflict")
	l2, err := ac.Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, l.Version, l2.Version)

	// A capacity: the viewer reads the layout and the node but may not change them.
	_, err = ac.PutPolicy(ctx, "layout-viewer", []byte(layoutViewerPolicy))
	require.NoError(t, err)
	_, err = ac.CreateUser(ctx, admin.CreateUserRequest{Name: "viewer", Policies: []string{"layout-viewer"}})
	require.NoError(t, err)
	vk, err := ac.CreateAccessKey(ctx, "viewer")
	require.NoError(t, err)
	viewer := e.browser(t)
	require.Equal(t, http.StatusSeeOther, viewer.signIn(vk.AccessKeyID, vk.SecretKey).StatusCode)
	v := strconv.FormatUint(l2.Version, 10)
	resp, body = root.post("/cluster/preview", "replication", "1", "capacity.node1", "3", "zone.node1", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `id="layout-apply"`, "a capacity is applied here")
	require.Contains(t, body, `name="capacity.node1" value="3"`)
	resp, body = viewer.post("/cluster/apply", "version", v, "capacity.node1", "3")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	n1, err := ac.Node(ctx, "node1")
	require.NoError(t, err)
	require.Nil(t, n1.Override, "the viewer changed nothing")

	resp, body = root.post("/cluster/apply", "version", v, "replication", "1", "capacity.node1", "3", "zone.node1", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	n1, err = ac.Node(ctx, "node1")
	require.NoError(t, err)
	require.NotNil(t, n1.Override)
	require.EqualValues(t, 3, *n1.Override.Capacity)
	require.Nil(t, n1.Override.Zone, "an unchanged zone is not overridden")
	l3, err := ac.Layout(ctx)
	require.NoError(t, err)
	require.Greater(t, l3.Version, l2.Version)
	for _, n := range l3.Nodes {
		if n.ID == "node1" {
			require.EqualValues(t, 3, n.Capacity)
		}
	}
	resp, body = root.post("/cluster/apply", "version", v, "capacity.node1", "2")
	require.Equal(t, http.StatusConflict, resp.StatusCode, "a stale preview of a capacity is refused too: %s", body)

	// Clearing the override: shown with a Clear button; refused to the viewer, for a
	// stale layout version and without the CSRF token; done for root.
	_, body = root.do(http.MethodGet, "/cluster", "", nil)
	require.Regexp(t, `<tr data-node="node1">(?s:.)*?<td class="override">capacity 3\s`, body)
	v3 := strconv.FormatUint(l3.Version, 10)
	require.Contains(t, body, `<input type="hidden" name="node" value="node1"><input type="hidden" name="version" value="`+v3+`">`)
	require.Regexp(t, `<tr data-node="node2">(?s:.)*?<td class="override">none</td>`, body)
	resp, body = viewer.post("/cluster/clear-override", "node", "node1", "version", v3)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	resp, body = root.post("/cluster/clear-override", "node", "node1", "version", v)
	require.Equal(t, http.StatusConflict, resp.StatusCode, body)
	require.Contains(t, body, "LayoutConflict")
	resp, _ = root.do(http.MethodPost, "/cluster/clear-override", form("", "node", "node1", "version", v3), map[string]string{"X-CSRF-Token": ""})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
	n1, err = ac.Node(ctx, "node1")
	require.NoError(t, err)
	require.NotNil(t, n1.Override, "the refused clears changed nothing")
	resp, body = root.post("/cluster/clear-override", "node", "node1", "version", v3)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	n1, err = ac.Node(ctx, "node1")
	require.NoError(t, err)
	require.Nil(t, n1.Override)
	l4, err := ac.Layout(ctx)
	require.NoError(t, err)
	require.Greater(t, l4.Version, l3.Version)
	for _, n := range l4.Nodes {
		if n.ID == "node1" {
			require.EqualValues(t, 1, n.Capacity, "the node's own capacity again")
		}
	}
	_, body = root.do(http.MethodGet, "/cluster", "", nil)
	require.Regexp(t, `<tr data-node="node1">(?s:.)*?<td class="override">none</td>`, body)
}
