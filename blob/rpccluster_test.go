package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/transport"
)

// The tests in this file run n Stores in one process, each serving its replica over
// real HTTP on 127.0.0.1 behind transport.Authenticate, and reaching the others with
// NewRemoteReplica: the data path of a cluster without its control plane. The layout
// versions in flight are the cluster's (settable), and OnLayoutSynced acks retire the
// older versions as meta does.

const (
	rpcTestTimeout    = 2 * time.Second
	rpcTestPartitions = 64
)

// rpcNode is one node of an rpcCluster.
type rpcNode struct {
	id    string
	cfg   Config
	addr  string
	store *Store
	srv   *http.Server
}

// rpcCluster is n nodes talking over HTTP.
type rpcCluster struct {
	t     testing.TB
	key   []byte
	nodes []*rpcNode
	byID  map[string]*rpcNode

	mu      sync.Mutex
	layouts []*layout.Layout
	acks    map[string]uint64
}

// clusterOptions adjust the nodes' configuration.
type clusterOptions struct {
	members      int           // nodes in the first layout (the others wait to join); 0: all
	syncInterval time.Duration // default: no background rounds
	now          func() time.Time
}

func newRPCCluster(t testing.TB, n int, opt clusterOptions) *rpcCluster {
	t.Helper()
	c := &rpcCluster{t: t, key: make([]byte, 32), byID: map[string]*rpcNode{}, acks: map[string]uint64{}}
	rand.Read(c.key)
	if opt.members == 0 {
		opt.members = n
	}
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		nd := &rpcNode{id: fmt.Sprintf("node-%d", i), addr: ln.Addr().String()}
		c.nodes = append(c.nodes, nd)
		c.byID[nd.id] = nd
		ln.Close() // start binds it again
	}
	c.setLayouts(c.layout(1, opt.members))
	for _, nd := range c.nodes {
		cfg := testConfig(t)
		cfg.NodeID = nd.id
		cfg.Layouts = c.currentLayouts
		cfg.Replicas = RemoteReplicas(transport.NewClient(c.key, nd.id, nil), c.addrOf)
		cfg.RPCTimeout = rpcTestTimeout
		cfg.SyncInterval = -1
		if opt.syncInterval > 0 {
			cfg.SyncInterval = opt.syncInterval
		}
		if opt.now != nil {
			cfg.Now = opt.now
		}
		id := nd.id
		cfg.OnLayoutSynced = func(_ context.Context, v uint64) error { c.ack(id, v); return nil }
		nd.cfg = cfg
		c.start(nd)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			c.stop(nd)
		}
	})
	return c
}

// layout returns a layout version of the first members nodes, replication 3.
func (c *rpcCluster) layout(version uint64, members int) *layout.Layout {
	var nodes []layout.Node
	for _, nd := range c.nodes[:members] {
		nodes = append(nodes, layout.Node{ID: layout.NodeID(nd.id)})
	}
	l, err := layout.New(version, nodes, 3, rpcTestPartitions)
	require.NoError(c.t, err)
	return l
}

func (c *rpcCluster) setLayouts(ls ...*layout.Layout) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.layouts = ls
}

func (c *rpcCluster) currentLayouts() []*layout.Layout {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.layouts)
}

// ack records that node synced to version v, and retires the older versions once
// every node of the newest has, as meta does.
func (c *rpcCluster) ack(node string, v uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acks[node] = max(c.acks[node], v)
	for i, l := range c.layouts {
		all := true
		for _, n := range l.Nodes {
			all = all && c.acks[string(n.ID)] >= l.Version
		}
		if all {
			c.layouts = c.layouts[:i+1]
			return
		}
	}
}

func (c *rpcCluster) addrOf(id layout.NodeID) (string, error) {
	nd := c.byID[string(id)]
	if nd == nil {
		return "", fmt.Errorf("unknown node %s", id)
	}
	return nd.addr, nil
}

