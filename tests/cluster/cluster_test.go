package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// TestReadsAndListsThroughEveryNode writes objects of every shape (empty, inline, at
// the inline limit, one block, just over a block, several blocks, an odd key) and a
// multipart upload whose parts go through different nodes, all through node 1 but
// the parts, and reads and lists them through every node of a 3- and a 5-node
// cluster, byte-identical; and checks that each record sits on exactly its R owners.
func TestReadsAndListsThroughEveryNode(t *testing.T) {
	for _, n := range []int{3, 5} {
		t.Run(fmt.Sprintf("%d nodes", n), func(t *testing.T) { readEverywhere(t, n) })
	}
}

func readEverywhere(t *testing.T, size int) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, size)
	clients := clientsOf(nodes)
	const bucket = "everywhere"
	createBucket(t, clients[0], bucket)

	objs := map[string]object{}
	sizes := []int{0, 1, 1000, inlineLimit, inlineLimit + 1, blockSize, blockSize + 1, 2*blockSize + blockSize/2 + 7}
	for i, sz := range sizes {
		key := fmt.Sprintf("dir%d/obj-%d", i%3, sz)
		objs[key] = put(t, clients[0], bucket, key, content(uint64(i), sz))
	}
	odd := "odd/ключ ü+%20&=?.txt"
	objs[odd] = put(t, clients[0], bucket, odd, content(77, 3000))
	// Created through node 1, parts through nodes 2 and 3 in turn, completed through
	// the last node.
	mp := content(99, 2*partSize+300<<10)
	objs["multipart/big"] = multipart(t, clients[0], clients[1:3], clients[size-1], bucket, "multipart/big", mp)

	for i, c := range clients {
		via := nodes[i].NodeID()
		for _, key := range sortedKeys(objs) {
			requireObject(t, c, via, bucket, key, objs[key])
		}
		requireListing(t, c, via, bucket, objs)
		keys, prefixes, err := listAll(ctx, c, bucket, "", "/", 2)
		require.NoError(t, err, "list with a delimiter through %s", via)
		require.Empty(t, keys, "through %s", via)
		require.Equal(t, []string{"dir0/", "dir1/", "dir2/", "multipart/", "odd/"}, prefixes, "through %s", via)
		keys, _, err = listAll(ctx, c, bucket, "dir1/", "", 1000)
		require.NoError(t, err)
		require.Len(t, keys, 3, "dir1/ through %s", via)
	}

	// Each version record is on exactly the owners of its partition, R of them.
	l := nodes[0].Meta().Layout()
	require.Equal(t, min(3, size), l.Replication)
	holders := map[item][]string{}
	for _, n := range nodes {
		recs, err := localRecords(ctx, n, l.Partitions)
		require.NoError(t, err)
		for it, st := range recs {
			require.Contains(t, l.Owners(st.partition), layout.NodeID(n.NodeID()), "%s holds %s of partition %d, which it does not own", n.NodeID(), it, st.partition)
			holders[it] = append(holders[it], n.NodeID())
		}
	}
	for key := range objs {
		it := item("v/" + bucket + "/" + key)
		require.Len(t, holders[it], l.Replication, "copies of the record of %s: %v", key, holders[it])
	}
	t.Logf("%d nodes: %d objects (%d MiB of multipart in %d parts through 2 nodes) read and listed through every node",
		size, len(objs), len(mp)>>20, (len(mp)+partSize-1)/partSize)
}

