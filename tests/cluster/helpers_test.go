// Package cluster_test proves the cluster end to end: in-process clusters of real
// nodes (cmd/node/nodetest) on loopback sockets, driven through aws-sdk-go-v2 with
// one client per node. Writes go through one node and are read and listed through
// every other; nodes are stopped (all their listeners closed), restarted on their
// data, killed as Raft leader, and added; and each node's local copies of records and
// blocks are inspected directly: the records through the node's own replica on the
// node-to-node API, the blocks as files in its data directory.
package cluster_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// The object layer's defaults, which the expectations below are computed from.
const (
	blockSize   = 1 << 20  // blob.DefaultConfig().BlockSize
	inlineLimit = 16 << 10 // blob.DefaultConfig().InlineLimit
	partSize    = 5 << 20  // the smallest part but the last
)

// Bounds of the polls. They bound how long a test waits for something that should
// happen by itself; none of them is a performance assertion.
const (
	settleTimeout = 90 * time.Second // catch-up, rebalance, sync acks
	leaderTimeout = 10 * time.Second // a new leader serves bucket creation
	failTimeout   = 20 * time.Second // a request without quorum must have failed by then
)

// sdk returns an aws-sdk-go-v2 client for n: its S3 endpoint, path-style, the root
// credentials, the SDK's defaults otherwise (checksums and retries on).
func sdk(n *node.Node, opts ...func(*s3.Options)) *s3.Client {
	access, secret := n.RootCredentials()
	base := []func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(n.S3URL())
		o.UsePathStyle = true
		o.Region = "us-east-1"
		o.Credentials = credentials.NewStaticCredentialsProvider(access, secret, "")
		// GETs of multipart objects have composite checksums the SDK does not
		// validate; it would log that on each.
		o.DisableLogOutputChecksumValidationSkipped = true
	}}
	return s3.New(s3.Options{}, append(base, opts...)...)
}

// noRetries makes a client send each request once, so a test sees the first answer.
func noRetries(o *s3.Options) { o.RetryMaxAttempts = 1 }

// content returns size bytes of pseudo-random content derived from seed.
func content(seed uint64, size int) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, size)
	_, _ = mrand.NewChaCha8(s).Read(b)
	return b
}

// object is one object a test wrote: its content's hash and size, the ETag the
// write returned, and the block hashes it must be stored as (none when inline).
type object struct {
	sum    [32]byte
	size   int64
	etag   string
	blocks [][32]byte
}

// blocksOf returns the hashes of the blocks body is cut into: nothing for an object
// small enough to be inlined (multipart parts never are).
func blocksOf(body []byte, part bool) [][32]byte {
	if !part && len(body) <= inlineLimit {
		return nil
	}
	var out [][32]byte
	for off := 0; off < len(body); off += blockSize {
		out = append(out, sha256.Sum256(body[off:min(off+blockSize, len(body))]))
	}
	return out
}

// put writes body to bucket/key through c and returns what was written.
func put(t testing.TB, c *s3.Client, bucket, key string, body []byte) object {
	t.Helper()
	o, err := putObject(context.Background(), c, bucket, key, body)
	require.NoError(t, err)
	return o
}

// putObject writes body to bucket/key through c and returns what was written. It
// does not touch the test, so it may run on any goroutine.
func putObject(ctx context.Context, c *s3.Client, bucket, key string, body []byte) (object, error) {
	out, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		return object{}, fmt.Errorf("PUT %s/%s (%d bytes): %w", bucket, key, len(body), err)
	}
	return object{sum: sha256.Sum256(body), size: int64(len(body)), etag: aws.ToString(out.ETag), blocks: blocksOf(body, false)}, nil
}

// readSum reads bucket/key whole through c and returns its hash, size and ETag.
func readSum(ctx context.Context, c *s3.Client, bucket, key string) (sum [32]byte, size int64, etag string, err error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return sum, 0, "", err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return sum, n, "", fmt.Errorf("read body after %d bytes: %w", n, err)
	}
	if cl := aws.ToInt64(out.ContentLength); cl != n {
		return sum, n, "", fmt.Errorf("Content-Length %d, body %d bytes", cl, n)
	}
	h.Sum(sum[:0])
	return sum, n, aws.ToString(out.ETag), nil
}

