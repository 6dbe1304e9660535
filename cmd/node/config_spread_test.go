package node_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// TestConfigChangeIsInForceOnEveryNode changes a bucket setting through one node and
// reads it at once, locally, on every other: behind a load balancer the client's next
// request may land anywhere (the compose test's boto3 flow suspended versioning through
// one node and its next PUT, on another, still made a version). Followers learn of a
// commit with the leader's next message, so without the wait for every live node this
// fails within a few rounds.
func TestConfigChangeIsInForceOnEveryNode(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	nodetest.WaitLeader(t, nodes...)
	ctx := t.Context()
	require.NoError(t, nodes[0].Meta().CreateBucket(ctx, meta.Bucket{Name: "spread", Owner: "root"}))
	for i := range 30 {
		via := nodes[i%3]
		status := meta.VersioningEnabled
		if i%2 == 1 {
			status = meta.VersioningSuspended
		}
		require.NoError(t, via.Meta().PutBucketVersioning(ctx, "spread", status))
		for _, other := range nodes {
			b, err := other.Meta().Bucket(ctx, "spread")
			require.NoError(t, err)
			require.Equal(t, status, b.Versioning, "round %d: set through %s, read on %s", i, via.NodeID(), other.NodeID())
		}
	}
}