// TestOneNodeDownAndBack stops one node of three (R=3: all its listeners closed),
// goes on reading, writing, overwriting, deleting and listing through the other two,
// brings it back on its data directory, and checks that it catches up by itself: its
// own index and block files end up holding every record and block of what it missed.
func TestOneNodeDownAndBack(t *testing.T) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, 3)
	clients := clientsOf(nodes)
	const bucket = "survive"
	createBucket(t, clients[0], bucket)
	want := writeMany(t, clients, bucket, "before/", 40, 1, mixed(2*blockSize+100, 1))

	down := nodes[2]
	cfg := down.Config()
	stop(t, down)
	live, liveClients := nodes[:2], clients[:2]

	// Everything written before reads and lists through the survivors.
	for i, c := range liveClients {
		for _, key := range sortedKeys(want) {
			requireObject(t, c, live[i].NodeID(), bucket, key, want[key])
		}
		requireListing(t, c, live[i].NodeID(), bucket, want)
	}

	// Writes, overwrites, deletes and a multipart upload go on without it.
	const during = 200
	missed := writeMany(t, liveClients, bucket, "during/", during, 2, mixed(2*blockSize+100, 2))
	maps.Copy(want, missed)
	var overwritten, deleted []string
	for i := 1; i <= 5; i++ {
		key := fmt.Sprintf("before/%05d", i)
		want[key] = put(t, liveClients[i%2], bucket, key, content(uint64(1000+i), 2000+i*blockSize/3))
		missed[key] = want[key]
		overwritten = append(overwritten, key)
	}
	for i := 11; i <= 15; i++ {
		key := fmt.Sprintf("before/%05d", i)
		_, err := liveClients[i%2].DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		require.NoError(t, err)
		delete(want, key)
		deleted = append(deleted, key)
	}
	want["during/mp"] = multipart(t, liveClients[0], liveClients[1:], liveClients[0], bucket, "during/mp", content(5, partSize+77))
	missed["during/mp"] = want["during/mp"]
	for i, c := range liveClients {
		requireListing(t, c, live[i].NodeID(), bucket, want)
		for _, key := range sortedKeys(missed) {
			requireObject(t, c, live[i].NodeID(), bucket, key, missed[key])
		}
		for _, key := range deleted {
			_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			requireCode(t, err, "NoSuchKey", key)
		}
	}

	// The premise: the stopped node's own stores lack what it missed.
	l := nodes[0].Meta().Layout()
	offline := offlineRecords(t, cfg, l.Partitions)
	current, err := localRecords(ctx, nodes[0], l.Partitions)
	require.NoError(t, err)
	for _, key := range append(sortedKeys(missed), deleted...) {
		it := item("v/" + bucket + "/" + key)
		require.Contains(t, current, it)
		require.NotEqual(t, current[it], offline[it], "stopped %s has the current version of %s", cfg.NodeID, key)
	}
	offlineBlocks := blockFiles(t, cfg.DataDir)
	missedBlocks := allBlocks(missed)
	lacking := 0
	for _, h := range missedBlocks {
		if _, ok := offlineBlocks[h]; !ok {
			lacking++
		}
	}
	require.Equal(t, len(missedBlocks), lacking, "the stopped node lacks every block written while it was down")

	// Back on its data directory: it catches up with no operator action.
	started := time.Now()
	back := restart(t, cfg)
	ready := time.Since(started)
	all := []*node.Node{nodes[0], nodes[1], back}
	took := waitUntil(t, cfg.NodeID+" holds every record and block it owns", settleTimeout, func() error {
		return inStep(t, all, back.Meta().Layout(), allBlocks(want))
	})
	t.Logf("%s caught up on %d changes made while it was down (%d writes, %d of them overwrites, and %d deletes; %d blocks): ready %v after its start, local copies complete %v later",
		cfg.NodeID, len(missed)+len(deleted), len(missed), len(overwritten), len(deleted), len(missedBlocks),
		ready.Round(time.Millisecond), took.Round(time.Millisecond))

	// Its own index now holds exactly what the others hold, version for version.
	recs, err := localRecords(ctx, back, l.Partitions)
	require.NoError(t, err)
	ref, err := localRecords(ctx, nodes[0], l.Partitions)
	require.NoError(t, err)
	require.Equal(t, ref, recs, "the returning node's records")
	c := sdk(back)
	requireListing(t, c, back.NodeID(), bucket, want)
	for _, key := range sortedKeys(want) {
		requireObject(t, c, back.NodeID(), bucket, key, want[key])
	}
	for _, key := range deleted {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		requireCode(t, err, "NoSuchKey", key)
	}
}