// requireObject reads bucket/key through c and requires it to be o, byte for byte.
func requireObject(t testing.TB, c *s3.Client, via, bucket, key string, o object) {
	t.Helper()
	sum, size, etag, err := readSum(context.Background(), c, bucket, key)
	require.NoError(t, err, "GET %s through %s", key, via)
	require.Equal(t, o.size, size, "size of %s through %s", key, via)
	require.Equal(t, hex.EncodeToString(o.sum[:]), hex.EncodeToString(sum[:]), "sha256 of %s through %s", key, via)
	require.Equal(t, o.etag, etag, "ETag of %s through %s", key, via)
}

// listed is one key of a listing.
type listed struct {
	size int64
	etag string
}

// listAll lists bucket under prefix through c, page by page of pageSize keys, and
// returns every key and common prefix. delimiter may be "".
func listAll(ctx context.Context, c *s3.Client, bucket, prefix, delimiter string, pageSize int32) (map[string]listed, []string, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(pageSize)}
	if delimiter != "" {
		in.Delimiter = aws.String(delimiter)
	}
	keys := map[string]listed{}
	var prefixes []string
	p := s3.NewListObjectsV2Paginator(c, in)
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 10000 {
			return nil, nil, errors.New("listing did not end after 10000 pages")
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if _, dup := keys[k]; dup {
				return nil, nil, fmt.Errorf("key %s listed twice", k)
			}
			keys[k] = listed{size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag)}
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	return keys, prefixes, nil
}

// requireListing lists bucket through c and requires exactly the objects want.
func requireListing(t testing.TB, c *s3.Client, via, bucket string, want map[string]object) {
	t.Helper()
	got, _, err := listAll(context.Background(), c, bucket, "", "", 7) // small pages: many merges
	require.NoError(t, err, "list %s through %s", bucket, via)
	for k, o := range want {
		l, ok := got[k]
		require.True(t, ok, "%s is not listed through %s", k, via)
		require.Equal(t, o.size, l.size, "listed size of %s through %s", k, via)
		require.Equal(t, o.etag, l.etag, "listed ETag of %s through %s", k, via)
	}
	for k := range got {
		_, ok := want[k]
		require.True(t, ok, "%s is listed through %s but was never written (or was deleted)", k, via)
	}
}

// errorCode returns the S3 error code of err, or "" if it is not an S3 error.
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// requireCode asserts that err is an S3 error with the given code.
func requireCode(t testing.TB, err error, code string, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err, msgAndArgs...)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an S3 error: %v", err)
	require.Equal(t, code, apiErr.ErrorCode(), "message %q; %v", apiErr.ErrorMessage(), fmt.Sprint(msgAndArgs...))
}

// waitUntil polls cond every 20ms until it returns nil, failing the test with cond's
// last error if that takes longer than timeout. It returns how long it waited.
func waitUntil(t testing.TB, what string, timeout time.Duration, cond func() error) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		err := cond()
		if err == nil {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting until %s: %v", timeout, what, err)
		}
		time.Sleep(20 * time.Millisecond) // polling, not synchronisation
	}
}

// createBucket creates a bucket through c.
func createBucket(t testing.TB, c *s3.Client, bucket string) {
	t.Helper()
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err, "create bucket %s", bucket)
}

// multipart uploads body to bucket/key in parts: the upload is created through
// create, part i is sent through parts[i%len(parts)], and it is completed through
// complete. Every part is partSize bytes but the last.
func multipart(t testing.TB, create *s3.Client, parts []*s3.Client, complete *s3.Client, bucket, key string, body []byte) object {
	t.Helper()
	ctx := context.Background()
	up, err := create.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	var done []types.CompletedPart
	var blocks [][32]byte
	for i, off := 0, 0; off < len(body); i, off = i+1, off+partSize {
		chunk := body[off:min(off+partSize, len(body))]
		out, err := parts[i%len(parts)].UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk),
		})
		require.NoError(t, err, "part %d", i+1)
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
		blocks = append(blocks, blocksOf(chunk, true)...)
	}
	// Every node sees every part before completion.
	for i, c := range append([]*s3.Client{create, complete}, parts...) {
		out, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId})
		require.NoError(t, err, "ListParts through client %d", i)
		require.Len(t, out.Parts, len(done), "ListParts through client %d", i)
	}
	out, err := complete.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	require.NoError(t, err, "complete")
	return object{sum: sha256.Sum256(body), size: int64(len(body)), etag: aws.ToString(out.ETag), blocks: blocks}
}

