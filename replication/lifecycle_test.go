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
// removes on one site stays on the other, and so does a current version whose
// expiration put a delete marker on it, as S3's replication replicates no
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
	a.put(t, "e", "expires")
	both := waitSameVersions(t, a, b, "k", 2)
	waitSameVersions(t, a, b, "j", 2)
	waitSameVersions(t, a, b, "e", 1)

	_, err := a.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("shared"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("noncurrent"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("k")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)},
		}, {
			ID: aws.String("current"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("e")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)},
		}}}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "a's lifecycle removes k's noncurrent version", func() bool {
		_, err := a.n.Lifecycle().RunNow(ctx)
		require.NoError(t, err)
		ids := a.versionIDs(t, "k")
		_, ok, err := read(ctx, a.s3, "shared", "e")
		require.NoError(t, err)
		return len(ids) == 1 && idOf(ids[0]) != expired && !ok
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
	got, ok, err := read(ctx, b.s3, "shared", "e")
	require.NoError(t, err)
	require.True(t, ok, "b keeps the version a's lifecycle expired under a delete marker")
	require.Equal(t, "expires", got.body)
	require.Len(t, b.versionIDs(t, "e"), 1)
}

// TestLifecycleExpirationInAnUnversionedBucketIsNotReplicated: an object a
// lifecycle rule expires in an unversioned bucket stays on the target of a
// one-way rule, while a user's delete is replicated.
func TestLifecycleExpirationInAnUnversionedBucketIsNotReplicated(t *testing.T) {
	ctx := t.Context()
	a := newSite(t, false, func(c *node.Config) { c.LifecycleInterval, c.LifecycleDay = time.Hour, time.Second })
	b := newSite(t, false)
	a.syncTo(t, b, meta.ModeNewOnly)
	a.put(t, "expires", "x")
	a.put(t, "deleted", "y")
	nodetest.WaitFor(t, "b has both", func() bool { return len(b.keys(t)) == 2 })
	_, err := a.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("shared"),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{
			ID: aws.String("expire"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("expires")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)},
		}}}})
	require.NoError(t, err)
	nodetest.WaitFor(t, "a's lifecycle expires the object", func() bool {
		_, err := a.n.Lifecycle().RunNow(ctx)
		require.NoError(t, err)
		_, ok, err := read(ctx, a.s3, "shared", "expires")
		require.NoError(t, err)
		return !ok
	})
	_, err = a.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("shared"), Key: aws.String("deleted")})
	require.NoError(t, err)
	nodetest.WaitFor(t, "a user's delete reaches b", func() bool {
		_, ok, err := read(ctx, b.s3, "shared", "deleted")
		require.NoError(t, err)
		return !ok
	})
	for range 3 {
		waitRounds(t, a.n)
	}
	require.Equal(t, []string{"expires"}, b.keys(t), "the expiration is not replicated")
}
