package node_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
)

// freshUsage makes a node count its usage on every request, so that a test reads
// back at once what it wrote.
func freshUsage(c *node.Config) {
	c.UsageMaxAge = -1
	c.MetricsBucketLabels = 20
}

// usageWorkload writes, through the S3 clients in turn (so through every node of a
// cluster), a known set of objects, versions and delete markers into the buckets
// "plain" (unversioned) and "ver" (versioned), and makes known requests; it returns
// the usage and requests they must show.
func usageWorkload(t *testing.T, clients ...*s3.Client) map[string]admin.BucketStats {
	t.Helper()
	ctx := t.Context()
	i := 0
	next := func() *s3.Client { i++; return clients[i%len(clients)] }
	put := func(bucket, key string, size int) string {
		t.Helper()
		body := make([]byte, size)
		_, _ = rand.Read(body)
		out, err := next().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(t, err)
		return aws.ToString(out.VersionId)
	}
	del := func(bucket, key, version string) {
		t.Helper()
		in := &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if version != "" {
			in.VersionId = aws.String(version)
		}
		_, err := next().DeleteObject(ctx, in)
		require.NoError(t, err)
	}
	for _, b := range []string{"plain", "ver"} {
		_, err := next().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	_, err := next().PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)

	// plain: a (overwritten: 7 bytes), b (20,000: beyond inlining), c (2 MiB: two
	// blocks); d deleted. Six writes.
	put("plain", "a", 10)
	put("plain", "b", 20_000)
	put("plain", "c", 2<<20)
	put("plain", "d", 5)
	put("plain", "a", 7)
	del("plain", "d", "")
	// Three reads of b and one of a missing key (an error).
	for range 3 {
		out, err := next().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("b")})
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, out.Body)
		out.Body.Close()
	}
	_, err = next().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("plain"), Key: aws.String("missing")})
	require.Error(t, err)

	// ver: k has two versions (100, 300); j is hidden by a delete marker; m's newer
	// version is deleted for good, its older (40) is current. Seven writes.
	put("ver", "k", 100)
	put("ver", "k", 300)
	put("ver", "j", 50)
	del("ver", "j", "")
	put("ver", "m", 40)
	newest := put("ver", "m", 60)
	del("ver", "m", newest)

	return map[string]admin.BucketStats{
		"plain": {Name: "plain",
			Usage: admin.BucketUsage{Objects: 3, Bytes: 7 + 20_000 + 2<<20, Versions: 3, VersionBytes: 7 + 20_000 + 2<<20},
			Traffic: admin.BucketTraffic{Requests: map[string]int64{"read": 4, "write": 6, "list": 0, "other": 1},
				Errors: 1, BytesIn: 0, BytesOut: 0}},
		"ver": {Name: "ver",
			Usage:   admin.BucketUsage{Objects: 2, Bytes: 340, Versions: 4, VersionBytes: 490, DeleteMarkers: 1},
			Traffic: admin.BucketTraffic{Requests: map[string]int64{"read": 0, "write": 7, "list": 0, "other": 2}}},
	}
}

// checkBucketStats compares a usage report with what usageWorkload wrote: usage and
// request counts exactly, bytes in and out at least the bodies sent and read. Every
// one of the nodes must have answered: a node that gossip briefly suspects is not
// asked, and the figures of the others can be right by chance.
func checkBucketStats(t *testing.T, nodes int, want map[string]admin.BucketStats, rep admin.BucketStatsReport) bool {
	if rep.NodesAsked != nodes || rep.NodesAnswered != nodes {
		t.Logf("%d of %d nodes asked, %d answered", rep.NodesAsked, nodes, rep.NodesAnswered)
		return false
	}
	got := map[string]admin.BucketStats{}
	for _, b := range rep.Items {
		got[b.Name] = b
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok || g.Usage != w.Usage || fmt.Sprint(g.Traffic.Requests) != fmt.Sprint(w.Traffic.Requests) || g.Traffic.Errors != w.Traffic.Errors {
			t.Logf("%s: got %+v, want %+v", name, g, w)
			return false
		}
	}
	return true
}

// TestBucketUsageInACluster: in a 3-node cluster every object is counted once, not
// once per owner, whichever node is asked; the requests sent through all three nodes
// are summed; the metrics of any node show the same usage; and with one node down
// the usage is still whole.
func TestBucketUsageInACluster(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3, freshUsage)
	access, secret := nodes[0].RootCredentials()
	clients := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = userClient(n, access, secret)
	}
	want := usageWorkload(t, clients...)

	for _, n := range nodes {
		c := adminClient(t, n)
		var rep admin.BucketStatsReport
		nodetest.WaitFor(t, "every owner has the last writes", func() bool {
			var err error
			rep, err = c.BucketUsage(t.Context())
			require.NoError(t, err)
			return checkBucketStats(t, len(nodes), want, rep)
		})
		require.Equal(t, 3, rep.NodesAsked)
		for _, b := range rep.Items {
			if b.Name == "plain" {
				require.GreaterOrEqual(t, b.Traffic.BytesIn, int64(7+10+5+20_000+2<<20))
				require.GreaterOrEqual(t, b.Traffic.BytesOut, int64(3*20_000))
			}
		}
		one, err := c.OneBucketUsage(t.Context(), "ver")
		require.NoError(t, err)
		require.Len(t, one.Items, 1)
		require.Equal(t, want["ver"].Usage, one.Items[0].Usage)
	}

	// Each node reports the cluster's usage; the request counters are each node's
	// own, and sum to the cluster's.
	var writes float64
	for _, n := range nodes {
		m := scrape(t, n.AdminURL()+"/metrics", "")
		require.Equal(t, 3.0, value(m, "cairn_bucket_objects", map[string]string{"bucket": "plain"}))
		require.Equal(t, 490.0, value(m, "cairn_bucket_version_bytes", map[string]string{"bucket": "ver"}))
		require.Equal(t, 1.0, value(m, "cairn_bucket_delete_markers", map[string]string{"bucket": "ver"}))
		writes += max(0, value(m, "cairn_bucket_requests_total", map[string]string{"bucket": "plain", "class": "write"}))
	}
	require.Equal(t, 6.0, writes)

	// With one node down, the two other owners of every partition still give the
	// whole usage (each object counted once, from whichever owner reports most).
	require.NoError(t, nodes[2].Close())
	c := adminClient(t, nodes[0])
	nodetest.WaitFor(t, "the usage from the two live nodes", func() bool {
		rep, err := c.BucketUsage(t.Context())
		require.NoError(t, err)
		got := map[string]admin.BucketUsage{}
		for _, b := range rep.Items {
			got[b.Name] = b.Usage
		}
		return rep.NodesAnswered == 2 && got["plain"] == want["plain"].Usage && got["ver"] == want["ver"].Usage
	})
}

