package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/bench"
)

// These tests drive the harness against fakeS3, a small in-memory S3, so they run
// without a Cairn node; integration_test.go runs the same checks on a real node.

const (
	fakeAccessKey = "FAKEACCESSKEY"
	fakeSecretKey = "fake-secret"
)

func fakeOptions(url string, w bench.Workload) bench.Options {
	o := bench.DefaultOptions(w)
	o.Target.Endpoints = []string{url}
	o.Target.AccessKey, o.Target.SecretKey = fakeAccessKey, fakeSecretKey
	o.Duration, o.Ops = 0, 40
	o.Concurrency = 4
	o.Objects = 20
	o.Size = bench.SizeRange{Min: 1000, Max: 1000}
	return o
}

// checkCounts asserts the invariants every result keeps.
func checkCounts(t *testing.T, res *bench.Result) {
	t.Helper()
	var failed int64
	for _, tr := range res.Targets {
		var done, ok, fail int64
		for _, op := range tr.Ops {
			assert.Equal(t, op.Done, op.Succeeded+op.Failed, "%s: done = succeeded + failed", op.Op)
			var byCode int64
			for _, n := range op.Errors {
				byCode += n
			}
			assert.Equal(t, op.Failed, byCode, "%s: every failure has a code", op.Op)
			assert.Equal(t, op.Succeeded, op.Latency.Count, "%s: one latency per success", op.Op)
			done, ok, fail = done+op.Done, ok+op.Succeeded, fail+op.Failed
		}
		assert.Equal(t, done, tr.Total.Done)
		assert.Equal(t, ok, tr.Total.Succeeded)
		assert.Equal(t, fail, tr.Errors)
		failed += fail
	}
	assert.Equal(t, failed, res.Errors)
}

func TestRunWorkloadsOnFake(t *testing.T) {
	for _, w := range bench.Workloads {
		t.Run(string(w), func(t *testing.T) {
			fake, url := newFakeS3(t)
			o := fakeOptions(url, w)
			if w == bench.WorkloadMultipart {
				o.Size = bench.SizeRange{Min: 6 << 20, Max: 11 << 20}
				o.PartSize = 5 << 20
				o.Ops = 4
			}
			if w == bench.WorkloadList {
				o.ListMaxKeys = 7
			}
			res, err := bench.Run(context.Background(), o)
			require.NoError(t, err)
			require.NoError(t, res.Err())
			checkCounts(t, res)
			require.Len(t, res.Targets, 1)
			tr := res.Targets[0]
			assert.Equal(t, o.Ops, tr.Total.Done, "ops mode runs exactly --ops operations")
			assert.Greater(t, tr.Total.OpsPerSec, 0.0)
			assert.False(t, fake.bucketExists(tr.Bucket), "bucket removed afterwards")
			assert.True(t, strings.HasPrefix(tr.Bucket, "cairn-bench-"))
			switch w {
			case bench.WorkloadGet:
				get := tr.Op("GET")
				require.NotNil(t, get)
				require.NotNil(t, get.TTFB)
				assert.Equal(t, get.Succeeded*1000, get.Bytes)
				assert.LessOrEqual(t, get.TTFB.P50, get.Latency.P50)
			case bench.WorkloadList:
				assert.Positive(t, tr.Op("LIST").Objects)
			case bench.WorkloadMixed:
				assert.GreaterOrEqual(t, len(tr.Ops), 2)
			}
		})
	}
}

func TestRunKeepsBucketAndSizes(t *testing.T) {
	fake, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadPut)
	o.Size = bench.SizeRange{Min: 1 << 10, Max: 64 << 10}
	o.Keep = true
	o.Prefix = "pre/"
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	tr := res.Targets[0]
	assert.True(t, strings.HasPrefix(tr.KeyPrefix, "pre/"))
	objs := fake.objects(tr.Bucket)
	require.Len(t, objs, int(o.Ops))
	sizes := map[int]bool{}
	for key, body := range objs {
		assert.True(t, strings.HasPrefix(key, tr.KeyPrefix), key)
		assert.GreaterOrEqual(t, len(body), 1<<10)
		assert.LessOrEqual(t, len(body), 64<<10)
		sizes[len(body)] = true
	}
	assert.Greater(t, len(sizes), 1, "a range draws different sizes")
	assert.NotEmpty(t, res.Warnings, "a kept bucket is mentioned")
}

