package replication_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// TestReplicatedWriteIsOneVersionThroughAnyNode: site sync delivers at least once,
// and a resend may reach another node of the target site (a load balancer, a
// takeover). The same write, with the same origin, PUT and DELETEd through each
// node of a 3-node versioned site, is one version and one delete marker; and
// at an exact tie of origin times the greater origin site's write is current,
// whichever node took which.
func TestReplicatedWriteIsOneVersionThroughAnyNode(t *testing.T) {
	ctx := t.Context()
	nodes := nodetest.StartCluster(t, 3)
	c := s3Client(nodes[0])
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("shared"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	at := strconv.FormatUint(uint64(time.Now().UnixMilli())<<16, 10)
	from := func(site string) func(*s3.Options) {
		return func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("x-cairn-origin-site", site),
				smithyhttp.AddHeaderValue("x-cairn-origin-time", at))
		}
	}
	versions := func(key string) (int, int) {
		out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("shared"), Prefix: aws.String(key)})
		require.NoError(t, err)
		return len(out.Versions), len(out.DeleteMarkers)
	}
	var ids []string
	for _, n := range nodes {
		out, err := s3Client(n).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("resent"),
			Body: strings.NewReader("the same write")}, from("site-b"))
		require.NoError(t, err)
		ids = append(ids, aws.ToString(out.VersionId))
	}
	require.Equal(t, []string{ids[0], ids[0], ids[0]}, ids, "one version id, whichever node took it")
	v, m := versions("resent")
	require.Equal(t, 1, v, "a resent write is one version")
	require.Zero(t, m)
	for _, n := range nodes {
		_, err := s3Client(n).DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("deleted")}, from("site-b"))
		require.NoError(t, err)
	}
	_, m = versions("deleted")
	require.Equal(t, 1, m, "a resent delete is one delete marker")

	// An exact tie: the writes of two other sites at the same origin time, each
	// through another node, in either order: the greater site id's is current.
	for i, order := range [][2]string{{"site-a", "site-c"}, {"site-c", "site-a"}} {
		key := "tie" + strconv.Itoa(i)
		for j, site := range order {
			_, err := s3Client(nodes[j]).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key),
				Body: strings.NewReader("from " + site)}, from(site))
			require.NoError(t, err)
		}
		got, ok, err := read(ctx, c, "shared", key)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "from site-c", got.body, "%s first", order[0])
	}
}
