package replication_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// TestBidirectionalBackfill: two sites that held the same keys differently
// before their bidirectional rules were made (one side only, both with the later
// write on either side, deleted on one side after or before the other's write)
// converge, once the rules exist, to each key's last write: each side's backfill
// compares what it holds with the other's, and last write wins decides.
func TestBidirectionalBackfill(t *testing.T) {
	for _, versioned := range []bool{false, true} {
		t.Run(fmt.Sprintf("versioned=%t", versioned), func(t *testing.T) {
			ctx := t.Context()
			a, b := newSite(t, versioned), newSite(t, versioned)
			// last is each key's last write on either site, by origin time (site id
			// breaking a tie): its body, "" for a delete.
			type write struct {
				body string
				at   uint64
				site string
			}
			last := map[string]write{}
			note := func(st *site, key, body string) {
				h, got, err := current(ctx, st.s3, "shared", key)
				require.NoError(t, err)
				require.Equal(t, body, got)
				at, err := strconv.ParseUint(h.Get("x-cairn-origin-time"), 10, 64)
				require.NoError(t, err, "origin time of %s", key)
				w, site := last[key], h.Get("x-cairn-origin-site")
				if at > w.at || at == w.at && site > w.site {
					last[key] = write{body: body, at: at, site: site}
				}
			}
			put := func(st *site, key, body string) {
				_, err := st.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(key), Body: strings.NewReader(body)})
				require.NoError(t, err)
				note(st, key, body)
			}
			del := func(st *site, key string) {
				_, err := st.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String(key)})
				require.NoError(t, err)
				note(st, key, "")
			}
			put(a, "only-a", "only on a")
			put(b, "only-b", "only on b")
			put(b, "later-on-a", "b's")
			put(a, "later-on-a", "a's")
			put(a, "later-on-b", "a's")
			put(b, "later-on-b", "b's")
			put(a, "deleted-on-a-after-b", "a's")
			put(b, "deleted-on-a-after-b", "b's")
			del(a, "deleted-on-a-after-b")
			put(b, "deleted-on-b-after-a", "b's")
			put(a, "deleted-on-b-after-a", "a's")
			del(b, "deleted-on-b-after-a")
			put(a, "deleted-on-a-then-b-wrote", "a's")
			del(a, "deleted-on-a-then-b-wrote")
			put(b, "deleted-on-a-then-b-wrote", "b's")
			for i := range 30 {
				put([]*site{a, b}[i%2], fmt.Sprintf("many/%02d", i), fmt.Sprintf("many %d", i))
			}

			a.syncTo(t, b, meta.ModeBidirectional)
			b.syncTo(t, a, meta.ModeBidirectional)
			holds := func(st *site) bool {
				for key, w := range last {
					_, got, err := current(ctx, st.s3, "shared", key)
					if err != nil || got != w.body {
						return false
					}
				}
				return true
			}
			nodetest.WaitFor(t, "both sites hold each key's last write", func() bool { return holds(a) && holds(b) })
			for _, st := range []*site{a, b} {
				nodetest.WaitFor(t, "the backfill is done", func() bool {
					return st.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone
				})
			}
			waitRounds(t, a.n, b.n)
			require.True(t, holds(a) && holds(b), "the sites moved apart again")
			require.Equal(t, a.keys(t), b.keys(t))
		})
	}
}
