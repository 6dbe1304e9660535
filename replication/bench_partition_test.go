package replication_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/cmd/node"
)

// BenchmarkPartitionConvergence measures how long two 3-node sites with a
// bidirectional rule each, at the default site sync interval (1s), take to
// converge once the link between them comes back after a partition of
// CAIRN_PARTITION_SECONDS (default 60) during which both sides wrote (10 PUTs or
// DELETEs a second each, on 200 keys both sides share): from the link's return
// until both list the same keys and ETags. Run it with
//
//	CAIRN_PARTITION_SECONDS=60 go test -run '^$' -bench PartitionConvergence -benchtime 1x -timeout 10m ./replication/
func BenchmarkPartitionConvergence(b *testing.B) {
	seconds := 60
	if v := os.Getenv("CAIRN_PARTITION_SECONDS"); v != "" {
		var err error
		if seconds, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	production := func(c *node.Config) { c.Timings.SiteSync = 0 } // the default interval
	a, bb := startInProcessSite(b, "a", 3, production), startInProcessSite(b, "b", 3, production)
	toB, toA := newSoakLink(b, bb), newSoakLink(b, a)
	for _, st := range []*soakSite{a, bb} {
		if _, err := st.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(soakBucket)}); err != nil {
			b.Fatal(err)
		}
	}
	a.nodes.connect(b, ctx, toB.ln.Addr().String())
	bb.nodes.connect(b, ctx, toA.ln.Addr().String())
	toB.setUp(false)
	toA.setUp(false)
	wctx, stop := context.WithTimeout(ctx, time.Duration(seconds)*time.Second)
	defer stop()
	done := make(chan int)
	for si, st := range []*soakSite{a, bb} {
		go func() {
			rng := rand.New(rand.NewPCG(1, uint64(si)))
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			n := 0
			for ; wctx.Err() == nil; n++ {
				<-tick.C
				key := fmt.Sprintf("k%03d", rng.IntN(200))
				body := ""
				if rng.IntN(5) != 0 {
					body = fmt.Sprintf("%s-%d-%s", st.name, n, strings.Repeat("x", 4096))
				}
				if _, err := st.write(ctx, key, body); err != nil {
					b.Error(err)
					break
				}
			}
			done <- n
		}()
	}
	writes := <-done + <-done
	b.ResetTimer()
	start := time.Now()
	toB.setUp(true)
	toA.setUp(true)
	for {
		la, lb := a.listing(ctx), bb.listing(ctx)
		if la != nil && lb != nil && equalListings(la, lb) {
			break
		}
		if time.Since(start) > 5*time.Minute {
			b.Fatal("the sites did not converge in 5 minutes")
		}
		time.Sleep(50 * time.Millisecond) // polling, not synchronisation
	}
	took := time.Since(start)
	b.StopTimer()
	b.ReportMetric(took.Seconds(), "converge-s")
	b.ReportMetric(float64(writes), "writes")
}
