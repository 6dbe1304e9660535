package console

import (
	"net/http"
	"strconv"

	"github.com/cairnstore/cairn/s3api/admin"
)

// clearOverride clears a node's capacity and zone override, as the user: PUT
// /admin/v1/nodes/{id} with an empty override (admin:UpdateLayout), so the node's own
// --capacity and --zone flags apply again in a new layout version. The form carries
// the layout version the page showed: a layout changed since is refused
// (LayoutConflict), as a stale preview is.
func (c *Console) clearOverride(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	id := r.PostFormValue("node")
	version, err := strconv.ParseUint(r.PostFormValue("version"), 10, 64)
	if id == "" || err != nil {
		c.failErr(w, r, badInput("Name the node and the layout version the page showed."))
		return
	}
	ac := c.adminClient(r, s.accessKey, s.secret)
	if _, err := ac.SetNodeOverride(r.Context(), id, admin.NodeOverride{Version: version}); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/cluster#nodes", http.StatusSeeOther)
}
