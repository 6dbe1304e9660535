package s3api_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// TestObjectLockCluster: through the S3 API of a 3-node cluster, a locked bucket made
// through one node is locked on all (its configuration is in Raft), a retention set
// through one node is read back and enforced through the others, and no node removes
// the version.
func TestObjectLockCluster(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	e := &env{t: t, node: nodes[0], s3: sdkClient(nodes[0], ""), ctx: t.Context()}
	b := e.lockedBucket("lock-cluster")
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	vid := e.putLocked(b, "k", types.ObjectLockModeCompliance, until)
	c1, c2 := sdkClient(nodes[1], ""), sdkClient(nodes[2], "")
	// Extended through node2.
	later := until.Add(time.Hour)
	_, err := c1.PutObjectRetention(e.ctx, &s3.PutObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid),
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(later)}})
	require.NoError(t, err)
	for i, c := range []*s3.Client{e.s3, c1, c2} {
		ret, err := c.GetObjectRetention(e.ctx, &s3.GetObjectRetentionInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid)})
		require.NoError(t, err, "node%d", i+1)
		require.True(t, later.Equal(aws.ToTime(ret.Retention.RetainUntilDate)), "node%d reads the extension", i+1)
		_, err = c.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("k"), VersionId: aws.String(vid),
			BypassGovernanceRetention: aws.Bool(true)})
		requireDenied(t, err, "Access Denied because object protected by object lock.")
		_, err = c.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusSuspended}})
		requireCode(t, err, "InvalidBucketState")
	}
	// Each node's object layer reads the version with its extended retention (each
	// owner's own copy is checked in blob's TestClusterRetentionOnEveryOwner).
	for _, n := range nodes {
		o, err := n.Store().OpenVersion(e.ctx, b, "k", vid)
		require.NoError(t, err, n.NodeID())
		require.True(t, later.Equal(o.Info.Lock.RetainUntil), n.NodeID())
	}
	_, err = c2.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	requireCode(t, err, "BucketNotEmpty")
}