// start opens a node's store and serves it on its address.
func (c *rpcCluster) start(nd *rpcNode) {
	c.t.Helper()
	s, err := Open(nd.cfg)
	require.NoError(c.t, err)
	nd.store = s
	mux := http.NewServeMux()
	mux.Handle(RPCPrefix, transport.Authenticate(c.key, MaxRPCBody, s.RPCHandler()))
	c.serve(nd, mux)
}

// serve serves h on nd's address (bound again after a stop).
func (c *rpcCluster) serve(nd *rpcNode, h http.Handler) {
	c.t.Helper()
	var ln net.Listener
	require.Eventually(c.t, func() bool {
		var err error
		ln, err = net.Listen("tcp", nd.addr)
		return err == nil
	}, 5*time.Second, 10*time.Millisecond, "rebind %s", nd.addr)
	nd.srv = &http.Server{Handler: h}
	go nd.srv.Serve(ln)
}

// stop kills a node's server (and its connections) and closes its store.
func (c *rpcCluster) stop(nd *rpcNode) {
	if nd.srv != nil {
		nd.srv.Close()
		nd.srv = nil
	}
	if nd.store != nil {
		nd.store.Close()
		nd.store = nil
	}
}

// hang replaces a node by a server that accepts requests and never answers.
func (c *rpcCluster) hang(nd *rpcNode) {
	c.stop(nd)
	c.serve(nd, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
}

// syncAll runs rounds on every running node until one finds nothing left to do
// everywhere, or fails the test.
func (c *rpcCluster) syncAll(ctx context.Context) {
	c.t.Helper()
	var errs []error
	for range 10 {
		errs = errs[:0]
		for _, nd := range c.nodes {
			if nd.store != nil {
				if err := nd.store.SyncNow(ctx); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", nd.id, err))
				}
			}
		}
		if len(errs) == 0 {
			return
		}
	}
	require.NoError(c.t, errors.Join(errs...), "anti-entropy did not converge")
}

// hasRecord reports whether nd's own index holds a record of bucket/key (tombstones
// included).
func (c *rpcCluster) hasRecord(nd *rpcNode, bucket, key string) (index.Record, bool) {
	p := c.currentLayouts()[0].ObjectPartition(bucket, key)
	r, err := nd.store.idx.GetRecord(context.Background(), p, bucket, key)
	if errors.Is(err, index.ErrNotFound) {
		return r, false
	}
	require.NoError(c.t, err)
	return r, true
}

// hasBlock reports whether nd's own block store holds a good copy of h.
func hasBlock(nd *rpcNode, h [32]byte) bool {
	_, err := nd.store.blocks.Get(h)
	return err == nil
}

// blocksOf returns the block hashes of an object as a store reads them.
func blocksOf(t testing.TB, s *Store, bucket, key string) []index.BlockRef {
	t.Helper()
	o, err := s.OpenObject(context.Background(), bucket, key)
	require.NoError(t, err)
	return o.blocks
}