// ---- each node's local copies --------------------------------------------------

// replica returns n's own replica, reached over its node-to-node API and signed with
// its own key: what it answers is what n holds locally, nothing else.
func replica(n *node.Node) blob.Replica {
	return blob.NewRemoteReplica(n.RPCClient(), n.RPCAddr())
}

// item names a record, upload or part by identity (not by version).
type item string

// localRecords returns what n's index holds, by item, with each item's partition
// and HLC stamp (tombstones and ended uploads included: they are records too).
func localRecords(ctx context.Context, n *node.Node, partitions int) (map[item]stamp, error) {
	rep := replica(n)
	out := map[item]stamp{}
	for p := range partitions {
		sum, err := rep.Summary(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("%s: summary of partition %d: %w", n.NodeID(), p, err)
		}
		addSummary(out, p, sum)
	}
	return out, nil
}

// stamp is where an item lives and which version of it a node holds.
type stamp struct {
	partition int
	version   string
}

// addSummary adds the items of partition p's summary to out.
func addSummary(out map[item]stamp, p int, sum index.Summary) {
	for _, v := range sum.Versions {
		out[item("v/"+v.Bucket+"/"+v.Key)] = stamp{p, fmt.Sprintf("%d/%s/%v", v.HLC, v.Node, v.Tombstone)}
	}
	for _, u := range sum.Uploads {
		out[item("u/"+u.Bucket+"/"+u.Key+"/"+u.ID)] = stamp{p, fmt.Sprintf("%d/%d", u.Initiated, u.Deleted)}
	}
	for _, pt := range sum.Parts {
		out[item(fmt.Sprintf("p/%s/%s/%s/%d", pt.Bucket, pt.Key, pt.UploadID, pt.Number))] = stamp{p, fmt.Sprintf("%d", pt.HLC)}
	}
}

// offlineRecords reads the index of a stopped node straight from its file.
func offlineRecords(t testing.TB, cfg node.Config, partitions int) map[item]stamp {
	t.Helper()
	idx, err := index.Open(filepath.Join(cfg.DataDir, "blob", "index.db"))
	require.NoError(t, err, "open the index of stopped %s", cfg.NodeID)
	defer idx.Close()
	out := map[item]stamp{}
	for p := range partitions {
		sum, err := idx.Summary(context.Background(), p)
		require.NoError(t, err)
		addSummary(out, p, sum)
	}
	return out
}

