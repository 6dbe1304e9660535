package lifecycle_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/meta"
)

// BenchmarkScan measures the lifecycle scan rate of one node: a run over a bucket of
// 20,000 small objects (one version each) that a rule matches but that are not due
// yet, so the run reads and evaluates every version and writes nothing. It reports
// versions scanned per second.
//
//	go test -run '^$' -bench BenchmarkScan -benchtime 5x ./lifecycle/
func BenchmarkScan(b *testing.B) {
	const objects = 20000
	n := nodetest.Start(b, func(c *node.Config) { c.LifecycleInterval = -1 })
	ctx := context.Background()
	require.NoError(b, n.Meta().CreateBucket(ctx, meta.Bucket{Name: "bench", Owner: meta.RootUser, Region: "us-east-1", CreatedAt: time.Now()}))
	putMany(b, n, "bench", "logs/", objects, blob.Unversioned)
	require.NoError(b, n.Meta().PutBucketLifecycle(ctx, "bench", &meta.LifecycleConfig{Rules: []meta.LifecycleRule{
		{ID: "year", Enabled: true, ExpirationDays: 365, Filter: meta.LifecycleFilter{Form: meta.FilterSingle, Prefix: "logs/"}},
		{ID: "versions", Enabled: true, NoncurrentDays: 30, Filter: meta.LifecycleFilter{Form: meta.FilterSingle}},
	}}))
	eng, err := lifecycle.New(lifecycle.Config{Interval: time.Hour, Logger: slog.New(slog.DiscardHandler)}, n.Store(), n.Meta())
	require.NoError(b, err)
	scanned := 0
	b.ResetTimer()
	for b.Loop() {
		r, err := eng.RunNow(ctx)
		require.NoError(b, err)
		require.Equal(b, objects, r.Scanned)
		scanned += r.Scanned
	}
	b.ReportMetric(float64(scanned)/b.Elapsed().Seconds(), "versions/s")
}

// BenchmarkExpire measures how fast one node's engine expires due objects: each
// iteration puts 2,000 small objects in a fresh versioned bucket (not timed) whose
// rule makes them all due, then times one run, which confirms each with a read of its
// versions and writes its delete marker. It reports objects expired per second.
//
//	go test -run '^$' -bench BenchmarkExpire -benchtime 3x ./lifecycle/
func BenchmarkExpire(b *testing.B) {
	const objects = 2000
	n := nodetest.Start(b, func(c *node.Config) { c.LifecycleInterval = -1 })
	eng, err := lifecycle.New(lifecycle.Config{Interval: time.Hour, Day: time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, n.Store(), n.Meta())
	require.NoError(b, err)
	expired := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bucket := fmt.Sprintf("expire-%d", i)
		versionedBucket(b, n, bucket, 0)
		putMany(b, n, bucket, "obj/", objects, blob.VersioningEnabled)
		require.NoError(b, n.Meta().PutBucketLifecycle(context.Background(), bucket, &meta.LifecycleConfig{Rules: []meta.LifecycleRule{
			{ID: "all", Enabled: true, ExpirationDays: 1, Filter: meta.LifecycleFilter{Form: meta.FilterSingle}}}}))
		written := time.Now()
		for time.Since(written) < 3*time.Millisecond { // two lifecycle days of 1ms
			runtime.Gosched()
		}
		b.StartTimer()
		r, err := eng.RunNow(context.Background())
		require.NoError(b, err)
		require.Equal(b, objects, r.Expired)
		expired += r.Expired
	}
	b.ReportMetric(float64(expired)/b.Elapsed().Seconds(), "objects/s")
}

// putMany puts count one-byte objects prefix000000... into bucket, 16 at a time.
func putMany(b *testing.B, n *node.Node, bucket, prefix string, count int, v blob.Versioning) {
	b.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				_, err := n.Store().PutObject(context.Background(), blob.PutInput{Bucket: bucket, Key: fmt.Sprintf("%s%06d", prefix, i),
					Body: strings.NewReader("x"), Versioning: v})
				if err != nil {
					b.Error(err)
				}
			}
		})
	}
	for i := range count {
		next <- i
	}
	close(next)
	wg.Wait()
}