func TestRPCReplica(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	a := c.nodes[0].store
	rep := NewRemoteReplica(transport.NewClient(c.key, "node-0", nil), c.nodes[1].addr)
	local := c.nodes[1].store

	rec := index.Record{Bucket: "b", Key: "k\xff\x01", HLC: 7, Node: "node-0", Size: 3, ETag: "e", Meta: []byte{1, 2}, Inline: []byte("abc")}
	require.NoError(t, rep.PutRecord(ctx, 1, 5, rec))
	got, err := rep.GetRecord(ctx, 5, "b", "k\xff\x01")
	require.NoError(t, err)
	require.Equal(t, rec, got, "a key that is not UTF-8 survives the wire")
	_, err = rep.GetRecord(ctx, 5, "b", "other")
	require.ErrorIs(t, err, index.ErrNotFound)
	_, err = rep.GetRecord(ctx, 5, "b", "")
	require.ErrorIs(t, err, index.ErrInvalidKey)

	data := []byte("block bytes")
	h := block.Sum(data)
	require.NoError(t, rep.PutBlock(ctx, 1, h, data))
	back, err := rep.GetBlock(ctx, h, nil)
	require.NoError(t, err)
	require.Equal(t, data, back)
	_, err = rep.GetBlock(ctx, block.Sum([]byte("none")), nil)
	require.ErrorIs(t, err, block.ErrNotFound)
	require.ErrorIs(t, rep.PutBlock(ctx, 1, h, []byte("other bytes")), block.ErrCorrupt, "a block is hashed again on receipt")

	// A write placed under an older layout than the replica knows is refused.
	c.setLayouts(c.layout(2, 3), c.layout(1, 3))
	require.ErrorIs(t, rep.PutRecord(ctx, 1, 5, rec), ErrStaleLayout)
	require.NoError(t, rep.PutRecord(ctx, 2, 5, rec))
	require.NoError(t, rep.PutRecord(ctx, 0, 5, rec), "repairs carry no version")

	// Listing and summaries round-trip.
	batches, err := rep.ListRecords(ctx, []int{4, 5}, index.ListQuery{Bucket: "b"})
	require.NoError(t, err)
	require.Len(t, batches, 2)
	require.Empty(t, batches[0].Entries)
	require.Equal(t, "k\xff\x01", batches[1].Entries[0].Key)
	sum, err := rep.Summary(ctx, 5)
	require.NoError(t, err)
	want, err := local.idx.Summary(ctx, 5)
	require.NoError(t, err)
	require.Equal(t, want.Versions, sum.Versions)
	require.Empty(t, sum.Uploads)

	// Another key, or no key, is refused by the transport.
	bad := NewRemoteReplica(transport.NewClient([]byte("wrong key, wrong key, wrong key!"), "node-0", nil), c.nodes[1].addr)
	_, err = bad.GetRecord(ctx, 5, "b", "k")
	var re *transport.RemoteError
	require.ErrorAs(t, err, &re)
	require.Equal(t, http.StatusUnauthorized, re.Status)
	_ = a
}

func TestClusterReadsWritesListsOverRPC(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	s0, s1, s2 := c.nodes[0].store, c.nodes[1].store, c.nodes[2].store

	objects := map[string][]byte{}
	for i := range 12 {
		key := fmt.Sprintf("obj/%02d", i)
		size := 100 + i*1000 // inline and multi-block
		objects[key] = randBytes(size, uint64(i))
		put(t, s0, "bk", key, objects[key])
	}
	for key, data := range objects {
		for _, s := range []*Store{s1, s2} {
			require.Equal(t, data, get(t, s, "bk", key), "%s through another node", key)
		}
	}
	for _, s := range []*Store{s0, s1, s2} {
		res, err := s.ListObjects(ctx, ListInput{Bucket: "bk", Limit: 5})
		require.NoError(t, err)
		require.Equal(t, []string{"obj/00", "obj/01", "obj/02", "obj/03", "obj/04"}, objectKeys(res))
		require.True(t, res.IsTruncated)
	}

	// Multipart: created through one node, parts through the two others, completed
	// through the first.
	up, err := s0.CreateUpload(ctx, CreateUploadInput{Bucket: "bk", Key: "mp"})
	require.NoError(t, err)
	p1, p2 := randBytes(2*testBlock+7, 100), randBytes(testBlock/2, 101)
	i1, err := s1.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(p1)})
	require.NoError(t, err)
	i2, err := s2.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: "mp", UploadID: up.UploadID, PartNumber: 2, Body: bytes.NewReader(p2)})
	require.NoError(t, err)
	lp, err := s2.ListParts(ctx, "bk", "mp", up.UploadID, 0, 0)
	require.NoError(t, err)
	require.Len(t, lp.Parts, 2)
	_, err = s0.CompleteUpload(ctx, "bk", "mp", up.UploadID, []CompletePart{{PartNumber: 1, ETag: i1.ETag}, {PartNumber: 2, ETag: i2.ETag}})
	require.NoError(t, err)
	for _, s := range []*Store{s0, s1, s2} {
		require.Equal(t, append(slices.Clone(p1), p2...), get(t, s, "bk", "mp"))
		_, err = s.GetUpload(ctx, "bk", "mp", up.UploadID)
		require.ErrorIs(t, err, ErrNoSuchUpload)
		ups, err := s.ListUploads(ctx, ListUploadsInput{Bucket: "bk"})
		require.NoError(t, err)
		require.Empty(t, ups.Uploads)
	}
	require.NoError(t, s1.DeleteObject(ctx, "bk", "obj/00"))
	_, err = s2.OpenObject(ctx, "bk", "obj/00")
	require.ErrorIs(t, err, ErrNoSuchKey)
}