// TestTwoOfThreeDown stops two nodes of three: writes, reads and listings through
// the last one fail with 503 ServiceUnavailable, well before a deadline, instead of
// hanging. After the two come back, what failed is absent or whole, never partial,
// on every node, before and after anti-entropy.
func TestTwoOfThreeDown(t *testing.T) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, 3)
	clients := clientsOf(nodes)
	const bucket = "minority"
	createBucket(t, clients[0], bucket)
	kept := map[string]object{
		"kept/small": put(t, clients[1], bucket, "kept/small", content(1, 1000)),
		"kept/big":   put(t, clients[2], bucket, "kept/big", content(2, 3*blockSize+5)),
	}

	// They come back on the same Raft and RPC ports, as production nodes do (fixed
	// ports). With new ports, the two once found no leader within 30s under load: the
	// Raft configuration holds their old addresses and only a leader can change it,
	// so the survivor cannot reach them, and if it refuses them its vote (a longer
	// log) no one can be elected.
	cfgs := []node.Config{nodes[1].Config(), nodes[2].Config()}
	for i, n := range nodes[1:] {
		cfgs[i].RaftAddr, cfgs[i].RPCAddr = n.Meta().RaftAddr(), n.RPCAddr()
	}
	var wg sync.WaitGroup
	for _, n := range nodes[1:] {
		wg.Go(func() { stop(t, n) })
	}
	wg.Wait()

	last := sdk(nodes[0], noRetries)
	attempted := map[string][]byte{
		"failed/small": content(3, 1000),
		"failed/big":   content(4, 3*blockSize+5),
	}
	calls := []struct {
		what string
		call func(ctx context.Context) error
	}{
		{"PUT of an inline object", func(ctx context.Context) error {
			_, err := last.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("failed/small"), Body: bytes.NewReader(attempted["failed/small"])})
			return err
		}},
		{"PUT of a 4-block object", func(ctx context.Context) error {
			_, err := last.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("failed/big"), Body: bytes.NewReader(attempted["failed/big"])})
			return err
		}},
		{"CreateMultipartUpload", func(ctx context.Context) error {
			_, err := last.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("failed/mp")})
			return err
		}},
		{"GET", func(ctx context.Context) error {
			_, _, _, err := readSum(ctx, last, bucket, "kept/big")
			return err
		}},
		{"ListObjectsV2", func(ctx context.Context) error {
			_, err := last.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			return err
		}},
	}
	for _, c := range calls {
		cctx, cancel := context.WithTimeout(ctx, failTimeout)
		start := time.Now()
		err := c.call(cctx)
		took := time.Since(start)
		require.NoError(t, cctx.Err(), "%s did not answer within %v", c.what, failTimeout)
		cancel()
		requireCode(t, err, "ServiceUnavailable", c.what)
		// The message says what happened, not SlowDown's "reduce your request rate".
		var apiErr smithy.APIError
		require.True(t, errors.As(err, &apiErr))
		require.Regexp(t, `^Not enough replicas reachable(: \d needed, \d confirmed)?\.$`, apiErr.ErrorMessage(), c.what)
		t.Logf("%s with two of three nodes down: 503 %q after %v", c.what, apiErr.ErrorMessage(), took.Round(time.Millisecond))
	}

	// Both come back (at once: either alone restores the Raft majority).
	restarted := make([]*node.Node, len(cfgs))
	errs := make([]error, len(cfgs))
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i, cfg := range cfgs {
		wg.Go(func() { restarted[i], errs[i] = node.Start(sctx, cfg) })
	}
	wg.Wait()
	for i, n := range restarted {
		if n != nil {
			t.Cleanup(func() { _ = n.Close() })
		}
		require.NoError(t, errs[i], "restart %s", cfgs[i].NodeID)
	}
	all := []*node.Node{nodes[0], restarted[0], restarted[1]}

	check := func(when string) {
		t.Helper()
		for _, n := range all {
			c := sdk(n)
			for key, o := range kept {
				requireObject(t, c, n.NodeID(), bucket, key, o)
			}
			for key, body := range attempted {
				o := object{sum: sha256Of(body), size: int64(len(body))}
				sum, size, _, err := readSum(ctx, c, bucket, key)
				if errorCode(err) == "NoSuchKey" {
					continue
				}
				require.NoError(t, err, "%s: GET %s through %s", when, key, n.NodeID())
				require.True(t, sum == o.sum && size == o.size, "%s: failed write %s reads back through %s as %d bytes that are not what was sent", when, key, n.NodeID(), size)
				t.Logf("%s: the failed write %s reads back whole through %s", when, key, n.NodeID())
			}
			keys, _, err := listAll(ctx, c, bucket, "", "", 1000)
			require.NoError(t, err)
			for key, l := range keys {
				if _, ok := kept[key]; ok {
					continue
				}
				body, ok := attempted[key]
				require.True(t, ok, "%s: %s is listed through %s", when, key, n.NodeID())
				require.Equal(t, int64(len(body)), l.size, "%s: listed size of %s", when, key)
			}
			ups, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
			require.NoError(t, err)
			for _, u := range ups.Uploads {
				require.Equal(t, "failed/mp", aws.ToString(u.Key), "%s: uploads through %s", when, n.NodeID())
			}
		}
	}
	check("at once after the restart")
	waitUntil(t, "the three nodes are in step", settleTimeout, func() error {
		return inStep(t, all, nodes[0].Meta().Layout(), allBlocks(kept))
	})
	check("after anti-entropy")
}

