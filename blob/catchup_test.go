package blob

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// catchUp stops one node of three, writes n objects (half inline, half one block each)
// through the others, brings the node back and runs its first anti-entropy round,
// which must leave it with every record and block it owns. It returns how long that
// round took.
func catchUp(t testing.TB, n int) time.Duration {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	down := c.nodes[2]
	c.stop(down)
	keys := make(chan int)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := range keys {
				size := 256
				if i%2 == 1 {
					size = testBlock
				}
				put(t, c.nodes[i%2].store, "bk", fmt.Sprintf("obj/%06d", i), randBytes(size, uint64(i)))
			}
		})
	}
	for i := range n {
		keys <- i
	}
	close(keys)
	wg.Wait()

	c.start(down)
	b, bench := t.(*testing.B)
	if bench {
		b.StartTimer()
	}
	start := time.Now()
	require.NoError(t, down.store.SyncNow(ctx))
	took := time.Since(start)
	if bench {
		b.StopTimer()
	}
	for i := range n {
		key := fmt.Sprintf("obj/%06d", i)
		_, ok := c.hasRecord(down, "bk", key)
		require.True(t, ok, "%s caught up with %s", down.id, key)
		if i%2 == 1 {
			for _, ref := range blocksOf(t, c.nodes[0].store, "bk", key) {
				require.True(t, hasBlock(down, ref.Hash), "%s caught up with the block of %s", down.id, key)
			}
		}
	}
	return took
}

// TestCatchUpAfterDowntime measures how long a node that missed n writes takes to
// catch up (BenchmarkCatchUp does it at a larger n).
func TestCatchUpAfterDowntime(t *testing.T) {
	const n = 400
	took := catchUp(t, n)
	t.Logf("a returning node caught up on %d objects (%d records, %d blocks) in %s: %.0f objects/s",
		n, n, n/2, took.Round(time.Millisecond), float64(n)/took.Seconds())
}

// BenchmarkCatchUp times the round in which a returning node catches up on 5000
// objects (5000 records, 2500 blocks) missed while it was down: ns/op is the whole
// round; ns/object and objects/s per object.
func BenchmarkCatchUp(b *testing.B) {
	const n = 5000
	var total time.Duration
	b.StopTimer()
	for range b.N {
		total += catchUp(b, n)
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(b.N*n), "ns/object")
	b.ReportMetric(float64(b.N*n)/total.Seconds(), "objects/s")
}