func TestClusterNodeDownAndBack(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{syncInterval: 100 * time.Millisecond})
	ctx := context.Background()
	s0, s1 := c.nodes[0].store, c.nodes[1].store
	put(t, s0, "bk", "before", randBytes(3*testBlock, 1))
	put(t, s0, "bk", "doomed", []byte("deleted while node-2 is away"))

	// One of three down: reads, writes and listings go on through the others.
	down := c.nodes[2]
	c.stop(down)
	written := map[string][]byte{}
	for i := range 20 {
		key := fmt.Sprintf("while-down/%02d", i)
		written[key] = randBytes(50+i*700, uint64(10+i))
		put(t, s1, "bk", key, written[key])
	}
	up, err := s0.CreateUpload(ctx, CreateUploadInput{Bucket: "bk", Key: "mp"})
	require.NoError(t, err)
	part, err := s1.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(randBytes(testBlock+1, 50))})
	require.NoError(t, err)
	require.NoError(t, s0.DeleteObject(ctx, "bk", "doomed"))
	require.Equal(t, written["while-down/07"], get(t, s0, "bk", "while-down/07"))
	res, err := s1.ListObjects(ctx, ListInput{Bucket: "bk", Prefix: "while-down/"})
	require.NoError(t, err)
	require.Len(t, res.Objects, 20)

	// Back: anti-entropy catches it up with no one reading through it.
	c.start(down)
	require.Eventually(t, func() bool {
		for key := range written {
			if _, ok := c.hasRecord(down, "bk", key); !ok {
				return false
			}
		}
		r, ok := c.hasRecord(down, "bk", "doomed")
		if !ok || !r.Tombstone {
			return false
		}
		for key := range written {
			for _, ref := range blocksOf(t, s0, "bk", key) {
				if !hasBlock(down, ref.Hash) {
					return false
				}
			}
		}
		u, err := down.store.idx.GetUpload(ctx, c.currentLayouts()[0].ObjectPartition("bk", "mp"), "bk", "mp", up.UploadID)
		if err != nil || u.Deleted != 0 {
			return false
		}
		return true
	}, 20*time.Second, 20*time.Millisecond, "node-2 catches up by itself")
	// Copied by anti-entropy: pulled by node-2, or pushed by the others. A round counts
	// a chunk after storing it, so the records can be in node-2's index a moment
	// before the count says so (a loaded host descheduled the pulling goroutine
	// between the two once, and the count read zero): wait for the counts too.
	require.Eventually(t, func() bool {
		var records, blocks uint64
		for _, nd := range c.nodes {
			st := nd.store.SyncStatus()
			records += st.RecordsPulled + st.RecordsPushed
			blocks += st.BlocksPulled + st.BlocksPushed
		}
		return records > 0 && blocks > 0
	}, 10*time.Second, 20*time.Millisecond, "anti-entropy counted the records and blocks it copied")

	// With node-0 down, node-2 and node-1 serve everything, the upload included.
	c.stop(c.nodes[0])
	s2 := down.store
	for key, data := range written {
		require.Equal(t, data, get(t, s2, "bk", key))
	}
	_, err = s2.CompleteUpload(ctx, "bk", "mp", up.UploadID, []CompletePart{{PartNumber: 1, ETag: part.ETag}})
	require.NoError(t, err)
	_, err = s2.OpenObject(ctx, "bk", "doomed")
	require.ErrorIs(t, err, ErrNoSuchKey)
}

