package s3api_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
)

// TestBucketQuotaCluster: on 3 nodes, a quota set through one node is enforced by
// every node, and a write accepted through one node counts against the quota on the
// others once their usage figures include it (within --usage-max-age, here 200 ms):
// then a write through another node that would pass the quota is refused.
func TestBucketQuotaCluster(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) { c.UsageMaxAge = 200 * time.Millisecond })
	e := &env{t: t, node: nodes[0], s3: sdkClient(nodes[0], ""), ctx: t.Context()}
	b := e.bucket("quota-cluster")
	const mib = 1 << 20
	_, err := e.adminClient().SetBucketQuota(e.ctx, b, admin.BucketQuota{Bytes: 10 * mib})
	require.NoError(t, err)

	// Every node refuses at once what could never fit.
	for _, n := range nodes {
		_, err := sdkClient(n, "").PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("huge"), Body: bytes.NewReader(make([]byte, 11*mib))})
		requireQuotaExceeded(t, err)
	}

	e.put(b, "eight", randomBytes(1, 8*mib))
	other := &env{t: t, node: nodes[2], s3: sdkClient(nodes[2], ""), ctx: t.Context()}
	nodetest.WaitFor(t, "node3's usage figures to include the write through node1", func() bool {
		q, err := other.adminClient().BucketQuota(e.ctx, b)
		return err == nil && q.Usage != nil && q.Usage.VersionBytes >= 8*mib
	})
	_, err = other.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("four"), Body: bytes.NewReader(randomBytes(2, 4*mib))})
	requireQuotaExceeded(t, err)
	other.put(b, "one", randomBytes(3, mib))
}