func TestRunExistingBucketIsKept(t *testing.T) {
	fake, url := newFakeS3(t)
	fake.buckets["mine"] = map[string][]byte{"other": []byte("x")}
	o := fakeOptions(url, bench.WorkloadGet)
	o.Bucket = "mine"
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	assert.True(t, fake.bucketExists("mine"))
	assert.Equal(t, map[string][]byte{"other": []byte("x")}, fake.objects("mine"), "only the run's objects are removed")
}

func TestRunCountsFailures(t *testing.T) {
	fake, url := newFakeS3(t)
	fake.failPutEvery = 4
	o := fakeOptions(url, bench.WorkloadPut)
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	checkCounts(t, res)
	put := res.Targets[0].Op("PUT")
	assert.Equal(t, int64(40), put.Done)
	assert.Equal(t, int64(10), put.Failed)
	assert.Equal(t, map[string]int64{"InternalError": 10}, put.Errors)
	assert.Contains(t, put.ErrorSamples["InternalError"], "injected failure")
	require.Error(t, res.Err())
	assert.Equal(t, "run had 10 errors", res.Err().Error())
	assert.False(t, fake.bucketExists(res.Targets[0].Bucket))
}

func TestRunVerifiesBodies(t *testing.T) {
	fake, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadGet)
	o.VerifyRatio = 1
	fake.corruptGets = true
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	get := res.Targets[0].Op("GET")
	assert.Equal(t, get.Done, get.Failed, "every corrupted GET fails")
	assert.Equal(t, get.Done, get.Errors[bench.CodeChecksumMismatch])
	assert.Error(t, res.Err())
}

func TestRunPrepareFailureStops(t *testing.T) {
	fake, url := newFakeS3(t)
	fake.failPutEvery = 3
	o := fakeOptions(url, bench.WorkloadGet)
	_, err := bench.Run(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "prepare")
	assert.Contains(t, err.Error(), "InternalError")
	fake.mu.Lock()
	defer fake.mu.Unlock()
	assert.Empty(t, fake.buckets, "a failed run still cleans up")
}

func TestRunDeleteRunsOut(t *testing.T) {
	_, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadDelete)
	o.Ops, o.Duration, o.Objects = 0, 5*time.Second, 10
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	del := res.Targets[0].Op("DELETE")
	assert.Equal(t, int64(10), del.Succeeded)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[0], "ran out of objects")
}

func TestRunCompare(t *testing.T) {
	fakeA, urlA := newFakeS3(t)
	fakeB, urlB := newFakeS3(t)
	o := fakeOptions(urlA, bench.WorkloadMixed)
	o.Compare = &bench.Target{Endpoints: []string{"http://AK:SK@" + strings.TrimPrefix(urlB, "http://")}, PathStyle: true}
	o.Rounds = 2
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	checkCounts(t, res)
	require.Len(t, res.Targets, 2)
	assert.Equal(t, "A", res.Targets[0].Label)
	assert.Equal(t, "B", res.Targets[1].Label)
	assert.Equal(t, "endpoint URL", res.Targets[1].Credentials)
	assert.Equal(t, []string{urlB}, res.Targets[1].Endpoints, "credentials stripped from the URL")
	for _, tr := range res.Targets {
		assert.Equal(t, o.Ops, tr.Total.Done, "each side runs --ops over all rounds")
	}
	require.NotEmpty(t, res.Ratios)
	figures := map[string]bool{}
	for _, r := range res.Ratios {
		figures[r.Op+" "+r.Figure] = true
		if r.A > 0 {
			assert.InDelta(t, r.B/r.A, r.Ratio, 1e-9)
		}
	}
	assert.True(t, figures["GET ops/s"])
	assert.True(t, figures["GET ttfb p50"])
	assert.True(t, figures["PUT p99"])
	assert.False(t, fakeA.bucketExists(res.Targets[0].Bucket))
	assert.False(t, fakeB.bucketExists(res.Targets[1].Bucket))

	var text bytes.Buffer
	require.NoError(t, res.WriteText(&text))
	assert.Contains(t, text.String(), "B/A")
	assert.NotContains(t, text.String(), "SK@")
}