func TestClusterTwoDownFailsFastAndLeavesNothingTorn(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	s0 := c.nodes[0].store
	put(t, s0, "bk", "old", []byte("acknowledged"))

	// Two of three stopped: connection refused, the write fails at once. The deadline
	// is only a guard: a write that hung would end with the context's error instead.
	c.stop(c.nodes[1])
	c.stop(c.nodes[2])
	failed := map[string][]byte{"failed-hung": []byte("x")}
	for _, body := range [][]byte{[]byte("small"), randBytes(3*testBlock, 9)} {
		key := fmt.Sprintf("failed-%d", len(body))
		failed[key] = body
		wctx, cancel := context.WithTimeout(ctx, 2*rpcTestTimeout)
		_, err := s0.PutObject(wctx, PutInput{Bucket: "bk", Key: key, Body: bytes.NewReader(body)})
		cancel()
		require.ErrorIs(t, err, ErrNoQuorum)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*rpcTestTimeout)
	require.ErrorIs(t, s0.DeleteObject(wctx, "bk", "old"), ErrNoQuorum)
	cancel()
	_, err := s0.OpenObject(ctx, "bk", "old")
	require.ErrorIs(t, err, ErrNoQuorum)
	_, err = s0.ListObjects(ctx, ListInput{Bucket: "bk"})
	require.ErrorIs(t, err, ErrNoQuorum, "no quorum, no page: never a short one")

	// One stopped, one hung: the write fails once the hung owner's call times out.
	c.hang(c.nodes[2])
	wctx, cancel = context.WithTimeout(ctx, 2*rpcTestTimeout)
	_, err = s0.PutObject(wctx, PutInput{Bucket: "bk", Key: "failed-hung", Body: bytes.NewReader([]byte("x"))})
	cancel()
	require.ErrorIs(t, err, ErrNoQuorum)

	// Both back, and in step. A failed write's outcome is indeterminate (as in S3): it
	// is absent or whole, never torn, and every node answers the same. The failed delete
	// likewise either took or did not; the acknowledged object is never half there.
	c.stop(c.nodes[2])
	c.start(c.nodes[1])
	c.start(c.nodes[2])
	c.syncAll(ctx)
	var first []string
	for i, nd := range c.nodes {
		for key, body := range failed {
			obj, err := nd.store.OpenObject(ctx, "bk", key)
			if errors.Is(err, ErrNoSuchKey) {
				continue
			}
			require.NoError(t, err, "%s: %s", nd.id, key)
			require.Equal(t, int64(len(body)), obj.Info.Size)
			require.Equal(t, body, get(t, nd.store, "bk", key), "%s: %s is torn", nd.id, key)
		}
		if _, err := nd.store.OpenObject(ctx, "bk", "old"); !errors.Is(err, ErrNoSuchKey) {
			require.Equal(t, []byte("acknowledged"), get(t, nd.store, "bk", "old"))
		}
		res, err := nd.store.ListObjects(ctx, ListInput{Bucket: "bk"})
		require.NoError(t, err)
		if i == 0 {
			first = objectKeys(res)
		}
		require.Equal(t, first, objectKeys(res), "%s lists differently", nd.id)
	}
}

func TestClusterCorruptBlockIsRepaired(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	data := randBytes(4*testBlock, 3)
	put(t, c.nodes[1].store, "bk", "obj", data)
	nd := c.nodes[0]
	ref := blocksOf(t, nd.store, "bk", "obj")[2]
	// The PUT returned once a quorum had the blocks; node-0's copy may still be on its
	// way (it failed this way once under load).
	require.Eventually(t, func() bool { return hasBlock(nd, ref.Hash) }, 10*time.Second, 10*time.Millisecond)
	name := hex.EncodeToString(ref.Hash[:])
	file := filepath.Join(nd.cfg.Dir, "blocks", name[:2], name[2:4], name)
	raw, err := os.ReadFile(file)
	require.NoError(t, err)
	raw[len(raw)/2] ^= 0x40
	require.NoError(t, os.WriteFile(file, raw, 0o600))
	_, err = nd.store.blocks.Get(ref.Hash)
	require.ErrorIs(t, err, block.ErrCorrupt)

	// Read through the node with the bad copy: it reads its own first, finds it bad,
	// serves another owner's, and repairs its own.
	require.Equal(t, data, get(t, nd.store, "bk", "obj"))
	require.Eventually(t, func() bool { return hasBlock(nd, ref.Hash) }, 10*time.Second, 10*time.Millisecond)
}