// TestLeaderLoss closes the Raft leader of three nodes: bucket creation through a
// survivor works again within seconds, and objects stay readable and writable.
func TestLeaderLoss(t *testing.T) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, 3)
	leader := nodetest.WaitLeader(t, nodes...)
	var survivors []*node.Node
	for _, n := range nodes {
		if n != leader {
			survivors = append(survivors, n)
		}
	}
	clients := clientsOf(survivors)
	createBucket(t, clients[0], "before")
	old := put(t, clients[0], "before", "obj", content(1, 2*blockSize+3))

	killed := time.Now()
	stop(t, leader)
	c := sdk(survivors[1], noRetries)
	deadline := killed.Add(leaderTimeout)
	var attempts int
	for {
		attempts++
		actx, cancel := context.WithDeadline(ctx, deadline)
		_, err := c.CreateBucket(actx, &s3.CreateBucketInput{Bucket: aws.String("after")})
		cancel()
		// An attempt whose answer was lost may have created it already.
		if err == nil || errorCode(err) == "BucketAlreadyOwnedByYou" {
			break
		}
		require.False(t, time.Now().After(deadline), "bucket creation does not work %v after the leader was closed: %v", leaderTimeout, err)
		time.Sleep(50 * time.Millisecond) // polling
	}
	took := time.Since(killed)
	newLeader := nodetest.WaitLeader(t, survivors...)
	t.Logf("bucket creation works again %v after the leader %s was closed (%d attempts; new leader %s)",
		took.Round(time.Millisecond), leader.NodeID(), attempts, newLeader.NodeID())

	for i, c := range clients {
		_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("after")})
		require.NoError(t, err, "through %s", survivors[i].NodeID())
		requireObject(t, c, survivors[i].NodeID(), "before", "obj", old)
	}
	fresh := put(t, clients[1], "after", "new", content(2, blockSize+9))
	requireObject(t, clients[0], survivors[0].NodeID(), "after", "new", fresh)
}

