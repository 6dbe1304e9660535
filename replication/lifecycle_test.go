package replication_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// TestLifecycleRemovalsAreNotReplicated: a noncurrent version a lifecycle rule
// removes on one site stays on the other, as S3's replication replicates no
// lifecycle action (the other site keeps its own retention), while a removal by
// id a user makes in the same bucket is replicated.
func TestLifecycleRemovalsAreNotReplicated(t *testing.T) {
	ctx := t.Context()
	day := func(c *node.Config) { c.LifecycleInterval, c.LifecycleDay = time.Hour, time.Second } // run by hand below
	a, b := newLockSite(t, day), newLockSite(t, day)
	a.syncToAs(t, b, meta.ModeBidirectional, versionsPolicy)
	b.syncToAs(t, a, meta.ModeBidirectional, versionsPolicy)
	nodetest.WaitFor(t, "both backfills are done", func() bool {
		return a.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone && b.n.Meta().ReplicationProgress("shared", "to-peer").BackfillDone
	})

	expired := a.put(t, "k", "v1")
	a.put(t, "k", "v2")
	removed := a.put(t, "j", "j1")
	a.put(t, "j", "j2")
	both := waitSameVersions(t, a, b, "k", 2)
	waitSameVersions(t, a, b, "j", 2)

	_, err := a.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("shared"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("noncurrent"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("k")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)},
		}}}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "a's lifecycle removes k's noncurrent version", func() bool {
		_, err := a.n.Lifecycle().RunNow(ctx)
		require.NoError(t, err)
		ids := a.versionIDs(t, "k")
		return len(ids) == 1 && idOf(ids[0]) != expired
	})

	a.removeVersion(t, "j", removed)
	ids := waitSameVersions(t, a, b, "j", 1)
	require.NotEqual(t, removed, idOf(ids[0]), "a user's removal by id is replicated")
	for range 3 {
		waitRounds(t, a.n, b.n)
	}
	require.Equal(t, both, b.versionIDs(t, "k"), "b keeps the version a's lifecycle removed")
	require.Contains(t, []string{idOf(both[0]), idOf(both[1])}, expired)
	require.Len(t, a.versionIDs(t, "k"), 1)
}
