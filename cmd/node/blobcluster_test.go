package node_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// TestClusterDataPlane writes objects through one node of a three-node cluster and
// reads and lists them through the others, over the S3 API: the objects live on
// their owners, by quorum, across the node-to-node API.
func TestClusterDataPlane(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3)
	ctx := context.Background()
	access, secret := nodes[0].RootCredentials()
	clients := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		clients[i] = userClient(n, access, secret)
	}
	_, err := clients[0].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	require.NoError(t, err)

	objects := map[string][]byte{"small": []byte("inline in its record"), "large": make([]byte, 3<<20+12345)}
	rand.Read(objects["large"])
	for key, body := range objects {
		_, err := clients[0].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(t, err, key)
	}
	for i, c := range clients[1:] {
		for key, body := range objects {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
			require.NoError(t, err, "%s through node%d", key, i+2)
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			require.NoError(t, err)
			require.True(t, bytes.Equal(body, got), "%s through node%d is byte-identical", key, i+2)
		}
		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data")})
		require.NoError(t, err)
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		require.Equal(t, []string{"large", "small"}, keys, fmt.Sprintf("listing through node%d", i+2))
	}

	// A fourth node joins: a new layout version; the data plane syncs every node to
	// it and acks, by itself, and the old version is retired.
	fourth := nodetest.StartJoining(t, nodes[1], "node4")
	all := append(nodes, fourth)
	nodetest.WaitFor(t, "every node synced to the layout with node4", func() bool {
		for _, n := range all {
			ls := n.Meta().Layouts()
			if len(ls) != 1 || !nodetest.LayoutHolds(n, "node1", "node2", "node3", "node4") {
				return false
			}
		}
		return true
	})
	c4 := userClient(fourth, access, secret)
	for key, body := range objects {
		out, err := c4.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("data"), Key: aws.String(key)})
		require.NoError(t, err, "%s through node4", key)
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.True(t, bytes.Equal(body, got), "%s through node4 is byte-identical", key)
	}

	_, err = c4.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("data"), Key: aws.String("small")})
	require.NoError(t, err)
	_, err = clients[1].HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("data"), Key: aws.String("small")})
	require.Error(t, err, "deleted through node4, gone through node2")
}
