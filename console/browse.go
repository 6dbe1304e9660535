package console

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/meta/policy"
)

// bucketsView is the buckets page.
type bucketsView struct {
	Mounts    []Mount
	Buckets   []types.Bucket
	CanCreate bool
	Error     string
}

// bucketsPage lists the buckets the user may list (S3 ListBuckets as the user).
func (c *Console) bucketsPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	v := bucketsView{CanCreate: c.allowed(r, s, policy.ActionCreateBucket, "", policy.BucketARN("*")), Mounts: c.cfg.Mounts}
	out, err := c.s3Client(r, s).ListBuckets(r.Context(), &s3.ListBucketsInput{})
	if err != nil {
		_, code, msg := apiError(err)
		v.Error = code + ": " + msg
	} else {
		v.Buckets = out.Buckets
	}
	c.render(w, r, http.StatusOK, "buckets", v)
}

// bucketNames answers the names of the buckets the user may list (S3 ListBuckets as
// the user), for the script's bucket choices (moving a folder to another bucket).
func (c *Console) bucketNames(w http.ResponseWriter, r *http.Request) {
	out, err := c.s3Client(r, sessionOf(r)).ListBuckets(r.Context(), &s3.ListBucketsInput{})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	names := make([]string, 0, len(out.Buckets))
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	writeJSON(w, http.StatusOK, map[string]any{"buckets": names})
}

