package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// The collector's and the lifecycle engine's settings in TestDeletedSpaceIsReclaimed,
// and the slack its deadlines allow beyond their bounds for the runs' own time (each
// collector run walks every node's index and block files), on a shared machine.
const (
	reclaimGCInterval = time.Second
	reclaimGCGrace    = 2 * time.Second
	reclaimRunSlack   = time.Minute
	reclaimLCDay      = 500 * time.Millisecond // "Days 1" in the rules below
	reclaimLCInterval = 500 * time.Millisecond
	reclaimHeldMiB    = 2 // the version under legal hold
)

// TestDeletedSpaceIsReclaimed writes CAIRN_RECLAIM_MIB MiB (default 32; `make
// test-reclaim` writes 500) through the S3 API of a 3-node in-process cluster, in
// objects of 16 MiB (fewer MiB for small runs, so there are at least four), a
// quarter into each of four buckets. Half of it goes by client DELETEs: in an
// unversioned bucket DeleteObject, in a versioned one a delete marker first, which
// keeps the data, then each version and marker by id. The other half goes by
// lifecycle rules alone, with a shortened lifecycle day and interval: in an
// unversioned bucket Expiration Days 1; in a versioned one (with object lock)
// Expiration Days 1 writes a delete marker, NoncurrentVersionExpiration
// NoncurrentDays 1 then removes the version, and ExpiredObjectDeleteMarker the
// marker. Each node's block bytes must come back to their baseline within the
// collector's bound, GCGrace + 2 × GCInterval (plus slack for the runs themselves).
//
// One more version in the lifecycle's versioned bucket is under a legal hold: the
// rules give it a delete marker but never remove it, so its blocks stay on every
// node (the bytes come back to the baseline plus exactly its blocks) and it still
// reads back. Once the hold is lifted, a later lifecycle run removes it and its
// marker, and its space comes back too.
//
// It logs the write rate, the time lifecycle took and the reclaim times as NUMBER
// lines, which docs/benchmarks.md records.
func TestDeletedSpaceIsReclaimed(t *testing.T) {
	mib := 32
	if v := os.Getenv("CAIRN_RECLAIM_MIB"); v != "" {
		var err error
		mib, err = strconv.Atoi(v)
		require.NoError(t, err)
	}
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		c.GCInterval, c.GCGrace = reclaimGCInterval, reclaimGCGrace
		c.LifecycleInterval, c.LifecycleDay = reclaimLCInterval, reclaimLCDay
	})
	ctx := context.Background()
	clients := clientsOf(nodes)
	buckets := []string{"plain", "ver", "lc-plain", "lc-ver"} // index i%4 holds object i
	createBucket(t, clients[0], "plain")
	createBucket(t, clients[1], "ver")
	_, err := clients[2].PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	createBucket(t, clients[0], "lc-plain")
	_, err = clients[1].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-ver"), ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	base := nodeBlockBytes(t, nodes)

	// The held version first, so that its blocks can be told from the rest.
	held := content(1<<32, reclaimHeldMiB<<20)
	heldOut, err := clients[2].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lc-ver"), Key: aws.String("held"),
		Body: bytes.NewReader(held), ObjectLockLegalHoldStatus: types.ObjectLockLegalHoldStatusOn})
	require.NoError(t, err)
	waitForBlockFiles(t, nodes, 3*reclaimHeldMiB)
	withHeld := nodeBlockBytes(t, nodes)

	objMiB := min(16, max(1, mib/4))
	count := max(4, (mib+objMiB-1)/objMiB) // at least mib MiB
	start := time.Now()
	versions := map[string]string{}
	for i := range count {
		bucket, key := buckets[i%4], fmt.Sprint("k", i)
		out, err := clients[i%3].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key),
			Body: bytes.NewReader(content(uint64(i+1), objMiB<<20))})
		require.NoError(t, err)
		if bucket == "ver" {
			versions[key] = aws.ToString(out.VersionId)
		}
	}
	wrote := time.Since(start)
	// Three copies of every 1 MiB block (replication 3 on 3 nodes); a write is
	// acknowledged by two owners, the third follows.
	waitForBlockFiles(t, nodes, 3*(count*objMiB+reclaimHeldMiB))
	t.Logf("NUMBER reclaim test wrote %d MiB (%d objects of %d MiB, 3 copies) in %v (%.1f MiB/s)",
		count*objMiB, count, objMiB, wrote.Round(100*time.Millisecond), float64(count*objMiB)/wrote.Seconds())

	// The lifecycle half: rules only, no client DELETE.
	lcStart := time.Now()
	putReclaimRules(t, clients[0])
	// The client half.
	for i := range count {
		key := fmt.Sprint("k", i)
		c := clients[(i+1)%3]
		switch buckets[i%4] {
		case "plain":
			_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("plain"), Key: aws.String(key)})
			require.NoError(t, err)
		case "ver":
			marker, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String(key)})
			require.NoError(t, err)
			require.True(t, aws.ToBool(marker.DeleteMarker))
			for _, id := range []string{versions[key], aws.ToString(marker.VersionId)} {
				_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String(key), VersionId: aws.String(id)})
				require.NoError(t, err)
			}
		}
	}
	heldID := aws.ToString(heldOut.VersionId)
	waitUntil(t, "lifecycle has removed all but the held version", settleTimeout, func() error {
		if err := versionsLeft(ctx, clients[0], "lc-plain", nil, 0); err != nil {
			return err
		}
		return versionsLeft(ctx, clients[1], "lc-ver", []string{heldID}, 1)
	})
	lcTook := time.Since(lcStart) // from the rules' PUT
	waitUntil(t, "an engine has found the held version due and left it", settleTimeout, func() error {
		if lifecycleLocked(nodes) == 0 {
			return errors.New("no engine counts a locked version")
		}
		return versionsLeft(ctx, clients[1], "lc-ver", []string{heldID}, 1)
	})

	bound := reclaimGCGrace + 2*reclaimGCInterval
	took := waitForBlockBytes(t, nodes, withHeld, bound+reclaimRunSlack,
		"every node's block bytes are back to their baseline plus the held version's blocks")
	sinceRules := time.Since(lcStart)
	got, err := clients[0].GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lc-ver"), Key: aws.String("held"), VersionId: aws.String(heldID)})
	require.NoError(t, err, "the held version still reads back")
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.NoError(t, got.Body.Close())
	require.True(t, bytes.Equal(held, body), "the held version's content")
	t.Logf("NUMBER lifecycle removed %d MiB (%d objects; day %v, interval %v) %v after the rules were set",
		count/2*objMiB, count/2, reclaimLCDay, reclaimLCInterval, lcTook.Round(10*time.Millisecond))
	t.Logf("NUMBER reclaimed %d MiB (client DELETEs and lifecycle) on all 3 nodes %v after the last removal (bound %v + the runs' own time), %v after the rules were set",
		count*objMiB, took.Round(10*time.Millisecond), bound, sinceRules.Round(10*time.Millisecond))

	// Lift the hold: a later run removes the version, then its marker.
	_, err = clients[2].PutObjectLegalHold(ctx, &s3.PutObjectLegalHoldInput{Bucket: aws.String("lc-ver"), Key: aws.String("held"),
		VersionId: aws.String(heldID), LegalHold: &types.ObjectLockLegalHold{Status: types.ObjectLockLegalHoldStatusOff}})
	require.NoError(t, err)
	releaseTook := waitUntil(t, "lifecycle has removed the released version and its marker", settleTimeout, func() error {
		return versionsLeft(ctx, clients[1], "lc-ver", nil, 0)
	})
	took = waitForBlockBytes(t, nodes, base, bound+reclaimRunSlack, "every node's block bytes are back to their baseline")
	t.Logf("NUMBER after the legal hold was lifted, lifecycle removed the version and its marker in %v; reclaimed %v later",
		releaseTook.Round(10*time.Millisecond), took.Round(10*time.Millisecond))
}