func TestClusterTombstoneCollectedOnceEveryOwnerHasIt(t *testing.T) {
	clock := newFakeClock()
	c := newRPCCluster(t, 3, clusterOptions{now: clock.Now})
	ctx := context.Background()
	s0 := c.nodes[0].store
	put(t, s0, "bk", "k", []byte("v"))
	c.stop(c.nodes[2])
	require.NoError(t, s0.DeleteObject(ctx, "bk", "k"))

	// Past the grace, but node-2 still holds the live record: the tombstone stays.
	clock.Advance(s0.cfg.TombstoneGrace + time.Hour)
	_ = s0.SyncNow(ctx) // node-2 is away: the round cannot confirm
	_, err := s0.CollectGarbage(ctx)
	require.NoError(t, err)
	r, ok := c.hasRecord(c.nodes[0], "bk", "k")
	require.True(t, ok && r.Tombstone, "kept while an owner lacks it")

	// Back and in step: a confirmed round lets it go, everywhere, and the old record
	// does not come back.
	c.start(c.nodes[2])
	c.syncAll(ctx) // brings node-2 in step
	c.syncAll(ctx) // finds every owner in step: confirms
	clock.Advance(confirmSlack + time.Minute)
	for _, nd := range c.nodes {
		_, err := nd.store.CollectGarbage(ctx)
		require.NoError(t, err)
		_, ok := c.hasRecord(nd, "bk", "k")
		require.False(t, ok, "%s collected it", nd.id)
	}
	c.syncAll(ctx)
	for _, nd := range c.nodes {
		_, err := nd.store.OpenObject(ctx, "bk", "k")
		require.ErrorIs(t, err, ErrNoSuchKey)
	}
}

// TestSyncCountsCopiesAsTheyHappen: the totals of SyncStatus count a copy as soon as it
// is made, not when its round ends. Before, a round that had copied every record but
// was still in its block phase (slow under load) reported nothing copied, and
// TestClusterNodeDownAndBack failed now and then on its count.
func TestSyncCountsCopiesAsTheyHappen(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	down := c.nodes[2]
	c.stop(down)
	var keys []string
	for i := range 8 {
		key := fmt.Sprintf("k%d", i)
		keys = append(keys, key)
		put(t, c.nodes[0].store, "bk", key, randBytes(2*testBlock, uint64(i)))
	}

	// The other owners hold the block phase back until released (and the returning
	// node waits for them longer than this test runs).
	release := make(chan struct{})
	for _, nd := range c.nodes[:2] {
		c.gate(nd, RPCPrefix+"block/digests", release)
	}
	down.cfg.RPCTimeout = time.Minute
	c.start(down)
	done := make(chan error, 1)
	go func() { done <- down.store.SyncNow(ctx) }()
	// Before, the totals stayed at zero until the round ended, which here it cannot.
	require.Eventually(t, func() bool {
		for _, key := range keys {
			if _, ok := c.hasRecord(down, "bk", key); !ok {
				return false
			}
		}
		return down.store.SyncStatus().RecordsPulled >= uint64(len(keys))
	}, 10*time.Second, 5*time.Millisecond, "the records pulled are counted while the round runs")
	st := down.store.SyncStatus()
	require.True(t, st.Running, "the round waits for the block phase")
	require.Zero(t, st.BlocksPulled)

	close(release)
	require.NoError(t, <-done)
	st = down.store.SyncStatus()
	require.False(t, st.Running)
	require.NotZero(t, st.BlocksPulled)
	for _, key := range keys {
		for _, ref := range blocksOf(t, c.nodes[0].store, "bk", key) {
			require.True(t, hasBlock(down, ref.Hash))
		}
	}
}

// gate serves nd's store again with the requests to path held until release closes.
func (c *rpcCluster) gate(nd *rpcNode, path string, release <-chan struct{}) {
	c.t.Helper()
	nd.srv.Close()
	inner := transport.Authenticate(c.key, MaxRPCBody, nd.store.RPCHandler())
	c.serve(nd, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		inner.ServeHTTP(w, r)
	}))
}