// Two endpoints serving the same state, like two nodes of a cluster: requests
// alternate between them.
func TestRunSpreadsOverEndpoints(t *testing.T) {
	fake, url1 := newFakeS3(t)
	var hits2 atomic.Int64
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits2.Add(1)
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv2.Close)
	o := fakeOptions(url1, bench.WorkloadPut)
	o.Target.Endpoints = []string{url1, srv2.URL}
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	assert.Equal(t, []string{url1, srv2.URL}, res.Targets[0].Endpoints)
	total := fake.requests.Load()
	assert.InDelta(t, float64(total)/2, float64(hits2.Load()), 2, "round robin: half of %d requests", total)
}

func TestRunReportsUnreachableEndpoint(t *testing.T) {
	o := fakeOptions("http://127.0.0.1:1", bench.WorkloadPut)
	_, err := bench.Run(context.Background(), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:1")
}

func TestRunRejectsBadOptionsBeforeAnyRequest(t *testing.T) {
	fake, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadPut)
	o.Concurrency = 0
	_, err := bench.Run(context.Background(), o)
	require.ErrorContains(t, err, "concurrency")
	assert.Zero(t, fake.requests.Load())
}

func TestReportFormats(t *testing.T) {
	_, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadGet)
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)

	var text bytes.Buffer
	require.NoError(t, res.WriteText(&text))
	for _, want := range []string{"cairn bench get", "OPS/S", "MIB/S", "P99.9", "GET ttfb", "OK: no errors", url} {
		assert.Contains(t, text.String(), want)
	}

	res.Command = "cairn bench get --ops 40"
	var md bytes.Buffer
	require.NoError(t, res.WriteMarkdown(&md))
	assert.Contains(t, md.String(), "### get:")
	assert.Contains(t, md.String(), "| op | ops/s | MiB/s | p50 | p90 | p99 | p99.9 | max | ok | failed |")
	assert.Contains(t, md.String(), "| GET | ")
	assert.Contains(t, md.String(), "cairn bench get --ops 40")

	var js bytes.Buffer
	require.NoError(t, res.WriteJSON(&js))
	var back bench.Result
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, res.Targets[0].Total.Done, back.Targets[0].Total.Done)
	assert.Equal(t, res.Targets[0].Ops[0].Latency.P99, back.Targets[0].Ops[0].Latency.P99)
	assert.NotEmpty(t, back.Targets[0].Ops[0].Latency.HDR)
}

func TestCommandRuns(t *testing.T) {
	_, url := newFakeS3(t)
	dir := t.TempDir()
	jsonFile, mdFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	cmd := bench.NewCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"stat", "--endpoints", "http://" + fakeAccessKey + ":" + fakeSecretKey + "@" + strings.TrimPrefix(url, "http://"),
		"--ops", "30", "--concurrency", "3", "--objects", "10", "--size", "2KiB",
		"--json", jsonFile, "--markdown", mdFile})
	require.NoError(t, cmd.Execute(), out.String())
	assert.Contains(t, out.String(), "STAT")
	assert.NotContains(t, out.String(), "\r", "no progress line when not on a terminal")

	var res bench.Result
	raw, err := os.ReadFile(jsonFile)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &res))
	assert.Equal(t, int64(30), res.Targets[0].Total.Done)
	assert.Contains(t, res.Command, "--ops 30")
	assert.NotContains(t, res.Command, fakeSecretKey, "secrets are redacted")
	md, err := os.ReadFile(mdFile)
	require.NoError(t, err)
	assert.Contains(t, string(md), "| STAT | ")
}

