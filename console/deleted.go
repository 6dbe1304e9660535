package console

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// deletedView lists the deleted keys of a folder.
type deletedView struct {
	Bucket, Prefix string
	Crumbs         []crumb
	Entries        []entry
	Truncated      bool
	Error          string
}

// deletedPage lists the keys directly in a folder whose latest version is a delete
// marker (ListObjectVersions as the user, up to 1,000 versions), each linking to its
// page, where it can be undeleted. A bucket that never kept versions has none.
func (c *Console) deletedPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket, prefix := r.PathValue("bucket"), r.PathValue("prefix")
	v := deletedView{Bucket: bucket, Prefix: prefix, Crumbs: crumbs(bucket, prefix)}
	out, err := c.s3Client(r, s).ListObjectVersions(r.Context(), &s3.ListObjectVersionsInput{
		Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1000),
	})
	if err != nil {
		status, code, msg := apiError(err)
		v.Error = code + ": " + msg
		c.render(w, r, status, "deleted", v)
		return
	}
	v.Truncated = aws.ToBool(out.IsTruncated)
	for _, m := range out.DeleteMarkers {
		if aws.ToBool(m.IsLatest) {
			k := aws.ToString(m.Key)
			v.Entries = append(v.Entries, entry{Name: strings.TrimPrefix(k, prefix), Key: k, Modified: aws.ToTime(m.LastModified)})
		}
	}
	c.render(w, r, http.StatusOK, "deleted", v)
}
