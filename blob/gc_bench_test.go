package blob

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkClusterReclaim writes CAIRN_RECLAIM_MIB (default 100) MiB of 16 MiB objects
// in 1 MiB blocks into a 3-node cluster over real HTTP, deletes them all, and measures
// how long the background collectors (GCInterval 1s, GCGrace 2s) take to bring every
// node's block bytes back to its baseline. The time is bounded by GCGrace plus two
// intervals (plus the time a run takes); it reports it as s/reclaim.
//
//	CAIRN_RECLAIM_MIB=500 go test -run '^$' -bench ClusterReclaim -benchtime 1x ./blob/
func BenchmarkClusterReclaim(b *testing.B) {
	mib := 100
	if v := os.Getenv("CAIRN_RECLAIM_MIB"); v != "" {
		var err error
		mib, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	for range b.N {
		c := newRPCCluster(b, 3, clusterOptions{})
		for _, nd := range c.nodes {
			c.stop(nd)
			nd.cfg.BlockSize, nd.cfg.InlineLimit = 1<<20, 16<<10
			nd.cfg.GCInterval, nd.cfg.GCGrace = time.Second, 2*time.Second
			c.start(nd)
		}
		ctx := context.Background()
		base := make([]int64, 3)
		for i, nd := range c.nodes {
			st, err := nd.store.blocks.Stats()
			require.NoError(b, err)
			base[i] = st.Bytes
		}
		const objMiB = 16
		n := max(1, mib/objMiB)
		start := time.Now()
		for i := range n {
			_, err := c.nodes[i%3].store.PutObject(ctx, PutInput{Bucket: "b", Key: fmt.Sprint("k", i),
				Body: bytes.NewReader(randBytes(objMiB<<20, uint64(i+1)))})
			require.NoError(b, err)
		}
		b.ReportMetric(float64(n*objMiB)/time.Since(start).Seconds(), "MiB/s-written")
		for i := range n {
			require.NoError(b, c.nodes[(i+1)%3].store.DeleteObject(ctx, "b", fmt.Sprint("k", i)))
		}
		deleted := time.Now()
		tick := time.NewTicker(50 * time.Millisecond)
		deadline := time.After(5 * time.Minute)
	wait:
		for {
			back := true
			for i, nd := range c.nodes {
				st, err := nd.store.blocks.Stats()
				require.NoError(b, err)
				back = back && st.Bytes == base[i]
			}
			if back {
				break wait
			}
			select {
			case <-tick.C:
			case <-deadline:
				b.Fatalf("block bytes not back to the baseline within 5 minutes")
			}
		}
		tick.Stop()
		b.ReportMetric(time.Since(deleted).Seconds(), "s/reclaim")
	}
}