// TestAddNodeRebalances adds a fourth node to a three-node cluster holding data.
// Once the layout that includes it is synced, every object reads back through every
// node, each record and block sits on exactly its owners under the new layout, and
// everything that moved went to the new node: the minimum. The fraction of copies
// moved is logged against the ideal, a quarter.
func TestAddNodeRebalances(t *testing.T) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, 3)
	clients := clientsOf(nodes)
	const bucket = "grow"
	createBucket(t, clients[0], bucket)
	objs := writeMany(t, clients, bucket, "obj/", 300, 3, mixed(2*blockSize+blockSize/2, 3))
	// An upload in progress, with a part: its records move too.
	up, err := clients[1].CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("pending")})
	require.NoError(t, err)
	part := content(9, partSize)
	p1, err := clients[2].UploadPart(ctx, &s3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String("pending"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part),
	})
	require.NoError(t, err)
	wantBlocks := append(allBlocks(objs), blocksOf(part, true)...)

	old := nodes[0].Meta().Layout()
	before := snapshot(t, nodes, old.Partitions)

	fourth := nodetest.StartJoining(t, nodes[0], "node4")
	all := append(slices.Clone(nodes), fourth)
	nodetest.WaitFor(t, "every node's layout holds node4", func() bool {
		for _, n := range all {
			if !nodetest.LayoutHolds(n, "node1", "node2", "node3", "node4") {
				return false
			}
		}
		return true
	})
	synced := waitUntil(t, "the new layout is synced (older versions retired)", settleTimeout, func() error {
		for _, n := range all {
			if ls := n.Meta().Layouts(); len(ls) != 1 {
				return fmt.Errorf("%s still has %d layout versions in flight", n.NodeID(), len(ls))
			}
		}
		return nil
	})
	l := fourth.Meta().Layout()
	require.Greater(t, l.Version, old.Version)
	require.Equal(t, 3, l.Replication)
	var after holdings
	placed := waitUntil(t, "every record and block sits on exactly its owners", settleTimeout, func() error {
		after = snapshot(t, all, l.Partitions)
		return after.exactly(l, wantBlocks)
	})
	t.Logf("layout %d → %d: synced %v after node4 was added, data on exactly its owners %v later",
		old.Version, l.Version, synced.Round(time.Millisecond), placed.Round(time.Millisecond))

	for _, n := range all {
		c := sdk(n)
		for _, key := range sortedKeys(objs) {
			requireObject(t, c, n.NodeID(), bucket, key, objs[key])
		}
		requireListing(t, c, n.NodeID(), bucket, objs)
	}
	// The upload moved with its partition: it completes through the new node.
	c4 := sdk(fourth)
	out, err := c4.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String("pending"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: p1.ETag, PartNumber: aws.Int32(1)}}},
	})
	require.NoError(t, err)
	for _, n := range all {
		requireObject(t, sdk(n), n.NodeID(), bucket, "pending", object{sum: sha256Of(part), size: int64(len(part)), etag: aws.ToString(out.ETag)})
	}

	// What moved: the copies held by a node that did not own their partition under
	// the old layout. Rendezvous hashing moves partitions only to the new node, so
	// every one of them is on node4, and they are the minimum: node4's share.
	rec, blk := after.movedFrom(old)
	for _, id := range []string{"node1", "node2", "node3"} {
		require.Zero(t, rec.to[id], "records moved to old node %s: %v", id, rec.sample[id])
		require.Zero(t, blk.to[id], "blocks moved to old node %s", id)
	}
	t.Logf("records: %d of %d copies moved (%.3f; ideal 1/4 = 0.250), all to node4", rec.moved, rec.total, rec.fraction())
	t.Logf("blocks:  %d of %d copies moved (%.3f; ideal 0.250), %d of %d MiB (%.3f), all to node4",
		blk.moved, blk.total, blk.fraction(), blk.movedBytes>>20, blk.totalBytes>>20, float64(blk.movedBytes)/float64(blk.totalBytes))
	t.Logf("partitions: node4 owns %d of %d partition copies (%.3f)", owned(l, "node4"), l.Partitions*l.Replication,
		float64(owned(l, "node4"))/float64(l.Partitions*l.Replication))
	// Copies the old nodes gained are repairs, not moves: a write is acknowledged
	// by two owners of three, and the third copy may have been made only by
	// anti-entropy, which the layout change ran.
	grec, gblk := before.moved(after)
	t.Logf("copies new on the old nodes since before node4 joined (third copies completed by anti-entropy): %d records, %d blocks",
		grec.moved-grec.to["node4"], gblk.moved-gblk.to["node4"])
}

