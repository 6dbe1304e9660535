package replication_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// benchSites is a 3-node source and a single-node target, without a proxy, with the
// site sync interval at its default (1s) unless interval is set.
func benchSites(b *testing.B, interval time.Duration) (src []*node.Node, peer *node.Node) {
	b.Helper()
	src = nodetest.StartCluster(b, 3, func(c *node.Config) { c.Timings.SiteSync = interval })
	peer = nodetest.Start(b)
	ak, sk := peer.RootCredentials()
	ctx := context.Background()
	if _, err := src[0].Meta().CreateConnection(ctx, meta.ConnectionInput{Name: "peer",
		Endpoint: "http://" + ak + ":" + sk + "@" + peer.S3URL()[len("http://"):]}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		n      *node.Node
		bucket string
	}{{src[0], "bench"}, {peer, "bench-copy"}} {
		if _, err := s3Client(c.n).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(c.bucket)}); err != nil {
			b.Fatal(err)
		}
	}
	return src, peer
}

// BenchmarkReplicationLag measures, under a steady 200 PUT/s of 4 KiB objects spread
// over the source's nodes, the time from a PUT's acknowledgement on the source to the
// object's first appearance in a listing of the target (polled every 20 ms, so the
// figures are up to 20 ms late). Run it with
//
//	go test -run '^$' -bench ReplicationLag -benchtime 1x ./replication/
func BenchmarkReplicationLag(b *testing.B) {
	for _, interval := range []time.Duration{time.Second, 100 * time.Millisecond} {
		b.Run("interval="+interval.String(), func(b *testing.B) {
			src, peer := benchSites(b, interval)
			ctx := context.Background()
			if _, err := src[0].Meta().CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "bench", ID: "r", Connection: "peer",
				TargetBucket: "bench-copy", Mode: meta.ModeNewOnly}); err != nil {
				b.Fatal(err)
			}
			const rate, seconds = 200, 10
			body := bytes.Repeat([]byte("x"), 4096)
			var mu sync.Mutex
			acked := map[string]time.Time{}
			seen := map[string]time.Time{}
			done := make(chan struct{})
			go func() { // poll the target
				defer close(done)
				c := s3Client(peer)
				deadline := time.Now().Add(seconds*time.Second + 150*time.Second)
				for time.Now().Before(deadline) {
					p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bench-copy")})
					for p.HasMorePages() {
						page, err := p.NextPage(ctx)
						if err != nil {
							break
						}
						now := time.Now()
						mu.Lock()
						for _, o := range page.Contents {
							if _, ok := seen[*o.Key]; !ok {
								seen[*o.Key] = now
							}
						}
						mu.Unlock()
					}
					mu.Lock()
					all := len(seen) == rate*seconds
					mu.Unlock()
					if all {
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
			clients := []*s3.Client{s3Client(src[0]), s3Client(src[1]), s3Client(src[2])}
			tick := time.NewTicker(time.Second / rate)
			var wg sync.WaitGroup
			b.ResetTimer()
			for i := range rate * seconds {
				<-tick.C
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := fmt.Sprintf("k%06d", i)
					if _, err := clients[i%3].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					acked[key] = time.Now()
					mu.Unlock()
				}()
			}
			tick.Stop()
			wg.Wait()
			<-done
			b.StopTimer()
			var lags []time.Duration
			for k, at := range acked {
				if s, ok := seen[k]; ok {
					lags = append(lags, max(0, s.Sub(at)))
				}
			}
			if len(lags) != len(acked) {
				b.Fatalf("%d of %d objects arrived", len(lags), len(acked))
			}
			slices.Sort(lags)
			pct := func(q float64) float64 { return lags[int(q*float64(len(lags)-1))].Seconds() * 1000 }
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(lags)), "objects")
		})
	}
}

// BenchmarkBackfill measures a mode-all rule's backfill of 2,000 existing 4 KiB
// objects (the Raft leader lists the source, heads the target and copies each).
//
//	go test -run '^$' -bench Backfill -benchtime 1x ./replication/
func BenchmarkBackfill(b *testing.B) {
	src, _ := benchSites(b, 100*time.Millisecond)
	ctx := context.Background()
	const n, size = 2000, 4096
	body := bytes.Repeat([]byte("y"), size)
	c := s3Client(src[0])
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	loadStart := time.Now()
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bench"), Key: aws.String(fmt.Sprintf("k%06d", i)), Body: bytes.NewReader(body)}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	// The rate the source itself takes the same PUTs at (16 at a time), to read
	// the backfill's against on this machine.
	loadRate := n / time.Since(loadStart).Seconds()
	leader := nodetest.WaitLeader(b, src...)
	b.ResetTimer()
	start := time.Now()
	if _, err := leader.Meta().CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: "bench", ID: "all", Connection: "peer",
		TargetBucket: "bench-copy", Mode: meta.ModeAll}); err != nil {
		b.Fatal(err)
	}
	for !leader.Meta().ReplicationProgress("bench", "all").BackfillDone {
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(n/took.Seconds(), "objects/s")
	b.ReportMetric(n*size/took.Seconds()/(1<<20), "MiB/s")
	b.ReportMetric(loadRate, "source-puts/s")
}
