package meta

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cluster/layout"
)

// lossyForwarder forwards like testForwarder, but answers the first forward of each
// entry as a leader that lost leadership while the entry was in flight does
// (ErrNotReady: the outcome is unknown). With applied set the leader did apply it
// first, as happens when the commit lands just as leadership goes.
type lossyForwarder struct {
	*testForwarder
	applied bool

	mu   sync.Mutex
	seen map[string]bool
	lost int
}

func (f *lossyForwarder) Forward(ctx context.Context, l Leader, entry []byte) (uint64, error) {
	f.mu.Lock()
	first := !f.seen[string(entry)]
	f.seen[string(entry)] = true
	if first {
		f.lost++
	}
	f.mu.Unlock()
	if !first {
		return f.testForwarder.Forward(ctx, l, entry)
	}
	if f.applied {
		if _, err := f.testForwarder.Forward(ctx, l, entry); err != nil {
			return 0, err
		}
	}
	return 0, wire(applyError(raft.ErrLeadershipLost))
}

// TestIdempotentWritesSurviveALostLeadership: the writes that leave the state as it
// is when applied twice (a decommission's steps, a layout sync ack, an operator's
// layout change, the root key at start, a bucket create) are proposed again when
// leadership is lost while they are in flight, whether or not the lost leader applied
// them, instead of failing the caller (RemoveNode and layout changes through the
// admin API, a sync round's ack, a node's start, an S3 CreateBucket).
func TestIdempotentWritesSurviveALostLeadership(t *testing.T) {
	for _, applied := range []bool{false, true} {
		name := map[bool]string{false: "dropped", true: "applied"}[applied]
		t.Run(name, func(t *testing.T) {
			fwd := &lossyForwarder{testForwarder: &testForwarder{nodes: map[string]*Meta{}}, applied: applied, seen: map[string]bool{}}
			// The follower must stay one (its writes are forwarded): timings slow
			// enough that a loaded machine does not make it leader.
			n1, n2 := openVoterPair(t, fwd.testForwarder, fwd, time.Second)
			ctx := testCtx(t)
			leader, follower := n1, n2
			if !isLeader(n1) {
				leader, follower = n2, n1
			}
			three, err := layout.New(leader.Layout().Version+1, nodesOf("n1", "n2", "n3"), 0, 0)
			require.NoError(t, err)
			require.NoError(t, leader.SetLayout(ctx, three))
			waitUntil(t, "the follower has the layout with n3", func() bool { return follower.Layout().Version == three.Version })

			// Each write through the follower has its first forward lost.
			require.NoError(t, follower.RemoveNode(ctx, "n3"))
			require.Equal(t, 2, fwd.lost, "the decommission's status and its layout were each lost once")
			require.Equal(t, three.Version+1, follower.Layout().Version, "one layout without n3, not two")
			require.Equal(t, nodesOf("n1", "n2"), follower.Layout().Nodes)
			s, err := follower.NodeStatus("n3")
			require.NoError(t, err)
			require.Equal(t, NodeDecommissioning, s)

			require.NoError(t, follower.AckLayoutSync(ctx, "n1", three.Version+1))
			require.Equal(t, three.Version+1, follower.LayoutSyncAcks()["n1"])

			four, err := layout.New(three.Version+2, nodesOf("n1", "n2", "n4"), 0, 0)
			require.NoError(t, err)
			require.NoError(t, follower.SetLayout(ctx, four))
			require.Equal(t, four.Version, follower.Layout().Version)

			k, mine, err := follower.InitRootKey(ctx, "ROOTKEYLOSTONCE", "root-secret-lost-once")
			require.NoError(t, err)
			require.True(t, mine)
			require.Equal(t, "ROOTKEYLOSTONCE", k.ID)
			require.NoError(t, follower.SetRootKey(ctx, "ROOTKEYLOSTTWICE", "root-secret-lost-twice"))
			k, ok, err := follower.RootKey(ctx)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, "ROOTKEYLOSTTWICE", k.ID)
			require.Equal(t, 6, fwd.lost)

			// A bucket create is one too (the same create again is a no-op), so an
			// S3 CreateBucket does not fail with 503 for an election.
			require.NoError(t, follower.CreateBucket(ctx, Bucket{Name: "lost-once", Owner: "u"}))
			require.Equal(t, 7, fwd.lost)
			b, err := follower.Bucket(ctx, "lost-once")
			require.NoError(t, err)
			require.Equal(t, "u", b.Owner)

			// A write that is not idempotent is not proposed again: its caller hears
			// that the outcome is unknown.
			err = follower.DeleteBucket(ctx, "lost-once")
			require.ErrorIs(t, err, ErrNotReady)
			require.Equal(t, 8, fwd.lost)
		})
	}
}
