package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// Site sync's pages (docs/site-sync.md): the connections and replication rules,
// each rule with its delivery status, and forms to make and edit connections and
// rules (sitesync_edit.go) and to pause, resume and delete rules. Like every console
// page they are admin API calls signed with the user's key, so a user sees and
// does what their policies allow there: making and editing connections and rules
// needs admin:AddSite and admin:UpdateBucket, pausing and resuming only the
// bucket's s3:PutReplicationConfiguration. A connection's secret goes from the form to the
// admin API and is never shown again.

// syncView is the site sync page.
type syncView struct {
	Connections []admin.Connection
	Rules       []syncRule
	Modes       []string
	// Errors are the admin API's refusals of the lists, shown instead of them.
	Errors []string
}

// syncRule is a rule with its cluster-wide status, when the status was readable.
type syncRule struct {
	admin.ReplicationRule
	Status *meta.ReplicationStatus
}

// Rate is what the rule sent per second over the last minute, for the page.
func (r syncRule) Rate() string {
	if r.Status == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f/s (%s/s)", r.Status.ObjectsPerSecond, humanBytes(int64(r.Status.BytesPerSecond)))
}

// Lag is the rule's lag, rounded for the page.
func (r syncRule) Lag() string {
	if r.Status == nil || r.Status.LagSeconds == 0 {
		return "-"
	}
	return (time.Duration(r.Status.LagSeconds * float64(time.Second))).Round(time.Second).String()
}

// Backfill is the backfill's progress for the page: a mode-all or bidirectional
// rule's, or a resync's.
func (r syncRule) Backfill() string {
	s := r.Status
	backfills := r.Mode == meta.ModeAll || r.Mode == meta.ModeBidirectional
	switch {
	case s == nil && backfills:
		return "?"
	case s == nil:
		return "-"
	case s.BackfillDone:
		return fmt.Sprintf("done: %d compared, %d copied (%s)", s.BackfillCompared, s.BackfillCopied, humanBytes(s.BackfillBytes))
	case s.BackfillStarted.IsZero() && backfills:
		return "not started"
	case s.BackfillStarted.IsZero():
		return "-"
	case s.BackfillCounting:
		return fmt.Sprintf("%d of at least %d objects (counting)", s.BackfillCompared, s.BackfillTotalObjects)
	}
	eta := ""
	if s.BackfillETASeconds > 0 {
		eta = ", about " + (time.Duration(s.BackfillETASeconds) * time.Second).Round(time.Second).String() + " left"
	}
	return fmt.Sprintf("%d of %d objects, %s of %s%s", s.BackfillCompared, s.BackfillTotalObjects,
		humanBytes(s.BackfillComparedBytes), humanBytes(s.BackfillTotalBytes), eta)
}

// Failures lists the rule's failures by reason.
func (r syncRule) Failures() string {
	if r.Status == nil || len(r.Status.Failures) == 0 {
		return "-"
	}
	var out []string
	for k, v := range r.Status.Failures {
		out = append(out, fmt.Sprintf("%s %d", k, v))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

// syncPage lists the connections and the rules with their status.
func (c *Console) syncPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx := r.Context()
	v := syncView{Modes: []string{meta.ModeNewOnly, meta.ModeAll, meta.ModeBidirectional}}
	note := func(what string, err error) {
		if err != nil {
			v.Errors = append(v.Errors, what+": "+errText(err))
		}
	}
	conns, err := ac.Connections(ctx)
	note("Connections", err)
	v.Connections = conns
	rules, err := ac.ReplicationRules(ctx, "")
	note("Rules", err)
	var byRule map[string]meta.ReplicationStatus
	if len(rules) > 0 {
		st, err := ac.ReplicationStatus(ctx)
		note("Status", err)
		byRule = map[string]meta.ReplicationStatus{}
		for _, it := range st.Items {
			byRule[it.Bucket+"\x00"+it.ID] = it
		}
	}
	for _, rule := range rules {
		sr := syncRule{ReplicationRule: rule}
		if st, ok := byRule[rule.Bucket+"\x00"+rule.ID]; ok {
			sr.Status = &st
		}
		v.Rules = append(v.Rules, sr)
	}
	c.render(w, r, http.StatusOK, "sync", v)
}

// ruleAction pauses, resumes, resyncs (starts its backfill again) or deletes a rule.
func (c *Console) ruleAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ac := c.adminClient(r, s.accessKey, s.secret)
	ctx, bucket, id := r.Context(), r.PathValue("bucket"), r.PathValue("id")
	var err error
	switch r.PathValue("op") {
	case "pause":
		_, err = ac.PauseReplicationRule(ctx, bucket, id)
	case "resume":
		_, err = ac.ResumeReplicationRule(ctx, bucket, id)
	case "resync":
		_, err = ac.ResyncReplicationRule(ctx, bucket, id)
	case "delete":
		err = ac.DeleteReplicationRule(ctx, bucket, id)
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such action on a rule.")
		return
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/sync", http.StatusSeeOther)
}
