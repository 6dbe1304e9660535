package console

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// layoutChangeView is the layout change of the cluster page: the form as typed, the
// preview the admin API computed for it, and what of it the API can apply.
type layoutChangeView struct {
	Replication string
	Remove      []string
	Capacity    map[string]string
	Zone        map[string]string
	AddID       string
	AddZone     string
	AddCapacity string
	Preview     *admin.LayoutPreview
	// Applicable says the change has a part the admin API makes (the replication
	// factor, removing nodes, a node's capacity or zone override); Elsewhere that it
	// has a part made on the nodes (a new node).
	Applicable bool
	Elsewhere  bool
	Err        string
}

// removes reports whether the form removes node id (for the template).
func (v *layoutChangeView) Removes(id string) bool { return slices.Contains(v.Remove, id) }

// parseLayoutForm reads the change form: replication, remove (repeated), capacity.ID
// and zone.ID per node, add-id, add-zone and add-capacity. Only values that differ
// from the current layout are put in the request.
func parseLayoutForm(r *http.Request, cur *admin.Layout) (layoutChangeView, admin.LayoutPreviewRequest, error) {
	v := layoutChangeView{Replication: strings.TrimSpace(r.PostFormValue("replication")), Remove: r.PostForm["remove"],
		Capacity: map[string]string{}, Zone: map[string]string{},
		AddID: strings.TrimSpace(r.PostFormValue("add-id")), AddZone: strings.TrimSpace(r.PostFormValue("add-zone")), AddCapacity: strings.TrimSpace(r.PostFormValue("add-capacity"))}
	var in admin.LayoutPreviewRequest
	if v.Replication != "" {
		n, err := strconv.Atoi(v.Replication)
		if err != nil || n < 1 {
			return v, in, badInput("The replication factor %q is not a positive whole number.", v.Replication)
		}
		if n != cur.Replication {
			in.Replication = n
		}
	}
	in.Remove = v.Remove
	for _, n := range cur.Nodes {
		if c := strings.TrimSpace(r.PostFormValue("capacity." + n.ID)); c != "" {
			v.Capacity[n.ID] = c
			w, err := strconv.ParseUint(c, 10, 64)
			if err != nil || w == 0 {
				return v, in, badInput("The capacity %q of %s is not a positive whole number.", c, n.ID)
			}
			if w != n.Capacity {
				if in.Capacity == nil {
					in.Capacity = map[string]uint64{}
				}
				in.Capacity[n.ID] = w
			}
		}
		if z, ok := r.PostForm["zone."+n.ID]; ok {
			v.Zone[n.ID] = strings.TrimSpace(z[0])
			if v.Zone[n.ID] != n.Zone {
				if in.Zone == nil {
					in.Zone = map[string]string{}
				}
				in.Zone[n.ID] = v.Zone[n.ID]
			}
		}
	}
	if v.AddID != "" {
		w := uint64(1)
		if v.AddCapacity != "" {
			var err error
			if w, err = strconv.ParseUint(v.AddCapacity, 10, 64); err != nil || w == 0 {
				return v, in, badInput("The new node's capacity %q is not a positive whole number.", v.AddCapacity)
			}
		}
		in.Add = []admin.LayoutNode{{ID: v.AddID, Zone: v.AddZone, Capacity: w}}
	}
	v.Applicable = in.Replication != 0 || len(in.Remove) > 0 || len(in.Capacity) > 0 || len(in.Zone) > 0
	v.Elsewhere = len(in.Add) > 0
	return v, in, nil
}

// previewLayout shows the cluster page with the preview of the change in the form,
// computed by the admin API (POST /layout/preview as the user, admin:GetLayout).
func (c *Console) previewLayout(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	cur, err := ac.Layout(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	v, in, err := parseLayoutForm(r, &cur)
	status := http.StatusOK
	if err == nil {
		var p admin.LayoutPreview
		if p, err = ac.PreviewLayout(r.Context(), in); err == nil {
			v.Preview = &p
		}
	}
	if err != nil {
		status, _, _ = apiError(err)
		v.Err = errText(err)
	}
	c.renderCluster(w, r, status, &v)
}

// applyLayout applies the parts of a previewed change that the admin API makes, as
// the user: the replication factor (PUT /layout with the previewed version, so a
// layout changed since the preview is refused with LayoutConflict), each node's
// capacity and zone override (PUT /nodes/{id}, admin:UpdateLayout; the first call
// made carries the previewed version), then each node removal (DELETE /nodes/{id},
// admin:UpdateLayout). A layout whose version moved on since the preview is refused
// before anything is done. Each part is a layout version of its own.
func (c *Console) applyLayout(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx := r.Context()
	version, err := strconv.ParseUint(r.PostFormValue("version"), 10, 64)
	if err != nil {
		c.failErr(w, r, badInput("The change names no layout version; preview it again."))
		return
	}
	cur, err := ac.Layout(ctx)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	if cur.Version != version {
		c.fail(w, r, http.StatusConflict, "LayoutConflict", "The layout changed since the preview (now version "+strconv.FormatUint(cur.Version, 10)+"); preview the change again.")
		return
	}
	_, in, err := parseLayoutForm(r, &cur)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	first := version // the version the first change made is checked against
	if in.Replication != 0 {
		if _, err := ac.UpdateLayout(ctx, admin.LayoutChange{Version: first, Replication: in.Replication}); err != nil {
			c.failErr(w, r, err)
			return
		}
		first = 0
	}
	for _, id := range overriddenNodes(in) {
		if err := setOverride(ctx, ac, id, in, first); err != nil {
			c.failErr(w, r, err)
			return
		}
		first = 0
	}
	for _, id := range in.Remove {
		if _, err := ac.RemoveNode(ctx, id); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/cluster#sync", http.StatusSeeOther)
}

// overriddenNodes returns the nodes whose capacity or zone the change sets, sorted.
func overriddenNodes(in admin.LayoutPreviewRequest) []string {
	ids := slices.Collect(maps.Keys(in.Capacity))
	for id := range in.Zone {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// setOverride sets node id's capacity or zone override from the change, keeping the
// part of its current override that the change leaves alone (PUT /nodes/{id}
// replaces the whole override). version, when not 0, must still be the layout's.
func setOverride(ctx context.Context, ac *client.Client, id string, in admin.LayoutPreviewRequest, version uint64) error {
	n, err := ac.Node(ctx, id)
	if err != nil {
		return err
	}
	o := admin.NodeOverride{Version: version}
	if n.Override != nil {
		o.Capacity, o.Zone = n.Override.Capacity, n.Override.Zone
	}
	if c, ok := in.Capacity[id]; ok {
		o.Capacity = &c
	}
	if z, ok := in.Zone[id]; ok {
		o.Zone = &z
	}
	_, err = ac.SetNodeOverride(ctx, id, o)
	return err
}