// putReclaimRules sets TestDeletedSpaceIsReclaimed's lifecycle rules on lc-plain
// and lc-ver, each over the whole bucket.
func putReclaimRules(t *testing.T, c *s3.Client) {
	t.Helper()
	all, on := &types.LifecycleRuleFilter{Prefix: aws.String("")}, types.ExpirationStatusEnabled
	rules := map[string][]types.LifecycleRule{
		"lc-plain": {{ID: aws.String("expire"), Status: on, Filter: all, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}},
		"lc-ver": {
			{ID: aws.String("expire"), Status: on, Filter: all, Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)},
				NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
			{ID: aws.String("markers"), Status: on, Filter: all, Expiration: &types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
		},
	}
	for bucket, rs := range rules {
		_, err := c.PutBucketLifecycleConfiguration(context.Background(), &s3.PutBucketLifecycleConfigurationInput{
			Bucket: aws.String(bucket), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rs}})
		require.NoError(t, err, "lifecycle rules of %s", bucket)
	}
}

// versionsLeft reports whether bucket lists exactly the versions ids and markers
// delete markers.
func versionsLeft(ctx context.Context, c *s3.Client, bucket string, ids []string, markers int) error {
	out, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		return err
	}
	var got []string
	for _, v := range out.Versions {
		got = append(got, aws.ToString(v.VersionId))
	}
	if !slices.Equal(got, ids) || len(out.DeleteMarkers) != markers {
		return fmt.Errorf("%s lists versions %v and %d delete markers, want %v and %d", bucket, got, len(out.DeleteMarkers), ids, markers)
	}
	return nil
}

