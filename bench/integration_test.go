package bench_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/bench"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// The integration tests run short benchmarks against an in-process Cairn node.
// They check counts, sizes, clean-up and compare mode, never timings.

func nodeOptions(n *node.Node, w bench.Workload) bench.Options {
	ak, sk := n.RootCredentials()
	o := bench.DefaultOptions(w)
	o.Target.Endpoints = []string{n.S3URL()}
	o.Target.AccessKey, o.Target.SecretKey = ak, sk
	o.Duration, o.Ops = 0, 50
	o.Concurrency = 4
	o.Objects = 40
	o.Size = bench.SizeRange{Min: 4 << 10, Max: 4 << 10}
	o.VerifyRatio = 1
	return o
}

// sdkClient is a plain SDK client on the node, to check what the harness left.
func sdkClient(n *node.Node) *s3.Client {
	ak, sk := n.RootCredentials()
	return s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(n.S3URL()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
	})
}

func assertBucketGone(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	_, err := c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	require.Error(t, err, "bucket %s still exists", bucket)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Contains(t, []string{"NotFound", "NoSuchBucket"}, apiErr.ErrorCode())
}

func TestIntegrationWorkloads(t *testing.T) {
	n := nodetest.Start(t)
	c := sdkClient(n)
	for _, w := range bench.Workloads {
		t.Run(string(w), func(t *testing.T) {
			o := nodeOptions(n, w)
			switch w {
			case bench.WorkloadMultipart:
				o.Size = bench.SizeRange{Min: 6 << 20, Max: 11 << 20}
				o.PartSize = 5 << 20
				o.Ops, o.Concurrency, o.PartConcurrency = 4, 2, 2
			case bench.WorkloadList:
				o.Objects, o.ListMaxKeys = 300, 100
			case bench.WorkloadMixed:
				o.Size = bench.SizeRange{Min: 1, Max: 256 << 10}
			}
			res, err := bench.Run(context.Background(), o)
			require.NoError(t, err)
			var report bytes.Buffer
			require.NoError(t, res.WriteText(&report))
			require.NoError(t, res.Err(), report.String())
			checkCounts(t, res)
			tr := res.Targets[0]
			assert.Equal(t, o.Ops, tr.Total.Done, report.String())
			assert.Zero(t, tr.Errors)
			if w == bench.WorkloadList {
				assert.Positive(t, tr.Op("LIST").Objects)
			}
			if w == bench.WorkloadGet {
				get := tr.Op("GET")
				require.NotNil(t, get.TTFB)
				assert.Equal(t, get.Succeeded*(4<<10), get.Bytes, "every GET read the whole object")
			}
			assertBucketGone(t, c, tr.Bucket)
		})
	}
}

// HEAD on what a kept run wrote confirms the sizes that were asked for.
func TestIntegrationSizesAndKeep(t *testing.T) {
	n := nodetest.Start(t)
	c := sdkClient(n)
	ctx := context.Background()
	for _, size := range []bench.SizeRange{{Min: 4 << 10, Max: 4 << 10}, {Min: 1 << 10, Max: 1 << 20}} {
		o := nodeOptions(n, bench.WorkloadPut)
		o.Size, o.Ops, o.Keep = size, 20, true
		res, err := bench.Run(ctx, o)
		require.NoError(t, err)
		require.NoError(t, res.Err())
		tr := res.Targets[0]

		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(tr.Bucket), Prefix: aws.String(tr.KeyPrefix)})
		require.NoError(t, err)
		require.Len(t, list.Contents, 20, "the bucket and objects are kept")
		for _, obj := range list.Contents[:5] {
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(tr.Bucket), Key: obj.Key})
			require.NoError(t, err)
			got := aws.ToInt64(head.ContentLength)
			assert.GreaterOrEqual(t, got, size.Min, aws.ToString(obj.Key))
			assert.LessOrEqual(t, got, size.Max, aws.ToString(obj.Key))
			assert.True(t, strings.HasSuffix(aws.ToString(obj.Key), "."+strconv.FormatInt(got, 10)), "the key records the size")
		}
	}
}

// Compare mode with the same node on both sides: every figure has a ratio.
func TestIntegrationCompare(t *testing.T) {
	n := nodetest.Start(t)
	ak, sk := n.RootCredentials()
	o := nodeOptions(n, bench.WorkloadMixed)
	o.Ops, o.Rounds = 60, 2
	o.Compare = &bench.Target{Endpoints: []string{n.S3URL()}, AccessKey: ak, SecretKey: sk, PathStyle: true}
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	checkCounts(t, res)
	require.Len(t, res.Targets, 2)
	assert.NotEqual(t, res.Targets[0].Bucket, res.Targets[1].Bucket, "each side has its own bucket")
	require.NotEmpty(t, res.Ratios)
	for _, r := range res.Ratios {
		if r.Figure == "ops/s" || r.Figure == "p50" {
			assert.Positive(t, r.A, "%s %s", r.Op, r.Figure)
			assert.Positive(t, r.B, "%s %s", r.Op, r.Figure)
			assert.InDelta(t, r.B/r.A, r.Ratio, 1e-9)
		}
	}
	c := sdkClient(n)
	assertBucketGone(t, c, res.Targets[0].Bucket)
	assertBucketGone(t, c, res.Targets[1].Bucket)
}

// The command on a node: credentials in the URL, a clean exit; bad arguments
// fail with a clear message.
func TestIntegrationCommand(t *testing.T) {
	n := nodetest.Start(t)
	ak, sk := n.RootCredentials()
	url := strings.Replace(n.S3URL(), "://", "://"+ak+":"+sk+"@", 1)

	cmd := bench.NewCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"get", "--endpoints", url, "--ops", "30", "--concurrency", "3", "--objects", "10", "--size", "1KiB-64KiB"})
	require.NoError(t, cmd.Execute(), out.String())
	assert.Contains(t, out.String(), "OK: no errors")
	assert.NotContains(t, out.String(), sk)

	cmd = bench.NewCommand()
	out.Reset()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"put", "--endpoints", url, "--ops", "5", "--duration", "1s"})
	err := cmd.Execute()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--duration and --ops are exclusive")
}
