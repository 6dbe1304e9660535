package console

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/meta/policy"
)

// version is one version or delete marker of a key.
type version struct {
	ID           string
	Modified     time.Time
	Size         int64
	ETag         string
	Latest       bool
	DeleteMarker bool
}

// detailsView is an object's page.
type detailsView struct {
	Bucket, Key    string
	Crumbs         []crumb
	Exists         bool // the latest version is an object, not a delete marker
	Size           int64
	ETag           string
	ContentType    string
	CacheControl   string
	Disposition    string // Content-Disposition
	Modified       time.Time
	Class          string
	Checksums      map[string]string
	Metadata       map[string]string
	Tags           []types.Tag
	TagsError      string
	Versions       []version
	VersionsError  string
	Preview        string // "image", "video", "audio", "pdf", "text" or ""
	PublicURL      string // set when the bucket policy lets anyone read the object
	CanDelete      bool
	CanWrite       bool
	CanVersionEdit bool
	VersionID      string         // the version shown (HeadObject's), "" when unversioned
	Lock           objectLockView // retention and legal hold
	Error          string
}

// detailsPage shows an object: its size, ETag, checksums, type, storage class, user
// metadata and tags (HeadObject and GetObjectTagging as the user), a preview, and its
// versions and delete markers (ListObjectVersions) with restore and undelete.
func (c *Console) detailsPage(w http.ResponseWriter, r *http.Request) {
	c.renderDetails(w, r, http.StatusOK, func(*detailsView) {})
}

// renderDetails renders the object's page after edit has set what a form sent and
// the error it got.
func (c *Console) renderDetails(w http.ResponseWriter, r *http.Request, status int, edit func(*detailsView)) {
	s := sessionOf(r)
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	dir := ""
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		dir = key[:i+1]
	}
	v := detailsView{Bucket: bucket, Key: key, Crumbs: append(crumbs(bucket, dir), crumb{Name: key[len(dir):]})}
	cl := c.s3Client(r, s)
	ctx := r.Context()
	head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
	switch {
	case err == nil:
		v.Exists = true
		v.Size, v.ETag, v.ContentType = aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), aws.ToString(head.ContentType)
		v.Modified, v.Class, v.Metadata = aws.ToTime(head.LastModified), string(head.StorageClass), head.Metadata
		v.CacheControl, v.Disposition = aws.ToString(head.CacheControl), aws.ToString(head.ContentDisposition)
		if v.Class == "" {
			v.Class = "STANDARD"
		}
		v.Checksums = map[string]string{}
		for name, sum := range map[string]*string{"CRC32": head.ChecksumCRC32, "CRC32C": head.ChecksumCRC32C, "CRC64NVME": head.ChecksumCRC64NVME, "SHA1": head.ChecksumSHA1, "SHA256": head.ChecksumSHA256} {
			if sum != nil {
				v.Checksums[name] = *sum
			}
		}
		v.Preview = previewKind(v.ContentType, key)
		v.VersionID = aws.ToString(head.VersionId)
		c.readObjectLock(r, s, cl, &v)
		if tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err == nil {
			v.Tags = tags.TagSet
		} else {
			_, code, msg := apiError(err)
			v.TagsError = code + ": " + msg
		}
	default:
		status, code, msg := apiError(err)
		if status != http.StatusNotFound {
			v.Error = code + ": " + msg
		}
	}
	v.Versions, err = c.versions(r, s, bucket, key)
	if err != nil {
		_, code, msg := apiError(err)
		v.VersionsError = code + ": " + msg
	}
	if !v.Exists && len(v.Versions) == 0 && v.Error == "" && v.VersionsError == "" {
		c.fail(w, r, http.StatusNotFound, "NoSuchKey", "The object does not exist, and has no versions you may see.")
		return
	}
	v.CanDelete = c.mayObject(r, s, policy.ActionDeleteObject, bucket, key)
	v.CanWrite = c.mayObject(r, s, policy.ActionPutObject, bucket, key)
	if v.Exists && c.public(r, bucket, key) {
		v.PublicURL = c.origin(r) + "/s3/" + url.PathEscape(bucket) + "/" + escapeKey(key)
	}
	v.CanVersionEdit = c.mayObject(r, s, policy.ActionDeleteObjectVersion, bucket, key)
	edit(&v)
	c.render(w, r, status, "object", v)
}

// versions lists the versions and delete markers of exactly key, newest first.
func (c *Console) versions(r *http.Request, s *session, bucket, key string) ([]version, error) {
	var out []version
	p := s3.NewListObjectVersionsPaginator(c.s3Client(r, s), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
	for p.HasMorePages() {
		page, err := p.NextPage(r.Context())
		if err != nil {
			return nil, err
		}
		for _, o := range page.Versions {
			if aws.ToString(o.Key) == key {
				out = append(out, version{ID: aws.ToString(o.VersionId), Modified: aws.ToTime(o.LastModified), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag), Latest: aws.ToBool(o.IsLatest)})
			}
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				out = append(out, version{ID: aws.ToString(m.VersionId), Modified: aws.ToTime(m.LastModified), Latest: aws.ToBool(m.IsLatest), DeleteMarker: true})
			}
		}
		if len(out) >= 1000 {
			break // a page of a key's history is enough to show
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Latest != out[j].Latest {
			return out[i].Latest
		}
		return out[i].Modified.After(out[j].Modified)
	})
	return out, nil
}

// previewKind is how the page previews an object of a content type.
func previewKind(contentType, key string) string {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case strings.HasPrefix(ct, "video/"):
		return "video"
	case strings.HasPrefix(ct, "audio/"):
		return "audio"
	case ct == "application/pdf":
		return "pdf"
	case strings.HasPrefix(ct, "text/"), ct == "application/json", ct == "application/xml", ct == "application/x-yaml":
		return "text"
	}
	switch strings.ToLower(key[strings.LastIndexByte(key, '.')+1:]) {
	case "txt", "md", "csv", "log", "json", "yaml", "yml", "xml", "go", "py", "js", "sh", "toml", "ini":
		return "text"
	}
	return ""
}

// versionRequest names one version of a key.
type versionRequest struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId"`
}

// restoreVersion makes an older version the latest again by copying it over the key
// (copyAs from key?versionId as the user: CopyObject, or in parts over the copy
// limit): the history keeps every version, as the S3 documentation describes
// restoring a previous version.
func (c *Console) restoreVersion(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in versionRequest
	if err := readJSON(w, r, &in); err != nil || in.VersionID == "" {
		c.failErr(w, r, cmpErr(err, badInput("Name the bucket, the key and the version to restore.")))
		return
	}
	defer c.lists.invalidate(in.Bucket)
	made, err := c.copyAs(r.Context(), c.s3Client(r, s), copySpec{Bucket: in.Bucket, Key: in.Key, ToBucket: in.Bucket, ToKey: in.Key, VersionID: in.VersionID, Size: -1})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"versionId": made})
}

// deleteVersion deletes one version for good, or a delete marker, which undeletes
// the key when the marker was its latest version (DeleteObject with a version id,
// as the user; s3:DeleteObjectVersion).
func (c *Console) deleteVersion(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in versionRequest
	if err := readJSON(w, r, &in); err != nil || in.VersionID == "" {
		c.failErr(w, r, cmpErr(err, badInput("Name the bucket, the key and the version to delete.")))
		return
	}
	defer c.lists.invalidate(in.Bucket)
	_, err := c.s3Client(r, s).DeleteObject(r.Context(), &s3.DeleteObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), VersionId: aws.String(in.VersionID)})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// cmpErr returns err if it is not nil, else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