// blockFiles lists the block files in the data directory of a node (running or
// not): the names of the files under blob/blocks, which are their hashes.
func blockFiles(t testing.TB, dataDir string) map[[32]byte]int64 {
	t.Helper()
	root := filepath.Join(dataDir, "blob", "blocks")
	out := map[[32]byte]int64{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != root {
				return nil // removed while walking (a hand-off or a sweep)
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		b, err := hex.DecodeString(d.Name())
		if err != nil || len(b) != 32 {
			return fmt.Errorf("unexpected file %s in the block store", path)
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		out[[32]byte(b)] = info.Size()
		return nil
	})
	require.NoError(t, err, "walk %s", root)
	return out
}

// digests returns the digests of every partition of n's local index.
func digests(ctx context.Context, n *node.Node, partitions int) ([]index.Digest, error) {
	ps := make([]int, partitions)
	for i := range ps {
		ps[i] = i
	}
	return replica(n).Digests(ctx, 0, ps)
}

// inStep reports nil once the local indexes of all nodes hold the same records in
// every partition each of them owns under l, and each node holds every block of
// wantBlocks whose partition it owns.
func inStep(t testing.TB, nodes []*node.Node, l *layout.Layout, wantBlocks [][32]byte) error {
	ctx := context.Background()
	ds := make([][]index.Digest, len(nodes))
	for i, n := range nodes {
		d, err := digests(ctx, n, l.Partitions)
		if err != nil {
			return err
		}
		ds[i] = d
	}
	for p := range l.Partitions {
		var first *index.Digest
		var firstID string
		for i, n := range nodes {
			if !slices.Contains(l.Owners(p), layout.NodeID(n.NodeID())) {
				continue
			}
			d := &ds[i][p]
			if first == nil {
				first, firstID = d, n.NodeID()
				continue
			}
			if d.Sum != first.Sum {
				return fmt.Errorf("partition %d: %s holds %d items, %s %d (or other versions)", p, firstID, first.Items, n.NodeID(), d.Items)
			}
		}
	}
	for _, n := range nodes {
		have := blockFiles(t, n.Config().DataDir)
		missing := 0
		for _, h := range wantBlocks {
			if slices.Contains(l.Owners(l.BlockPartition(h)), layout.NodeID(n.NodeID())) {
				if _, ok := have[h]; !ok {
					missing++
				}
			}
		}
		if missing > 0 {
			return fmt.Errorf("%s lacks %d of the blocks it owns", n.NodeID(), missing)
		}
	}
	return nil
}

// allBlocks returns the blocks of every object in objs, each once.
func allBlocks(objs map[string]object) [][32]byte {
	seen := map[[32]byte]bool{}
	var out [][32]byte
	for _, o := range objs {
		for _, h := range o.blocks {
			if !seen[h] {
				seen[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// writeMany writes count objects named prefix%05d through the clients, round robin,
// eight at a time; object i has size(i) bytes of content derived from seed and i. It
// returns what it wrote, and fails the test if any write failed.
func writeMany(t testing.TB, clients []*s3.Client, bucket, prefix string, count int, seed uint64, size func(i int) int) map[string]object {
	t.Helper()
	var mu sync.Mutex
	out := map[string]object{}
	var errs []error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				key := fmt.Sprintf("%s%05d", prefix, i)
				o, err := putObject(context.Background(), clients[i%len(clients)], bucket, key, content(seed+uint64(i), size(i)))
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					out[key] = o
				}
				mu.Unlock()
			}
		})
	}
	for i := range count {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	return out
}

// mixed is writeMany's usual mix of sizes: every tenth object big bytes (more than
// one block), the others up to 40 KiB (inline up to 16 KiB, else one block).
func mixed(big int, seed uint64) func(i int) int {
	return func(i int) int {
		if i%10 == 0 {
			return big + i
		}
		return 100 + int(seed+uint64(i)*7919)%(40<<10)
	}
}

// clientsOf returns one client per node.
func clientsOf(nodes []*node.Node, opts ...func(*s3.Options)) []*s3.Client {
	out := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		out[i] = sdk(n, opts...)
	}
	return out
}

// stop stops a node: Close, which closes all its listeners. It stands in for a
// failure, so what the tests check is what the other nodes do next, not how
// gracefully it went: an error of Close is logged, not fatal. (Close can report
// context.DeadlineExceeded when a client holds an unused connection to one of its
// ports: http.Server.Shutdown waits 5s for such connections, as long as the test
// nodes' ShutdownTimeout.)
func stop(t testing.TB, n *node.Node) {
	t.Helper()
	start := time.Now()
	if err := n.Close(); err != nil {
		t.Logf("close %s: %v after %v", n.NodeID(), err, time.Since(start).Round(time.Millisecond))
	}
}

// restart starts a node again from the configuration it ran with, on its data
// directory and gossip port (the other ports are ephemeral, and are learnt again
// through gossip).
func restart(t testing.TB, cfg node.Config) *node.Node {
	t.Helper()
	return nodetest.StartConfig(t, cfg)
}

// hexKey shortens a block hash for messages.
func hexKey(h [32]byte) string { return hex.EncodeToString(h[:6]) }

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sha256Of returns the SHA-256 of b.
func sha256Of(b []byte) [32]byte { return sha256.Sum256(b) }

// holdings is what every node holds locally: its records by item, and its block
// files with their sizes.
type holdings struct {
	records map[string]map[item]stamp
	blocks  map[string]map[[32]byte]int64
}

// snapshot reads the local copies of every node.
func snapshot(t testing.TB, nodes []*node.Node, partitions int) holdings {
	t.Helper()
	h := holdings{records: map[string]map[item]stamp{}, blocks: map[string]map[[32]byte]int64{}}
	for _, n := range nodes {
		recs, err := localRecords(context.Background(), n, partitions)
		require.NoError(t, err)
		h.records[n.NodeID()] = recs
		h.blocks[n.NodeID()] = blockFiles(t, n.Config().DataDir)
	}
	return h
}

// exactly reports nil if every record and block sits on exactly its owners under l:
// no node holds anything of a partition it does not own, every owner holds every
// item of its partitions in the same version, and every block of want is on all of
// its owners.
func (h holdings) exactly(l *layout.Layout, want [][32]byte) error {
	versions := map[item]stamp{}
	for id, recs := range h.records {
		for it, st := range recs {
			if !slices.Contains(l.Owners(st.partition), layout.NodeID(id)) {
				return fmt.Errorf("%s still holds %s of partition %d, which it does not own", id, it, st.partition)
			}
			if prev, ok := versions[it]; ok && prev != st {
				return fmt.Errorf("%s: owners hold different versions (%v, %v)", it, prev, st)
			}
			versions[it] = st
		}
	}
	for it, st := range versions {
		for _, owner := range l.Owners(st.partition) {
			if _, ok := h.records[string(owner)][it]; !ok {
				return fmt.Errorf("owner %s lacks %s of partition %d", owner, it, st.partition)
			}
		}
	}
	present := map[[32]byte]bool{}
	for id, blocks := range h.blocks {
		for b := range blocks {
			present[b] = true
			if !slices.Contains(l.Owners(l.BlockPartition(b)), layout.NodeID(id)) {
				return fmt.Errorf("%s still holds block %s of partition %d, which it does not own", id, hexKey(b), l.BlockPartition(b))
			}
		}
	}
	for _, b := range want {
		present[b] = true
	}
	for b := range present {
		for _, owner := range l.Owners(l.BlockPartition(b)) {
			if _, ok := h.blocks[string(owner)][b]; !ok {
				return fmt.Errorf("owner %s lacks block %s", owner, hexKey(b))
			}
		}
	}
	return nil
}

// movement counts the copies that moved between two snapshots: those a node holds
// in the later one and did not in the earlier.
type movement struct {
	moved, total           int
	movedBytes, totalBytes int64
	to                     map[string]int    // copies moved, by receiving node
	sample                 map[string][]item // a few of the records moved, by receiving node
}

func (m movement) fraction() float64 { return float64(m.moved) / float64(m.total) }

// moved compares h (before) with after, for records and for blocks.
func (h holdings) moved(after holdings) (records, blocks movement) {
	records.to, blocks.to = map[string]int{}, map[string]int{}
	records.sample = map[string][]item{}
	for id, recs := range after.records {
		for it := range recs {
			records.total++
			if _, ok := h.records[id][it]; !ok {
				records.moved++
				records.to[id]++
				if len(records.sample[id]) < 5 {
					records.sample[id] = append(records.sample[id], it)
				}
			}
		}
	}
	for id, bs := range after.blocks {
		for b, size := range bs {
			blocks.total++
			blocks.totalBytes += size
			if _, ok := h.blocks[id][b]; !ok {
				blocks.moved++
				blocks.movedBytes += size
				blocks.to[id]++
			}
		}
	}
	return records, blocks
}

// movedFrom counts, in h, the copies held by a node that did not own their
// partition under old: the copies a layout change from old moved.
func (h holdings) movedFrom(old *layout.Layout) (records, blocks movement) {
	records.to, blocks.to = map[string]int{}, map[string]int{}
	records.sample = map[string][]item{}
	for id, recs := range h.records {
		for it, st := range recs {
			records.total++
			if !slices.Contains(old.Owners(st.partition), layout.NodeID(id)) {
				records.moved++
				records.to[id]++
				if len(records.sample[id]) < 5 {
					records.sample[id] = append(records.sample[id], it)
				}
			}
		}
	}
	for id, bs := range h.blocks {
		for b, size := range bs {
			blocks.total++
			blocks.totalBytes += size
			if !slices.Contains(old.Owners(old.BlockPartition(b)), layout.NodeID(id)) {
				blocks.moved++
				blocks.movedBytes += size
				blocks.to[id]++
			}
		}
	}
	return records, blocks
}

// owned counts the partitions id owns in l.
func owned(l *layout.Layout, id string) int {
	n := 0
	for p := range l.Partitions {
		if slices.Contains(l.Owners(p), layout.NodeID(id)) {
			n++
		}
	}
	return n
}
