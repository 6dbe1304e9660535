package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// settingsView is a bucket's settings page.
type settingsView struct {
	Bucket        string
	Versioning    string // "Enabled", "Suspended" or "" (never enabled)
	VersioningErr string
	Policy        string
	PolicyErr     string // the API's refusal to read it
	PolicySaveErr string // the API's refusal of the document typed
	Tags          string // "key=value" lines
	TagsJSON      string
	TagsErr       string
	TagsSaveErr   string
	Lock          lockView
	Lifecycle     lifecycleView
	Quota         quotaView
	// What deleting the bucket loses, counted up to lossScanLimit versions.
	Objects, Versions, Markers int
	Bytes                      int64
	Uploads                    int
	CountCapped                bool
	CountErr                   string
}

// lossScanLimit bounds the versions counted for the deletion's warning.
const lossScanLimit = 100_000

// settingsPage shows a bucket's versioning, policy and tags, each editable as a
// form, and what deleting the bucket would lose.
func (c *Console) settingsPage(w http.ResponseWriter, r *http.Request) {
	c.renderSettings(w, r, http.StatusOK, func(*settingsView) {})
}

// renderSettings renders the page after edit has set what the user typed and the
// error it got.
func (c *Console) renderSettings(w http.ResponseWriter, r *http.Request, status int, edit func(*settingsView)) {
	s := sessionOf(r)
	bucket := r.PathValue("bucket")
	cl := c.s3Client(r, s)
	ctx := r.Context()
	if _, err := cl.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}); err != nil {
		c.failErr(w, r, err)
		return
	}
	v := settingsView{Bucket: bucket}
	if out, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)}); err == nil {
		v.Versioning = string(out.Status)
	} else {
		v.VersioningErr = errText(err)
	}
	if out, err := cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)}); err == nil {
		v.Policy = indentJSON(json.RawMessage(aws.ToString(out.Policy)))
	} else if _, code, _ := apiError(err); code != "NoSuchBucketPolicy" {
		v.PolicyErr = errText(err)
	}
	if out, err := cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)}); err == nil {
		v.Tags, v.TagsJSON = tagLines(out.TagSet), tagJSON(out.TagSet)
	} else if _, code, _ := apiError(err); code != "NoSuchTagSet" {
		v.TagsErr = errText(err)
	}
	c.readLock(r, cl, &v)
	c.readLifecycle(r, cl, s, &v)
	if v.Lifecycle.NewRule.Status == "" {
		v.Lifecycle.NewRule.Status = "Enabled"
	}
	c.readQuota(r, s, &v)
	c.countLoss(r, cl, &v)
	edit(&v)
	c.render(w, r, status, "settings", v)
}

