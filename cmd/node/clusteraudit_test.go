package node_test

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// TestClusterAudit: GET /admin/v1/audit?scope=cluster through one node answers the
// records of requests served by every node, merged newest first and filtered; with a
// node stopped, its records are missing and the answer names it.
func TestClusterAudit(t *testing.T) {
	dir := t.TempDir()
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) { c.AuditLog = filepath.Join(dir, c.NodeID+".log") })
	ctx := context.Background()
	access, secret := nodes[0].RootCredentials()
	_, err := s3Of(nodes[0], access, secret).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("audited")})
	require.NoError(t, err)
	for _, n := range nodes {
		_, err := s3Of(n, access, secret).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("audited")})
		require.NoError(t, err)
	}

	ac := adminClient(t, nodes[0])
	filter := url.Values{"action": {"HeadBucket"}, "bucket": {"audited"}}
	out, err := ac.ClusterAuditLog(ctx, filter)
	require.NoError(t, err)
	require.Equal(t, 3, out.NodesAsked)
	require.Empty(t, out.NodesSilent)
	var served []string
	for i, r := range out.Items {
		require.Equal(t, "HeadBucket", r.Action)
		served = append(served, r.Node)
		if i > 0 {
			require.False(t, r.Time.After(out.Items[i-1].Time), "newest first")
		}
	}
	slices.Sort(served)
	require.Equal(t, []string{"node1", "node2", "node3"}, served)

	// This node's own records alone.
	local, err := ac.AuditLog(ctx, filter)
	require.NoError(t, err)
	require.Len(t, local, 1)
	require.Equal(t, "node1", local[0].Node)

	require.NoError(t, nodes[2].Close())
	out, err = ac.ClusterAuditLog(ctx, filter)
	require.NoError(t, err)
	require.Equal(t, []string{"node3"}, out.NodesSilent)
	require.Len(t, out.Items, 2)
}

// s3Of is an S3 client of n's S3 port.
func s3Of(n *node.Node, access, secret string) *s3.Client {
	return s3.New(s3.Options{BaseEndpoint: aws.String(n.S3URL()), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")})
}