// lifecycleLocked is the number of times the nodes' lifecycle engines left a due
// version because object lock holds it.
func lifecycleLocked(nodes []*node.Node) int {
	sum := 0
	for _, n := range nodes {
		sum += n.Lifecycle().Status().Totals.Locked
	}
	return sum
}

// waitForBlockFiles waits until the nodes hold want block files between them.
func waitForBlockFiles(t *testing.T, nodes []*node.Node, want int) {
	t.Helper()
	waitUntil(t, "every block has its three copies", settleTimeout, func() error {
		files := 0
		for _, n := range nodes {
			files += len(blockFilesIfAny(t, n))
		}
		if files != want {
			return fmt.Errorf("%d block files, want %d", files, want)
		}
		return nil
	})
}

// waitForBlockBytes waits until each node i holds want[i] bytes of block files, and
// returns how long that took.
func waitForBlockBytes(t *testing.T, nodes []*node.Node, want []int64, timeout time.Duration, what string) time.Duration {
	t.Helper()
	return waitUntil(t, what, timeout, func() error {
		for i, n := range nodes {
			if b := blockBytes(t, n); b != want[i] {
				return fmt.Errorf("%s holds %d block bytes, want %d", n.NodeID(), b, want[i])
			}
		}
		return nil
	})
}

// nodeBlockBytes is blockBytes of each node.
func nodeBlockBytes(t *testing.T, nodes []*node.Node) []int64 {
	t.Helper()
	out := make([]int64, len(nodes))
	for i, n := range nodes {
		out[i] = blockBytes(t, n)
	}
	return out
}

// blockFilesIfAny is blockFiles of n, empty before its first block.
func blockFilesIfAny(t *testing.T, n *node.Node) map[[32]byte]int64 {
	t.Helper()
	if _, err := os.Stat(filepath.Join(n.Config().DataDir, "blob", "blocks")); os.IsNotExist(err) {
		return nil
	}
	return blockFiles(t, n.Config().DataDir)
}

// blockBytes is the total size of n's block files (data and each file's own
// header).
func blockBytes(t *testing.T, n *node.Node) int64 {
	t.Helper()
	var sum int64
	for _, size := range blockFilesIfAny(t, n) {
		sum += size
	}
	return sum
}
