package node_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// scrape reads a node's /metrics and parses it into samples by metric name.
func scrape(t *testing.T, url, token string) map[string][]*model.Sample {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err)
	out := map[string][]*model.Sample{}
	for _, f := range families {
		vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{Timestamp: model.Now()}, f)
		require.NoError(t, err)
		for _, s := range vec {
			name := string(s.Metric[model.MetricNameLabel]) // histograms give _count, _sum, _bucket
			out[name] = append(out[name], s)
		}
	}
	return out
}

// value is the value of the sample of family name whose labels include labels; -1
// if there is none.
func value(samples map[string][]*model.Sample, name string, labels map[string]string) float64 {
	for _, s := range samples[name] {
		ok := true
		for k, v := range labels {
			if string(s.Metric[model.LabelName(k)]) != v {
				ok = false
			}
		}
		if ok {
			return float64(s.Value)
		}
	}
	return -1
}

func TestMetricsCountS3Requests(t *testing.T) {
	n := nodetest.Start(t)
	ctx := context.Background()
	client := userClient(n, "TESTROOTACCESSKEY0001", "test-root-secret-key-0123456789abcdef")
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("metered")})
	require.NoError(t, err)
	payload := strings.Repeat("x", 100_000)
	for range 2 {
		_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("metered"), Key: aws.String("k"), Body: strings.NewReader(payload)})
		require.NoError(t, err)
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("metered"), Key: aws.String("k")})
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, out.Body)
	out.Body.Close()
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("metered"), Key: aws.String("missing")})
	require.Equal(t, "NoSuchKey", s3Code(t, err))
	_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("metered"), Key: aws.String("missing")})
	require.Error(t, err)

	m := scrape(t, n.AdminURL()+"/metrics", "")
	require.Equal(t, 2.0, value(m, "cairn_s3_requests_total", map[string]string{"operation": "PutObject", "status": "200"}))
	require.Equal(t, 1.0, value(m, "cairn_s3_requests_total", map[string]string{"operation": "GetObject", "status": "200"}))
	require.Equal(t, 1.0, value(m, "cairn_s3_requests_total", map[string]string{"operation": "GetObject", "status": "404"}))
	require.Equal(t, 1.0, value(m, "cairn_s3_requests_total", map[string]string{"operation": "HeadObject", "status": "404"}))
	require.Equal(t, 1.0, value(m, "cairn_s3_requests_total", map[string]string{"operation": "CreateBucket", "status": "200"}))
	// The HEAD has no body, yet its code is counted too.
	require.Equal(t, 2.0, value(m, "cairn_s3_errors_total", map[string]string{"code": "NoSuchKey"}))
	require.Equal(t, 2.0, value(m, "cairn_s3_request_duration_seconds_count", map[string]string{"operation": "PutObject"}))
	require.GreaterOrEqual(t, value(m, "cairn_s3_bytes_received_total", nil), 200_000.0)
	require.GreaterOrEqual(t, value(m, "cairn_s3_bytes_sent_total", nil), 100_000.0)

	require.Equal(t, 1.0, value(m, "cairn_raft_state", map[string]string{"state": "Leader"}))
	require.Equal(t, 0.0, value(m, "cairn_raft_state", map[string]string{"state": "Follower"}))
	require.GreaterOrEqual(t, value(m, "cairn_raft_term", nil), 1.0)
	require.GreaterOrEqual(t, value(m, "cairn_raft_commit_index", nil), 1.0)
	require.GreaterOrEqual(t, value(m, "cairn_raft_applied_index", nil), 1.0)
	require.Equal(t, 1.0, value(m, "cairn_cluster_members", map[string]string{"state": "alive"}))
	require.Greater(t, value(m, "cairn_partitions_with_quorum", nil), 0.0)
	require.Equal(t, 0.0, value(m, "cairn_partitions_without_quorum", nil))
	require.Equal(t, 0.0, value(m, "cairn_repair_backlog", map[string]string{"kind": "blocks"}))
	require.Equal(t, 0.0, value(m, "cairn_repair_backlog", map[string]string{"kind": "record_partitions"}))
	require.Greater(t, value(m, "cairn_disk_total_bytes", nil), 0.0)
	// A 100,000-byte object is one block (inlining stops at 16 KiB).
	require.GreaterOrEqual(t, value(m, "cairn_blocks", nil), 1.0)
	require.GreaterOrEqual(t, value(m, "cairn_block_bytes", nil), 100_000.0)
}

func TestMetricsToken(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) {
		c.MetricsToken, c.ManagementToken = "scrape-token", managementToken
	})
	resp, err := http.Get(n.AdminURL() + "/metrics")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	m := scrape(t, n.AdminURL()+"/metrics", "scrape-token")
	require.NotEmpty(t, m["cairn_raft_term"])

	// The management API's copy needs both its own token and the metrics token, and
	// counts the management requests.
	api := mgmt{t, n.AdminURL()}
	status, _ := api.call(http.MethodGet, "/v1/s3/metrics", "")
	require.Equal(t, http.StatusUnauthorized, status)
	req, _ := http.NewRequest(http.MethodGet, n.AdminURL()+"/v1/s3/metrics", nil)
	req.Header.Set("X-Auth-Token", managementToken)
	req.Header.Set("Authorization", "Bearer scrape-token")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `cairn_management_requests_total{route="/v1/s3/metrics",status="401"} 1`)
}

func TestClusterMetricsSeeMembersAndQuorum(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	watcher := nodes[0]
	m := scrape(t, watcher.AdminURL()+"/metrics", "")
	require.Equal(t, 3.0, value(m, "cairn_cluster_members", map[string]string{"state": "alive"}))
	partitions := value(m, "cairn_partitions_with_quorum", nil)
	require.Greater(t, partitions, 0.0)
	require.Equal(t, 0.0, value(m, "cairn_partitions_without_quorum", nil))

	// One node gone: every partition (3 owners, quorum 2) still has a quorum.
	require.NoError(t, nodes[1].Close())
	nodetest.WaitFor(t, "the watcher sees one node gone", func() bool {
		m = scrape(t, watcher.AdminURL()+"/metrics", "")
		return value(m, "cairn_cluster_members", map[string]string{"state": "alive"}) == 2
	})
	require.Equal(t, partitions, value(m, "cairn_partitions_with_quorum", nil))
	require.Equal(t, 0.0, value(m, "cairn_partitions_without_quorum", nil))

	// Two gone: no partition has a quorum, and the metrics say so.
	require.NoError(t, nodes[2].Close())
	nodetest.WaitFor(t, "the watcher sees two nodes gone", func() bool {
		m = scrape(t, watcher.AdminURL()+"/metrics", "")
		return value(m, "cairn_cluster_members", map[string]string{"state": "alive"}) == 1
	})
	gone := value(m, "cairn_cluster_members", map[string]string{"state": "left"}) + value(m, "cairn_cluster_members", map[string]string{"state": "dead"})
	require.Equal(t, 2.0, gone)
	require.Equal(t, 0.0, value(m, "cairn_partitions_with_quorum", nil))
	require.Equal(t, partitions, value(m, "cairn_partitions_without_quorum", nil))
}