func TestCommandFailsOnErrors(t *testing.T) {
	fake, url := newFakeS3(t)
	fake.failPutEvery = 2
	cmd := bench.NewCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"put", "--endpoints", url, "--access-key", "a", "--secret-key", "b", "--ops", "10", "--concurrency", "2"})
	err := cmd.Execute()
	require.Error(t, err)
	assert.Equal(t, "run had 5 errors", err.Error())
	assert.Contains(t, out.String(), "FAILED: run had 5 errors")
	assert.Contains(t, out.String(), "InternalError ×5")
}

func TestCommandBadArguments(t *testing.T) {
	fake, url := newFakeS3(t)
	base := []string{"--endpoints", url, "--access-key", "a", "--secret-key", "b"}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{}, "give exactly one workload"},
		{[]string{"copy"}, `unknown workload "copy"`},
		{[]string{"put", "--size", "4XB"}, "--size"},
		{[]string{"put", "--size", "2MiB-1MiB"}, "minimum is larger"},
		{[]string{"put", "--concurrency", "0"}, "concurrency must be at least 1"},
		{[]string{"put", "--duration", "5s", "--ops", "10"}, "--duration and --ops are exclusive"},
		{[]string{"put", "--ops", "0"}, "--ops must be at least 1"},
		{[]string{"put", "--endpoints", "localhost:9000"}, "scheme must be http or https"},
		{[]string{"put", "--endpoints", "http://h:9000/x"}, "must not have a path"},
		{[]string{"multipart", "--part-size", "1MiB"}, "part size 1MiB"},
		{[]string{"mixed", "--mix", "get=0"}, "--mix"},
		{[]string{"put", "--rounds", "2"}, "--rounds needs --compare"},
		{[]string{"put", "--compare", "nope"}, "compare endpoint"},
		{[]string{"put", "--bucket", "UPPER"}, "bucket name"},
		{[]string{"put", "--verify-ratio", "1.5"}, "verify ratio"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			cmd := bench.NewCommand()
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			args := append(append([]string{}, c.args...), base...)
			if slices.Contains(c.args, "--endpoints") {
				args = append(append([]string{}, c.args...), base[2:]...) // keep the case's own endpoint
			}
			cmd.SetArgs(args)
			err := cmd.Execute()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	assert.Zero(t, fake.requests.Load(), "bad arguments send no request")
}

func TestRunTLS(t *testing.T) {
	fake := &fakeS3{buckets: map[string]map[string][]byte{}, uploads: map[string]*fakeUpload{}}
	srv := httptest.NewTLSServer(fake)
	t.Cleanup(srv.Close)
	// Over TLS the SDK streams uploads with trailing checksums, which this fake
	// does not decode: PUT only, and no content checks.
	o := fakeOptions(srv.URL, bench.WorkloadPut)
	_, err := bench.Run(context.Background(), o)
	require.Error(t, err, "a self-signed certificate is refused by default")
	assert.Contains(t, err.Error(), "certificate")

	o.Target.Insecure = true
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	assert.Equal(t, int64(40), res.Targets[0].Total.Succeeded)
}

// Warm-up operations are sent but not counted; a duration run measures a window
// no longer than its span.
func TestRunWarmupAndDuration(t *testing.T) {
	fake, url := newFakeS3(t)
	o := fakeOptions(url, bench.WorkloadStat)
	o.Ops, o.Duration, o.Warmup = 0, 700*time.Millisecond, 300*time.Millisecond
	res, err := bench.Run(context.Background(), o)
	require.NoError(t, err)
	require.NoError(t, res.Err())
	checkCounts(t, res)
	tr := res.Targets[0]
	stat := tr.Op("STAT")
	require.NotNil(t, stat)
	assert.Positive(t, stat.Done)
	assert.Positive(t, tr.Window)
	assert.LessOrEqual(t, tr.Window, tr.Span)
	// Requests beyond bucket setup, preparation, measured ops and clean-up were
	// the warm-up's.
	overhead := int64(2 /* head+create bucket */ + o.Objects + 3 /* list uploads, list, delete objects */ + 1 /* delete bucket */)
	assert.Greater(t, fake.requests.Load(), overhead+stat.Done, "warm-up requests were sent")
}