// countLoss counts the bucket's objects, versions, delete markers, bytes and
// multipart uploads in progress, for the deletion's warning.
func (c *Console) countLoss(r *http.Request, cl *s3.Client, v *settingsView) {
	p := s3.NewListObjectVersionsPaginator(cl, &s3.ListObjectVersionsInput{Bucket: aws.String(v.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(r.Context())
		if err != nil {
			v.CountErr = errText(err)
			return
		}
		for _, o := range page.Versions {
			v.Versions++
			v.Bytes += aws.ToInt64(o.Size)
			if aws.ToBool(o.IsLatest) {
				v.Objects++
			}
		}
		v.Markers += len(page.DeleteMarkers)
		if v.Versions+v.Markers >= lossScanLimit {
			v.CountCapped = true
			break
		}
	}
	if ups, err := cl.ListMultipartUploads(r.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(v.Bucket)}); err == nil {
		v.Uploads = len(ups.Uploads)
	}
}

// settingsAction changes one setting, named by the last path segment.
func (c *Console) settingsAction(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket := r.PathValue("bucket")
	cl := c.s3Client(r, s)
	ctx := r.Context()
	b := aws.String(bucket)
	var err error
	switch r.PathValue("op") {
	case "versioning":
		_, err = cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(r.PostFormValue("status"))}})
	case "policy":
		doc := strings.TrimSpace(r.PostFormValue("policy"))
		if doc == "" {
			_, err = cl.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b})
		} else if _, err = cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(doc)}); err != nil {
			status, _, _ := apiError(err)
			c.renderSettings(w, r, status, func(v *settingsView) { v.Policy, v.PolicySaveErr = doc, errText(err) })
			return
		}
	case "tags":
		raw := r.PostFormValue("tags")
		tags, perr := parseTags(raw, r.PostFormValue("format") == "json")
		switch {
		case perr != nil:
			err = perr
		case len(tags) == 0:
			_, err = cl.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b})
		default:
			_, err = cl.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b, Tagging: &types.Tagging{TagSet: tags}})
		}
		if err != nil {
			status, _, _ := apiError(err)
			c.renderSettings(w, r, status, func(v *settingsView) { v.Tags, v.TagsSaveErr = raw, errText(err) })
			return
		}
	case "object-lock":
		c.putLock(w, r, cl)
		return
	case "lifecycle-rule":
		c.putLifecycleRule(w, r, cl)
		return
	case "lifecycle-rule-delete":
		c.deleteLifecycleRule(w, r, cl)
		return
	case "lifecycle-xml":
		c.putLifecycleXML(w, r, s)
		return
	case "quota", "quota-clear":
		c.putQuota(w, r, s, r.PathValue("op") == "quota-clear")
		return
	case "delete":
		c.deleteBucket(w, r, cl)
		return
	default:
		c.fail(w, r, http.StatusNotFound, "NotFound", "There is no such bucket setting.")
		return
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/"+url.PathEscape(bucket), http.StatusSeeOther)
}

// deleteBucket deletes a bucket and everything in it, once the user typed its name:
// every version and delete marker (DeleteObjects with version ids), every multipart
// upload in progress, then the bucket, each as the user, so a user who may delete the
// bucket but not its objects is stopped at the first refusal.
func (c *Console) deleteBucket(w http.ResponseWriter, r *http.Request, cl *s3.Client) {
	bucket := r.PathValue("bucket")
	if r.PostFormValue("confirm") != bucket {
		c.failErr(w, r, badInput("Type the bucket's name, %s, to confirm its deletion.", bucket))
		return
	}
	ctx := r.Context()
	b := aws.String(bucket)
	defer c.lists.invalidate(bucket)
	for {
		page, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(1000)})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key, VersionId: o.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) == 0 {
			break
		}
		out, err := cl.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			c.fail(w, r, http.StatusForbidden, aws.ToString(e.Code), "Stopped: "+aws.ToString(e.Key)+" could not be deleted: "+aws.ToString(e.Message))
			return
		}
	}
	ups, err := cl.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b})
	if err == nil {
		for _, u := range ups.Uploads {
			_, _ = cl.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: b, Key: u.Key, UploadId: u.UploadId})
		}
	}
	if _, err := cl.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: b}); err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, "/buckets", http.StatusSeeOther)
}

// tagLines renders tags as "key=value" lines, sorted.
func tagLines(tags []types.Tag) string {
	lines := make([]string, 0, len(tags))
	for _, t := range tags {
		lines = append(lines, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// tagJSON renders tags as a JSON object.
func tagJSON(tags []types.Tag) string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	out, _ := json.MarshalIndent(m, "", "  ")
	return string(out)
}

// parseTags reads "key=value" lines, or a JSON object when asJSON.
func parseTags(raw string, asJSON bool) ([]types.Tag, error) {
	var tags []types.Tag
	if asJSON {
		m := map[string]string{}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, badInput("The tags are not a JSON object of strings: %v", err)
		}
		for k, v := range m {
			tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		return tags, nil
	}
	for i, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, badInput("Line %d is not key=value.", i+1)
		}
		tags = append(tags, types.Tag{Key: aws.String(strings.TrimSpace(k)), Value: aws.String(strings.TrimSpace(v))})
	}
	return tags, nil
}
