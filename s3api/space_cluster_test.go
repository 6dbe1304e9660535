package s3api_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// blockBytes is the size of a node's block files on disk.
func blockBytes(t *testing.T, n *node.Node) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(filepath.Join(n.Config().DataDir, "blob", "blocks"), func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		total += info.Size()
		return nil
	})
	require.NoError(t, err)
	return total
}

// Through the S3 API of a 3-node cluster: deleted objects' blocks and the blocks of a
// PUT refused for a wrong Content-MD5 are reclaimed on every node, by the background
// collectors with short periods.
func TestClusterReclaimsSpaceThroughS3(t *testing.T) {
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		c.GCGrace, c.GCInterval, c.OrphanGrace = 2*time.Second, 300*time.Millisecond, time.Second
	})
	e := &env{t: t, node: nodes[0], s3: sdkClient(nodes[0], ""), ctx: t.Context()}
	b := e.bucket("space")
	base := make([]int64, len(nodes))
	for i, n := range nodes {
		base[i] = blockBytes(t, n)
	}
	for i := range 4 {
		e.put(b, fmt.Sprint("obj", i), randomBytes(uint64(300+i), 8*mib))
	}
	other := sdkClient(nodes[1], "")
	for i := range 4 {
		_, err := other.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String(fmt.Sprint("obj", i))})
		require.NoError(t, err)
	}
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("bad-md5"),
		Body: bytes.NewReader(randomBytes(400, 6*mib)), ContentMD5: aws.String("1B2M2Y8AsgTpgAmY7PhCfg==")})
	requireCode(t, err, "BadDigest")
	grew := false
	for i, n := range nodes {
		grew = grew || blockBytes(t, n) > base[i]
	}
	require.True(t, grew, "the test wrote blocks")

	nodetest.WaitFor(t, "every node's block bytes are back to the baseline", func() bool {
		for i, n := range nodes {
			if blockBytes(t, n) != base[i] {
				return false
			}
		}
		return true
	})
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("bad-md5")})
	requireCode(t, err, "NotFound")
}
