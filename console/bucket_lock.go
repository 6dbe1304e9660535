package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// lockView is the object lock part of a bucket's settings page.
type lockView struct {
	Enabled bool
	Mode    string // the default retention's mode; "" for none
	Days    string // the default retention's period, one of the two
	Years   string
	Err     string // the API's refusal to read it
	SaveErr string // the API's refusal of the form
}

// readLock fills the object lock part of v.
func (c *Console) readLock(r *http.Request, cl *s3.Client, v *settingsView) {
	out, err := cl.GetObjectLockConfiguration(r.Context(), &s3.GetObjectLockConfigurationInput{Bucket: aws.String(v.Bucket)})
	if err != nil {
		if _, code, _ := apiError(err); code != "ObjectLockConfigurationNotFoundError" {
			v.Lock.Err = errText(err)
		}
		return
	}
	cfg := out.ObjectLockConfiguration
	if cfg == nil {
		return
	}
	v.Lock.Enabled = cfg.ObjectLockEnabled == types.ObjectLockEnabledEnabled
	if cfg.Rule != nil && cfg.Rule.DefaultRetention != nil {
		d := cfg.Rule.DefaultRetention
		v.Lock.Mode = string(d.Mode)
		if d.Days != nil {
			v.Lock.Days = strconv.Itoa(int(*d.Days))
		}
		if d.Years != nil {
			v.Lock.Years = strconv.Itoa(int(*d.Years))
		}
	}
}

// putLock turns object lock on (it cannot be turned off) with the default
// retention of the form: a mode and a period in days or years, or none. The form's
// values go to the S3 API as they are, so a bad period is refused there
// (InvalidRetentionPeriod) and shown under the form.
func (c *Console) putLock(w http.ResponseWriter, r *http.Request, cl *s3.Client) {
	bucket := r.PathValue("bucket")
	form := lockView{Enabled: true, Mode: r.PostFormValue("mode"), Days: strings.TrimSpace(r.PostFormValue("days")), Years: strings.TrimSpace(r.PostFormValue("years"))}
	cfg := &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled}
	var err error
	if form.Mode != "" {
		d := &types.DefaultRetention{Mode: types.ObjectLockRetentionMode(form.Mode)}
		if d.Days, err = optionalInt32(form.Days, "days"); err == nil {
			d.Years, err = optionalInt32(form.Years, "years")
		}
		cfg.Rule = &types.ObjectLockRule{DefaultRetention: d}
	}
	if err == nil {
		_, err = cl.PutObjectLockConfiguration(r.Context(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket), ObjectLockConfiguration: cfg})
	}
	if err != nil {
		status, _, _ := apiError(err)
		form.SaveErr = errText(err)
		c.renderSettings(w, r, status, func(v *settingsView) { v.Lock = form })
		return
	}
	http.Redirect(w, r, settingsURL(bucket, "object-lock"), http.StatusSeeOther)
}

// optionalInt32 reads a whole number from a form field; nil when empty.
func optionalInt32(v, field string) (*int32, error) {
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return nil, badInput("The %s must be a whole number, not %q.", field, v)
	}
	return aws.Int32(int32(n)), nil
}

// settingsURL is a bucket's settings page at one section.
func settingsURL(bucket, section string) string {
	return "/settings/" + url.PathEscape(bucket) + "#" + section
}
