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

// lifecycleView is the lifecycle part of a bucket's settings page.
type lifecycleView struct {
	Rules      []ruleRow
	XML        string // the configuration as the S3 API returned it, or as typed
	Err        string // the API's refusal to read it
	RuleErr    string // the API's refusal of the rule form
	XMLErr     string // the API's refusal of the raw XML
	NewRule    ruleRow
	configured bool
}

// ruleRow is one lifecycle rule as the page shows it and the form edits it.
type ruleRow struct {
	ID, Status, Prefix string
	Expiration         string // days after creation the current version expires
	Noncurrent         string // days after it became noncurrent a version expires
	AbortUploads       string // days after initiation an incomplete upload is aborted
	Other              string // conditions and actions the form does not edit (tags, sizes, dates, transitions)
}

// readLifecycle fills the lifecycle part of v: the rules for the form and the raw
// XML for the editor.
func (c *Console) readLifecycle(r *http.Request, cl *s3.Client, s *session, v *settingsView) {
	raw, err := c.rawS3(r, s, http.MethodGet, v.Bucket, "lifecycle", nil)
	if err != nil {
		if _, code, _ := apiError(err); code != "NoSuchLifecycleConfiguration" {
			v.Lifecycle.Err = errText(err)
		}
		return
	}
	v.Lifecycle.XML = indentXML(raw)
	v.Lifecycle.configured = true
	rules, err := c.lifecycleRules(r, cl, v.Bucket)
	if err != nil {
		v.Lifecycle.Err = errText(err)
		return
	}
	for _, rule := range rules {
		v.Lifecycle.Rules = append(v.Lifecycle.Rules, rowOf(rule))
	}
}

// lifecycleRules reads the bucket's rules through the SDK; none if it has no
// configuration.
func (c *Console) lifecycleRules(r *http.Request, cl *s3.Client, bucket string) ([]types.LifecycleRule, error) {
	out, err := cl.GetBucketLifecycleConfiguration(r.Context(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil {
		if _, code, _ := apiError(err); code == "NoSuchLifecycleConfiguration" {
			return nil, nil
		}
		return nil, err
	}
	return out.Rules, nil
}

// rowOf summarises a rule for the page.
func rowOf(rule types.LifecycleRule) ruleRow {
	row := ruleRow{ID: aws.ToString(rule.ID), Status: string(rule.Status), Prefix: aws.ToString(rule.Prefix)}
	var other []string
	if f := rule.Filter; f != nil {
		if f.Prefix != nil {
			row.Prefix = *f.Prefix
		}
		if f.And != nil {
			row.Prefix = aws.ToString(f.And.Prefix)
			if len(f.And.Tags) > 0 {
				other = append(other, strconv.Itoa(len(f.And.Tags))+" tag conditions")
			}
		}
		if f.Tag != nil || f.ObjectSizeGreaterThan != nil || f.ObjectSizeLessThan != nil ||
			(f.And != nil && (f.And.ObjectSizeGreaterThan != nil || f.And.ObjectSizeLessThan != nil)) {
			other = append(other, "tag or size conditions")
		}
	}
	if e := rule.Expiration; e != nil {
		if e.Days != nil {
			row.Expiration = strconv.Itoa(int(*e.Days))
		}
		if e.Date != nil {
			other = append(other, "expires on "+e.Date.UTC().Format("2006-01-02"))
		}
		if aws.ToBool(e.ExpiredObjectDeleteMarker) {
			other = append(other, "removes expired delete markers")
		}
	}
	if n := rule.NoncurrentVersionExpiration; n != nil && n.NoncurrentDays != nil {
		row.Noncurrent = strconv.Itoa(int(*n.NoncurrentDays))
	}
	if a := rule.AbortIncompleteMultipartUpload; a != nil && a.DaysAfterInitiation != nil {
		row.AbortUploads = strconv.Itoa(int(*a.DaysAfterInitiation))
	}
	if len(rule.Transitions) > 0 || len(rule.NoncurrentVersionTransitions) > 0 {
		other = append(other, "transitions")
	}
	row.Other = strings.Join(other, "; ")
	return row
}

// putLifecycleRule adds a rule from the form (or replaces the rule of that ID),
// keeping the other rules as they are; the S3 API checks the whole configuration
// and its refusal is shown under the rule form.
func (c *Console) putLifecycleRule(w http.ResponseWriter, r *http.Request, cl *s3.Client) {
	bucket := r.PathValue("bucket")
	row := ruleRow{
		ID: strings.TrimSpace(r.PostFormValue("id")), Status: r.PostFormValue("status"), Prefix: r.PostFormValue("prefix"),
		Expiration: strings.TrimSpace(r.PostFormValue("expiration")), Noncurrent: strings.TrimSpace(r.PostFormValue("noncurrent")),
		AbortUploads: strings.TrimSpace(r.PostFormValue("abort")),
	}
	rules, err := c.lifecycleRules(r, cl, bucket)
	var rule types.LifecycleRule
	if err == nil {
		rule, err = ruleOf(row)
	}
	if err == nil {
		kept := withoutRule(rules, row.ID)
		_, err = cl.PutBucketLifecycleConfiguration(r.Context(), &s3.PutBucketLifecycleConfigurationInput{
			Bucket: aws.String(bucket), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: append(kept, rule)},
		})
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderSettings(w, r, status, func(v *settingsView) { v.Lifecycle.NewRule, v.Lifecycle.RuleErr = row, errText(err) })
		return
	}
	c.toLifecycle(w, r, bucket)
}

// withoutRule returns rules without the rule of id.
func withoutRule(rules []types.LifecycleRule, id string) []types.LifecycleRule {
	kept := make([]types.LifecycleRule, 0, len(rules))
	for _, r := range rules {
		if aws.ToString(r.ID) != id {
			kept = append(kept, r)
		}
	}
	return kept
}

// ruleOf is the rule a form row describes.
func ruleOf(row ruleRow) (types.LifecycleRule, error) {
	rule := types.LifecycleRule{ID: aws.String(row.ID), Status: types.ExpirationStatus(row.Status), Filter: &types.LifecycleRuleFilter{Prefix: aws.String(row.Prefix)}}
	days := func(v, field string, set func(int32)) error {
		n, err := optionalInt32(v, field)
		if n != nil {
			set(*n)
		}
		return err
	}
	if err := days(row.Expiration, "expiration days", func(n int32) { rule.Expiration = &types.LifecycleExpiration{Days: aws.Int32(n)} }); err != nil {
		return rule, err
	}
	if err := days(row.Noncurrent, "noncurrent days", func(n int32) {
		rule.NoncurrentVersionExpiration = &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(n)}
	}); err != nil {
		return rule, err
	}
	err := days(row.AbortUploads, "days before aborting an upload", func(n int32) {
		rule.AbortIncompleteMultipartUpload = &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(n)}
	})
	return rule, err
}

