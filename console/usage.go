package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/s3api/admin"
)

// usageView is the disk use page: every bucket's usage as the cluster counts it, and
// every node's disk.
type usageView struct {
	Buckets       []bucketUseRow
	NodesAsked    int
	NodesAnswered int
	BucketsErr    string
	Nodes         []admin.Node
	NodesErr      string
	// TotalBytes is the buckets' bytes summed (every version), for the share column.
	TotalBytes int64
}

// bucketUseRow is one bucket's row.
type bucketUseRow struct {
	Name  string
	Usage admin.BucketUsage
	// Share is the bucket's part of every bucket's bytes, in percent.
	Share int
	// Uploads are the multipart uploads in progress, from ListMultipartUploads as the
	// user: UploadsMore when there are more than one page, UploadsErr when refused.
	Uploads     int
	UploadsMore bool
	UploadsErr  string
}

// maxUploadsCounted bounds the uploads listed per bucket: one page.
const maxUploadsCounted = 1000

// usagePage shows each bucket's objects, bytes, versions, delete markers and
// multipart uploads in progress, and each node's disk use: the admin API's GET /usage
// and GET /nodes, and S3 ListMultipartUploads per bucket, all as the user.
func (c *Console) usagePage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	ctx := r.Context()
	ac := c.adminClient(r, s.accessKey, s.secret)
	var v usageView
	if rep, err := ac.BucketUsage(ctx); err == nil {
		v.NodesAsked, v.NodesAnswered = rep.NodesAsked, rep.NodesAnswered
		cl := c.s3Client(r, s)
		for _, b := range rep.Items {
			row := bucketUseRow{Name: b.Name, Usage: b.Usage}
			out, err := cl.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b.Name), MaxUploads: aws.Int32(maxUploadsCounted)})
			if err != nil {
				_, code, _ := apiError(err)
				row.UploadsErr = code
			} else {
				row.Uploads, row.UploadsMore = len(out.Uploads), aws.ToBool(out.IsTruncated)
			}
			v.TotalBytes += b.Usage.VersionBytes
			v.Buckets = append(v.Buckets, row)
		}
		for i := range v.Buckets {
			if v.TotalBytes > 0 {
				v.Buckets[i].Share = int(v.Buckets[i].Usage.VersionBytes * 100 / v.TotalBytes)
			}
		}
		slices.SortFunc(v.Buckets, func(a, b bucketUseRow) int {
			if a.Usage.VersionBytes != b.Usage.VersionBytes {
				return int(min(max(b.Usage.VersionBytes-a.Usage.VersionBytes, -1), 1))
			}
			return strings.Compare(a.Name, b.Name)
		})
	} else {
		v.BucketsErr = errText(err)
	}
	if nodes, err := ac.Nodes(ctx); err == nil {
		v.Nodes = nodes
	} else {
		v.NodesErr = errText(err)
	}
	c.render(w, r, http.StatusOK, "usage", v)
}