// createBucket creates a bucket (S3 CreateBucket as the user), with versioning
// enabled when asked.
func (c *Console) createBucket(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	name := strings.TrimSpace(r.PostFormValue("name"))
	cl := c.s3Client(r, s)
	if _, err := cl.CreateBucket(r.Context(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		c.failErr(w, r, err)
		return
	}
	if r.PostFormValue("versioning") != "" {
		_, err := cl.PutBucketVersioning(r.Context(), &s3.PutBucketVersioningInput{
			Bucket:                  aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/b/"+url.PathEscape(name)+"/", http.StatusSeeOther)
}

// crumb is one step of a folder's breadcrumbs.
type crumb struct{ Name, Href string }

// entry is one row of a folder: a sub-folder or an object.
type entry struct {
	Name     string // the last path segment
	Key      string // the full key or prefix
	Folder   bool
	Size     int64
	Modified time.Time
	Class    string
}

// folderView is a folder page.
type folderView struct {
	Bucket, Prefix string
	Crumbs         []crumb
	Entries        []entry
	PageSize       int
	Sort, Order    string
	Next, Token    string
	CanWrite       bool
	CanDelete      bool
	Error          string
	// Mount is the mount shown, nil for the plain folder page; links then stay in it.
	Mount *Mount
}

// brand is the mount whose branding the page wears, if any.
func (v folderView) brand() *Mount { return v.Mount }

// FolderHref is the link to a sub-folder (a key ending in "/").
func (v folderView) FolderHref(key string) string {
	if v.Mount != nil {
		return "/m/" + v.Mount.Name + "/" + escapeKey(strings.TrimPrefix(key, v.Mount.Base))
	}
	return "/b/" + url.PathEscape(v.Bucket) + "/" + escapeKey(key)
}

// pageSizes are the page sizes a folder offers.
var pageSizes = []int{25, 50, 100, 250, 1000}

// folderPage lists one folder of a bucket, one page at a time (S3 ListObjectsV2 as
// the user, delimiter "/"). Sorting orders the page shown; S3 lists in key order.
func (c *Console) folderPage(w http.ResponseWriter, r *http.Request) {
	c.renderFolder(w, r, r.PathValue("bucket"), r.PathValue("prefix"), nil)
}

// renderFolder renders a folder of a bucket, in a mount when m is not nil.
func (c *Console) renderFolder(w http.ResponseWriter, r *http.Request, bucket, prefix string, m *Mount) {
	s := sessionOf(r)
	q := r.URL.Query()
	v := folderView{
		Bucket: bucket, Prefix: prefix, Crumbs: crumbs(bucket, prefix), Mount: m,
		PageSize: 50, Sort: cmp.Or(q.Get("sort"), "name"), Order: cmp.Or(q.Get("order"), "asc"),
		Token: q.Get("token"),
	}
	if m != nil {
		v.Crumbs = mountCrumbs(m, prefix)
	}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && slices.Contains(pageSizes, n) {
		v.PageSize = n
	}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"), MaxKeys: aws.Int32(int32(v.PageSize))}
	if v.Token != "" {
		in.ContinuationToken = aws.String(v.Token)
	}
	key := listKey{accessKey: s.accessKey, bucket: bucket, prefix: prefix, token: v.Token, size: v.PageSize}
	out := c.lists.get(key)
	if out == nil {
		var err error
		if out, err = c.s3Client(r, s).ListObjectsV2(r.Context(), in); err != nil {
			status, code, msg := apiError(err)
			v.Error = code + ": " + msg
			c.render(w, r, status, "folder", v)
			return
		}
		c.lists.put(key, out)
	}
	for _, p := range out.CommonPrefixes {
		k := aws.ToString(p.Prefix)
		v.Entries = append(v.Entries, entry{Name: strings.TrimSuffix(strings.TrimPrefix(k, prefix), "/") + "/", Key: k, Folder: true})
	}
	for _, o := range out.Contents {
		k := aws.ToString(o.Key)
		if k == prefix {
			continue // the folder's own marker object
		}
		v.Entries = append(v.Entries, entry{Name: strings.TrimPrefix(k, prefix), Key: k, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified), Class: string(o.StorageClass)})
	}
	sortEntries(v.Entries, v.Sort, v.Order == "desc")
	if aws.ToBool(out.IsTruncated) {
		v.Next = aws.ToString(out.NextContinuationToken)
	}
	v.CanWrite = c.mayObject(r, s, policy.ActionPutObject, bucket, prefix)
	v.CanDelete = c.mayObject(r, s, policy.ActionDeleteObject, bucket, prefix)
	c.render(w, r, http.StatusOK, "folder", v)
}

// sortEntries orders folders first, then by the chosen column.
func sortEntries(es []entry, by string, desc bool) {
	slices.SortStableFunc(es, func(a, b entry) int {
		if a.Folder != b.Folder {
			if a.Folder {
				return -1
			}
			return 1
		}
		var d int
		switch by {
		case "size":
			d = cmp.Compare(a.Size, b.Size)
		case "date":
			d = a.Modified.Compare(b.Modified)
		}
		if d == 0 {
			d = strings.Compare(a.Key, b.Key)
		}
		if desc {
			return -d
		}
		return d
	})
}

// mountCrumbs returns the breadcrumbs of a folder of a mount: the mount's title, then
// each folder below its base.
func mountCrumbs(m *Mount, prefix string) []crumb {
	out := []crumb{{m.Title, "/m/" + m.Name + "/"}}
	acc := ""
	for _, seg := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(prefix, m.Base), "/"), "/") {
		if seg == "" {
			continue
		}
		acc += seg + "/"
		out = append(out, crumb{seg, "/m/" + m.Name + "/" + escapeKey(acc)})
	}
	return out
}

// crumbs returns the breadcrumbs of a folder: the buckets, the bucket, then each
// folder of prefix.
func crumbs(bucket, prefix string) []crumb {
	out := []crumb{{"Buckets", "/buckets"}, {bucket, "/b/" + url.PathEscape(bucket) + "/"}}
	acc := ""
	for _, seg := range strings.Split(strings.TrimSuffix(prefix, "/"), "/") {
		if seg == "" {
			continue
		}
		acc += seg + "/"
		out = append(out, crumb{seg, "/b/" + url.PathEscape(bucket) + "/" + escapeKey(acc)})
	}
	return out
}

// Sizes are the page sizes offered.
func (v folderView) Sizes() []int { return pageSizes }

// SortHref is the link that sorts the page by col, reversing the order when it is
// already sorted by col.
func (v folderView) SortHref(col string) string {
	order := "asc"
	if v.Sort == col && v.Order == "asc" {
		order = "desc"
	}
	q := url.Values{"sort": {col}, "order": {order}, "size": {strconv.Itoa(v.PageSize)}}
	if v.Token != "" {
		q.Set("token", v.Token)
	}
	return "?" + q.Encode()
}

// PageHref is the link to the page that starts at token ("" for the first).
func (v folderView) PageHref(token string) string {
	q := url.Values{"sort": {v.Sort}, "order": {v.Order}, "size": {strconv.Itoa(v.PageSize)}}
	if token != "" {
		q.Set("token", token)
	}
	return "?" + q.Encode()
}