// TestTrafficWithoutTheSecretIsRejected checks that a node with a wrong secret, or
// none, cannot join, and that node-to-node requests to the object layer and to
// meta that are unsigned or signed with a wrong key are refused with 401, while the
// same request signed with the cluster's key is served.
func TestTrafficWithoutTheSecretIsRejected(t *testing.T) {
	ctx := context.Background()
	nodes := nodetest.StartCluster(t, 3)
	target := nodes[1]
	createBucket(t, sdk(nodes[0]), "guarded")

	// A node with another secret: it refuses to start, naming the secret.
	cfg := nodetest.ClusterConfig(t, "intruder")
	cfg.ClusterSecret = "not-the-cluster-secret-at-all"
	cfg.Join = []string{nodes[0].GossipAddr()}
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err := node.Start(sctx, cfg)
	require.ErrorIs(t, err, membership.ErrWrongKey)
	require.ErrorContains(t, err, "CAIRN_CLUSTER_SECRET")
	// And one with none at all.
	cfg = nodetest.ClusterConfig(t, "intruder2")
	cfg.ClusterSecret = ""
	cfg.Join = []string{nodes[0].GossipAddr()}
	_, err = node.Start(sctx, cfg)
	require.ErrorContains(t, err, "CAIRN_CLUSTER_SECRET")
	for _, mb := range nodes[0].Membership().Members() {
		require.NotContains(t, []string{"intruder", "intruder2"}, mb.ID)
	}

	// The object layer's node-to-node API: served with the cluster's key...
	block := content(1, 1000)
	hash := sha256Of(block)
	_, err = replica(target).Summary(ctx, 0)
	require.NoError(t, err, "a request signed with the cluster key is served")
	// ... refused with a wrong key ...
	wrong, err := transport.DeriveKeys("not-the-cluster-secret-at-all")
	require.NoError(t, err)
	intruder, err := transport.NewTLSClient(wrong.RPC, "intruder")
	require.NoError(t, err)
	forged := blob.NewRemoteReplica(intruder, target.RPCAddr())
	_, err = forged.Summary(ctx, 0)
	requireRefused(t, err)
	requireRefused(t, forged.PutBlock(ctx, 0, hash, block))
	// ... and plain HTTP, which the TLS listener does not serve.
	for _, path := range []string{blob.RPCPrefix + "sync/summary.v2", blob.RPCPrefix + "block/put", blob.RPCPrefix + "record/put.v2", meta.RPCPrefix + "apply"} {
		resp, err := http.Post("http://"+target.RPCAddr()+path, "application/octet-stream", strings.NewReader("x"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, "plain HTTP POST %s", path)
	}
	_, stored := blockFiles(t, target.Config().DataDir)[hash]
	require.False(t, stored, "a forged block write left a file")

	// Meta: a forged command is refused and changes nothing.
	entry := append([]byte{byte(meta.CmdBucketCreate)}, []byte(`{"name":"forged"}`)...)
	_, err = intruder.Do(ctx, http.MethodPost, target.RPCAddr(), meta.RPCPrefix+"apply", entry)
	requireRefused(t, err)
	_, err = target.Meta().Bucket(ctx, "forged")
	require.ErrorIs(t, err, meta.ErrNoSuchBucket)

	// Raft: the handshake fails before Raft reads a byte.
	layer, err := transport.NewRaftLayer(transport.RaftLayerConfig{BindAddr: "127.0.0.1:0", Key: wrong.Raft})
	require.NoError(t, err)
	defer layer.Close()
	_, err = layer.Dial(raft.ServerAddress(target.Meta().RaftAddr()), time.Second)
	require.ErrorIs(t, err, transport.ErrHandshake)

	// The cluster is unharmed.
	o := put(t, sdk(nodes[2]), "guarded", "still-fine", content(2, 5000))
	requireObject(t, sdk(target), target.NodeID(), "guarded", "still-fine", o)
}

// requireRefused asserts that a node-to-node call with the wrong key failed before
// any handler answered: the TLS handshake (cluster/transport/tls.go) refuses a peer
// whose certificate the cluster's CA did not sign.
func requireRefused(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var remote *transport.RemoteError
	require.False(t, errors.As(err, &remote), "a handler answered the forged request: %v", err)
}

// BenchmarkCatchUp measures how long a node of three that was stopped while
// catchUpObjects objects were written (half inlined, half one 256 KiB block each)
// takes to hold all of them again after its restart: from the restart until its own
// index and block files are in step with the other two. Run it with
//
//	go test ./tests/cluster -run '^$' -bench CatchUp -benchtime 1x
func BenchmarkCatchUp(b *testing.B) {
	const catchUpObjects = 2000
	for range b.N {
		b.StopTimer()
		nodes := nodetest.StartCluster(b, 3)
		clients := clientsOf(nodes)
		createBucket(b, clients[0], "catchup")
		cfg := nodes[2].Config()
		stop(b, nodes[2])
		objs := writeMany(b, clients[:2], "catchup", "obj/", catchUpObjects, 0, func(i int) int {
			if i%2 == 1 {
				return 256 << 10
			}
			return 1 << 10
		})

		b.StartTimer()
		start := time.Now()
		back := restart(b, cfg)
		ready := time.Since(start)
		all := []*node.Node{nodes[0], nodes[1], back}
		waitUntil(b, "the returning node is in step", 5*time.Minute, func() error {
			return inStep(b, all, back.Meta().Layout(), allBlocks(objs))
		})
		took := time.Since(start)
		b.StopTimer()
		b.ReportMetric(took.Seconds(), "s/catch-up")
		b.ReportMetric(float64(catchUpObjects)/took.Seconds(), "objects/s")
		b.Logf("caught up on %d objects (%d blocks) in %v, of which %v to be ready", catchUpObjects, catchUpObjects/2,
			took.Round(time.Millisecond), ready.Round(time.Millisecond))
		for _, n := range all {
			stop(b, n)
		}
	}
}