// TestBucketUsageSingleNode: the same figures on a single node, and its metrics.
func TestBucketUsageSingleNode(t *testing.T) {
	n := nodetest.Start(t, freshUsage)
	access, secret := n.RootCredentials()
	want := usageWorkload(t, userClient(n, access, secret))
	rep, err := adminClient(t, n).BucketUsage(t.Context())
	require.NoError(t, err)
	require.True(t, checkBucketStats(t, 1, want, rep), "%+v", rep)

	m := scrape(t, n.AdminURL()+"/metrics", "")
	require.Equal(t, 2.0, value(m, "cairn_bucket_objects", map[string]string{"bucket": "ver"}))
	require.Equal(t, 340.0, value(m, "cairn_bucket_bytes", map[string]string{"bucket": "ver"}))
	require.Equal(t, 4.0, value(m, "cairn_bucket_requests_total", map[string]string{"bucket": "plain", "class": "read"}))
	require.Equal(t, 1.0, value(m, "cairn_bucket_errors_total", map[string]string{"bucket": "plain"}))

	// The counters move with requests.
	out, err := userClient(n, access, secret).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String("plain")})
	require.NoError(t, err)
	require.Len(t, out.Contents, 3)
	rep, err = adminClient(t, n).OneBucketUsage(t.Context(), "plain")
	require.NoError(t, err)
	require.Equal(t, int64(1), rep.Items[0].Traffic.Requests["list"])
	m = scrape(t, n.AdminURL()+"/metrics", "")
	require.Equal(t, 1.0, value(m, "cairn_bucket_requests_total", map[string]string{"bucket": "plain", "class": "list"}))
}

// TestBucketMetricsAreBounded: with 200 buckets and 5 labels, the metrics name at most
// the 5 busiest buckets (plus the opt-in one) and "_other", and "_other" holds the
// rest of the requests; the admin API still has every bucket's exact figures.
func TestBucketMetricsAreBounded(t *testing.T) {
	const buckets, labels = 200, 5
	n := nodetest.Start(t, func(c *node.Config) {
		freshUsage(c)
		c.MetricsBucketLabels = labels
		c.MetricsLabelBuckets = []string{"b-150"}
	})
	access, secret := n.RootCredentials()
	c := userClient(n, access, secret)
	ctx := context.Background()
	for i := range buckets {
		name := fmt.Sprintf("b-%03d", i)
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		require.NoError(t, err)
		// Buckets 0-9 are the busiest: b-000 gets 11 writes, b-009 two.
		for range 1 + max(0, 10-i) {
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String("k"), Body: bytes.NewReader([]byte(name))})
			require.NoError(t, err)
		}
	}

	m := scrape(t, n.AdminURL()+"/metrics", "")
	for _, family := range []string{"cairn_bucket_requests_total", "cairn_bucket_errors_total", "cairn_bucket_objects", "cairn_bucket_bytes"} {
		seen := map[model.LabelValue]bool{}
		for _, s := range m[family] {
			seen[s.Metric["bucket"]] = true
		}
		require.LessOrEqual(t, len(seen), labels+2, "%s: %v", family, seen)
		require.True(t, seen["_other"], family)
		require.True(t, seen["b-150"], "the opt-in bucket has its own label in %s", family)
	}
	for i := range labels {
		name := fmt.Sprintf("b-%03d", i)
		require.Equal(t, float64(11-i), value(m, "cairn_bucket_requests_total", map[string]string{"bucket": name, "class": "write"}), name)
	}
	// "_other" counts the requests made while a bucket had no label of its own: before
	// this first scrape chose the labelled buckets, all but the opt-in bucket's.
	total := 0
	for i := range buckets {
		total += 1 + max(0, 10-i)
	}
	require.Equal(t, float64(total-1), value(m, "cairn_bucket_requests_total", map[string]string{"bucket": "_other", "class": "write"}))
	require.Equal(t, float64(buckets-labels-1), value(m, "cairn_bucket_objects", map[string]string{"bucket": "_other"}))

	rep, err := adminClient(t, n).BucketUsage(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Items, buckets)
	for i, b := range rep.Items {
		require.Equal(t, int64(1), b.Usage.Objects, b.Name)
		require.Equal(t, int64(1+max(0, 10-i)), b.Traffic.Requests["write"], b.Name)
	}
}
