package console

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/cairnstore/cairn/meta/policy"
)

// Bounds of a search: it lists keys under the prefix page by page and stops after
// searchScanLimit keys or searchResultLimit matches, saying so.
const (
	searchScanLimit   = 100_000
	searchResultLimit = 1000
)

// searchView is a search page.
type searchView struct {
	Bucket, Prefix, Query string
	Crumbs                []crumb
	Entries               []entry
	Scanned               int
	Truncated             bool
	CanDelete             bool
	CanWrite              bool
	Error                 string
}

// searchPage finds the objects under a prefix whose name (the key's last segment)
// or key contains the query, compared as people type: both NFC-normalised and
// case-folded, so "CAFÉ" finds "café" whichever way the é was composed.
func (c *Console) searchPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket := r.PathValue("bucket")
	q := r.URL.Query()
	v := searchView{Bucket: bucket, Prefix: q.Get("prefix"), Query: q.Get("q")}
	v.Crumbs = crumbs(bucket, v.Prefix)
	needle := foldName(strings.TrimSpace(v.Query))
	if needle == "" {
		c.render(w, r, http.StatusOK, "search", v)
		return
	}
	p := s3.NewListObjectsV2Paginator(c.s3Client(r, s), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(v.Prefix)})
	for p.HasMorePages() && !v.Truncated {
		page, err := p.NextPage(r.Context())
		if err != nil {
			status, code, msg := apiError(err)
			v.Error = code + ": " + msg
			c.render(w, r, status, "search", v)
			return
		}
		for _, o := range page.Contents {
			v.Scanned++
			k := aws.ToString(o.Key)
			if strings.Contains(foldName(strings.TrimPrefix(k, v.Prefix)), needle) {
				v.Entries = append(v.Entries, entry{Name: strings.TrimPrefix(k, v.Prefix), Key: k, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified), Class: string(o.StorageClass)})
			}
			if len(v.Entries) >= searchResultLimit || v.Scanned >= searchScanLimit {
				v.Truncated = true
				break
			}
		}
	}
	v.CanDelete = c.mayObject(r, s, policy.ActionDeleteObject, bucket, v.Prefix)
	c.render(w, r, http.StatusOK, "search", v)
}

// foldName returns s NFC-normalised and case-folded with Unicode full case folding,
// which maps "ß" to "ss" and "ς" to "σ", as strings.ToLower does not. A Caser keeps
// state, so each call makes its own.
func foldName(s string) string {
	return norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
}
