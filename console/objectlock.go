package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/meta/policy"
)

// objectLockView is the retention and legal hold of the version an object's page
// shows.
type objectLockView struct {
	On        bool   // the bucket has object lock
	Mode      string // "GOVERNANCE", "COMPLIANCE" or "" (no retention)
	Until     time.Time
	UntilForm string // the retain-until date as the form shows it (UTC)
	Expired   bool   // the retain-until date has passed: an ordinary version again
	LegalHold bool
	Err       string // the API's refusal to read the retention
	HoldErr   string // ... the legal hold
	SaveErr   string // the API's refusal of the retention form
	HoldSave  string // ... of the legal hold form
	CanRetain bool   // s3:PutObjectRetention
	CanBypass bool   // s3:BypassGovernanceRetention
	CanHold   bool   // s3:PutObjectLegalHold
}

// untilLayout is the retain-until date in the form: an HTML datetime-local value,
// read as UTC.
const untilLayout = "2006-01-02T15:04"

// readObjectLock fills the lock part of v: GetObjectRetention and
// GetObjectLegalHold of the version shown, as the user. A bucket without object
// lock answers InvalidRequest, and the page then shows no lock section.
func (c *Console) readObjectLock(r *http.Request, s *session, cl *s3.Client, v *detailsView) {
	ctx := r.Context()
	b, k, vid := aws.String(v.Bucket), aws.String(v.Key), versionParam(v.VersionID)
	ret, err := cl.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: k, VersionId: vid})
	switch _, code, _ := apiError(err); {
	case err == nil:
		v.Lock.On = true
		if ret.Retention != nil {
			v.Lock.Mode = string(ret.Retention.Mode)
			v.Lock.Until = aws.ToTime(ret.Retention.RetainUntilDate).UTC()
			v.Lock.Expired = !v.Lock.Until.After(c.now())
		}
	case code == "InvalidRequest":
		return // no object lock in this bucket
	case code == "NoSuchObjectLockConfiguration":
		v.Lock.On = true // no retention on this version
	default:
		v.Lock.On, v.Lock.Err = true, errText(err)
	}
	hold, err := cl.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: b, Key: k, VersionId: vid})
	switch _, code, _ := apiError(err); {
	case err == nil:
		v.Lock.LegalHold = hold.LegalHold != nil && hold.LegalHold.Status == types.ObjectLockLegalHoldStatusOn
	case code != "NoSuchObjectLockConfiguration":
		v.Lock.HoldErr = errText(err)
	}
	if !v.Lock.Until.IsZero() {
		v.Lock.UntilForm = v.Lock.Until.Format(untilLayout)
	}
	v.Lock.CanRetain = c.mayObject(r, s, policy.ActionPutObjectRetention, v.Bucket, v.Key)
	v.Lock.CanBypass = c.mayObject(r, s, policy.ActionBypassGovernanceRetention, v.Bucket, v.Key)
	v.Lock.CanHold = c.mayObject(r, s, policy.ActionPutObjectLegalHold, v.Bucket, v.Key)
}

// versionParam is a version id for the SDK: nil for none.
func versionParam(id string) *string {
	if id == "" {
		return nil
	}
	return aws.String(id)
}

// lockAction changes the retention (op "retention": a mode and a retain-until date,
// or none to remove it, with the governance bypass when ticked) or the legal hold
// (op "legal-hold") of one version, as the user, through PutObjectRetention and
// PutObjectLegalHold. The S3 API decides: shortening or removing a GOVERNANCE
// retention needs the bypass and s3:BypassGovernanceRetention, a COMPLIANCE one
// cannot be. A refusal is shown by the form that sent it.
func (c *Console) lockAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	cl := c.s3Client(r, s)
	b, k, vid := aws.String(bucket), aws.String(key), versionParam(r.PostFormValue("versionId"))
	var err error
	var onErr func(*detailsView)
	switch r.PostFormValue("op") {
	case "retention":
		mode, until := r.PostFormValue("mode"), strings.TrimSpace(r.PostFormValue("until"))
		ret := &types.ObjectLockRetention{}
		if mode != "" {
			t, perr := time.Parse(untilLayout, until)
			if perr != nil {
				t, perr = time.Parse(time.DateOnly, until)
			}
			if perr != nil {
				err = badInput("The retain-until date %q is not a date and time (YYYY-MM-DDTHH:MM, UTC).", until)
			}
			ret = &types.ObjectLockRetention{Mode: types.ObjectLockRetentionMode(mode), RetainUntilDate: aws.Time(t.UTC())}
		}
		if err == nil {
			_, err = cl.PutObjectRetention(r.Context(), &s3.PutObjectRetentionInput{Bucket: b, Key: k, VersionId: vid,
				Retention: ret, BypassGovernanceRetention: aws.Bool(r.PostFormValue("bypass") == "on")})
		}
		onErr = func(v *detailsView) { v.Lock.SaveErr, v.Lock.Mode, v.Lock.UntilForm = errText(err), mode, until }
	case "legal-hold":
		status := types.ObjectLockLegalHoldStatusOff
		if r.PostFormValue("hold") == "ON" {
			status = types.ObjectLockLegalHoldStatusOn
		}
		_, err = cl.PutObjectLegalHold(r.Context(), &s3.PutObjectLegalHoldInput{Bucket: b, Key: k, VersionId: vid,
			LegalHold: &types.ObjectLockLegalHold{Status: status}})
		onErr = func(v *detailsView) { v.Lock.HoldSave = errText(err) }
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such object lock change.")
		return
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderDetails(w, r, status, onErr)
		return
	}
	http.Redirect(w, r, "/o/"+url.PathEscape(bucket)+"/"+escapeKey(key)+"#object-lock", http.StatusSeeOther)
}
