// Package monitoring checks the Grafana dashboard (deploy/grafana) and the Prometheus
// alert rules (deploy/prometheus) against the metrics a real Cairn cluster exports:
// every query must name at least one metric, and every cairn_ metric it names must be
// in a live node's /metrics. promtool's own checks run in `make test-monitoring`.
package monitoring

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

var metricName = regexp.MustCompile(`\bcairn_[a-z0-9_]+`)

// exported starts a three-node cluster, sends it a few S3 requests (so that metrics
// with labels have samples), and returns the metric names one node's /metrics lists.
func exported(t *testing.T) map[string]bool {
	nodes := nodetest.StartCluster(t, 3)
	n := nodes[0]
	access, secret := n.RootCredentials()
	c := s3.New(s3.Options{
		BaseEndpoint: aws.String(n.S3URL()), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(access, secret, ""),
	})
	ctx := context.Background()
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("metrics")})
	require.NoError(t, err)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("metrics"), Key: aws.String("k"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("metrics"), Key: aws.String("missing")})
	require.Error(t, err)

	resp, err := http.Get(n.AdminURL() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	names := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			line = strings.Fields(line)[2]
		}
		if m := metricName.FindString(line); m != "" && strings.HasPrefix(line, m) {
			names[m] = true
		}
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, names)
	return names
}

// queryProblems says what is wrong with expr: it names no metric, or a cairn_ metric
// that is not exported.
func queryProblems(expr string, names map[string]bool) []string {
	var out []string
	found := metricName.FindAllString(expr, -1)
	if len(found) == 0 && !regexp.MustCompile(`\bup\{`).MatchString(expr) {
		out = append(out, "names no Cairn metric")
	}
	for _, m := range found {
		if !names[m] {
			out = append(out, m+" is not exported by Cairn")
		}
	}
	return out
}

func checkQuery(t *testing.T, where, expr string, names map[string]bool) {
	for _, p := range queryProblems(expr, names) {
		t.Errorf("%s: %s (query %s)", where, p, expr)
	}
}

func TestDashboardAndAlertsUseExportedMetrics(t *testing.T) {
	names := exported(t)

	data, err := os.ReadFile("../../deploy/grafana/cairn-dashboard.json")
	require.NoError(t, err)
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(data, &dash), "the dashboard is not valid JSON")
	queries := 0
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, q := range p.Targets {
			checkQuery(t, "dashboard panel "+p.Title, q.Expr, names)
			queries++
		}
	}

	data, err = os.ReadFile("../../deploy/prometheus/cairn-alerts.yml")
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(data, &rules))
	alerts := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			checkQuery(t, "alert "+r.Alert, r.Expr, names)
			alerts++
		}
	}
	require.Positive(t, alerts)
	t.Logf("%d dashboard queries and %d alert rules checked against %d exported metrics", queries, alerts, len(names))
}

// TestCheckQueryCatchesUnknownMetric shows the check can fail.
func TestCheckQueryCatchesUnknownMetric(t *testing.T) {
	names := map[string]bool{"cairn_s3_requests_total": true}
	require.Equal(t, []string{"cairn_no_such_metric_total is not exported by Cairn"},
		queryProblems("rate(cairn_no_such_metric_total[5m])", names))
	require.Equal(t, []string{"names no Cairn metric"}, queryProblems("vector(1)", names))
	require.Empty(t, queryProblems(`sum(rate(cairn_s3_requests_total{status=~"5.."}[5m]))`, names))
}