// deleteLifecycleRule removes the rule of an ID; the last one's removal deletes the
// configuration (S3 refuses an empty one).
func (c *Console) deleteLifecycleRule(w http.ResponseWriter, r *http.Request, cl *s3.Client) {
	bucket := r.PathValue("bucket")
	id := r.PostFormValue("id")
	rules, err := c.lifecycleRules(r, cl, bucket)
	if err == nil {
		kept := withoutRule(rules, id)
		if len(kept) == 0 {
			_, err = cl.DeleteBucketLifecycle(r.Context(), &s3.DeleteBucketLifecycleInput{Bucket: aws.String(bucket)})
		} else {
			_, err = cl.PutBucketLifecycleConfiguration(r.Context(), &s3.PutBucketLifecycleConfigurationInput{
				Bucket: aws.String(bucket), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: kept},
			})
		}
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.toLifecycle(w, r, bucket)
}

// putLifecycleXML sends the XML the user typed to the S3 API as it is (empty
// deletes the configuration); a refusal is shown under the editor with the
// document as typed.
func (c *Console) putLifecycleXML(w http.ResponseWriter, r *http.Request, s *session) {
	bucket := r.PathValue("bucket")
	doc := strings.TrimSpace(r.PostFormValue("xml"))
	var err error
	if doc == "" {
		_, err = c.rawS3(r, s, http.MethodDelete, bucket, "lifecycle", nil)
	} else {
		_, err = c.rawS3(r, s, http.MethodPut, bucket, "lifecycle", []byte(doc))
	}
	if err != nil {
		status, _, _ := apiError(err)
		c.renderSettings(w, r, status, func(v *settingsView) { v.Lifecycle.XML, v.Lifecycle.XMLErr = doc, errText(err) })
		return
	}
	c.toLifecycle(w, r, bucket)
}

// toLifecycle sends the browser back to the lifecycle section.
func (c *Console) toLifecycle(w http.ResponseWriter, r *http.Request, bucket string) {
	http.Redirect(w, r, "/settings/"+url.PathEscape(bucket)+"#lifecycle", http.StatusSeeOther)
}
