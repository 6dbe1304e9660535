package s3api_test

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// In a 3-node cluster every node derives the same master key from the cluster
// secret: an object encrypted through one node reads back through each of the
// others, and no node's data directory holds its plaintext.
func TestClusterSSES3EveryNodeDecrypts(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	e := &env{t: t, node: nodes[0], s3: sdkClient(nodes[0], ""), ctx: t.Context()}
	b := e.bucket("sse-cluster")
	data := markedBytes("CLUSTER-SECRET", 3*mib+777)
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("obj"), Body: bytes.NewReader(data), ServerSideEncryption: types.ServerSideEncryptionAes256})
	require.NoError(t, err)
	for i, n := range nodes[1:] {
		c := &env{t: t, node: n, s3: sdkClient(n, ""), ctx: t.Context()}
		require.True(t, bytes.Equal(data, c.get(b, "obj")), "through node %d", i+1)
		_, got := c.getRange(b, "obj", "bytes=2097100-2097300")
		require.Equal(t, data[2097100:2097301], got)
	}
	for _, n := range nodes {
		require.Empty(t, filesContaining(t, n.Config().DataDir, []byte("CLUSTER-SECRET-00000100|")))
	}
}
