package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
)

// putVersion writes a new version of bucket/key in a versioned bucket.
func putVersion(t testing.TB, s *Store, bucket, key string, data []byte) ObjectInfo {
	t.Helper()
	info, err := s.PutObject(context.Background(), PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data), Versioning: VersioningEnabled})
	require.NoError(t, err)
	return info
}

// allVersions lists every version of a bucket through s.
func allVersions(t testing.TB, s *Store, bucket string, page int) []ObjectInfo {
	t.Helper()
	var out []ObjectInfo
	in := ListVersionsInput{Bucket: bucket, Limit: page}
	for {
		res, err := s.ListObjectVersions(context.Background(), in)
		require.NoError(t, err)
		out = append(out, res.Versions...)
		if !res.IsTruncated {
			return out
		}
		in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
}

func readVersion(t testing.TB, s *Store, bucket, key, id string) ([]byte, error) {
	t.Helper()
	o, err := s.OpenVersion(context.Background(), bucket, key, id)
	if err != nil {
		return nil, err
	}
	r, err := o.NewReader(context.Background(), 0, -1)
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(t, err)
	return data, nil
}

// localVersions returns what nd's own index holds of a key: every record, tombstones
// included.
func (c *rpcCluster) localVersions(nd *rpcNode, bucket, key string) []index.Entry {
	c.t.Helper()
	p := c.currentLayouts()[0].ObjectPartition(bucket, key)
	es, err := nd.store.idx.Versions(context.Background(), p, bucket, key, index.VersionsQuery{All: true})
	require.NoError(c.t, err)
	return es
}

// TestClusterConcurrentPutsAllBecomeVersions: PUTs of one key through all three nodes
// at once, in a versioned bucket, all become versions, listed in creation order (HLC,
// then node) and the same on every node. Before versioning an owner kept only the
// newest record of a key, and all but one write were lost.
func TestClusterConcurrentPutsAllBecomeVersions(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	const perNode = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	ids := make(chan string, 3*perNode)
	for _, nd := range c.nodes {
		wg.Go(func() {
			<-start
			for j := range perNode {
				info := putVersion(t, nd.store, "bk", "k", fmt.Appendf(nil, "%s-%d", nd.id, j))
				ids <- info.VersionID
			}
		})
	}
	close(start)
	wg.Wait()
	close(ids)
	want := map[string]bool{}
	for id := range ids {
		require.NotEqual(t, NullVersion, id)
		want[id] = true
	}
	require.Len(t, want, 3*perNode, "every write has its own version id")

	var first []string
	for _, nd := range c.nodes {
		vs := allVersions(t, nd.store, "bk", 4)
		require.Len(t, vs, 3*perNode, "listed through %s", nd.id)
		got := make([]string, len(vs))
		for i, v := range vs {
			got[i] = v.VersionID
			require.True(t, want[v.VersionID])
			require.Equal(t, i == 0, v.IsLatest)
			if i > 0 {
				prev := vs[i-1]
				// Equal HLCs happen (two nodes in one millisecond): the node id orders
				// them, the same way on every node (checked below).
				require.GreaterOrEqual(t, prev.HLC, v.HLC, "newest first by HLC")
			}
		}
		if first == nil {
			first = got
		}
		require.Equal(t, first, got, "every node lists the same versions in the same order")
	}
	// Every version reads back, through any node.
	for id := range want {
		data, err := readVersion(t, c.nodes[2].store, "bk", "k", id)
		require.NoError(t, err)
		require.Contains(t, string(data), "node-")
	}
}

// TestClusterVersionsSurviveANodeAway: versions written while an owner is away reach
// it when it comes back (anti-entropy unites version sets), and none it held is lost.
func TestClusterVersionsSurviveANodeAway(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	before := putVersion(t, c.nodes[0].store, "bk", "k", []byte("before"))
	away := c.nodes[2]
	c.stop(away)
	var during []ObjectInfo
	for i := range 4 {
		during = append(during, putVersion(t, c.nodes[i%2].store, "bk", "k", fmt.Appendf(nil, "during-%d", i)))
	}
	c.start(away)
	c.syncAll(ctx)
	live := 0
	for _, e := range c.localVersions(away, "bk", "k") {
		if !e.Tombstone {
			live++
		}
	}
	require.Equal(t, 5, live, "the node that was away holds every version")

	// With node-0 down too, node-2 (with node-1) still serves each version.
	c.stop(c.nodes[0])
	for i, v := range append([]ObjectInfo{before}, during...) {
		data, err := readVersion(t, away.store, "bk", "k", v.VersionID)
		require.NoError(t, err)
		if i == 0 {
			require.Equal(t, "before", string(data))
		} else {
			require.Equal(t, fmt.Sprintf("during-%d", i-1), string(data))
		}
	}
	require.Len(t, allVersions(t, away.store, "bk", 2), 5)
}

// TestClusterRemovedVersionStaysRemoved: a version removed for good while an owner is
// away does not come back from that owner through anti-entropy, nor after its
// tombstone is collected.
func TestClusterRemovedVersionStaysRemoved(t *testing.T) {
	clock := newFakeClock()
	c := newRPCCluster(t, 3, clusterOptions{now: clock.Now})
	ctx := context.Background()
	s0 := c.nodes[0].store
	v1 := putVersion(t, s0, "bk", "k", []byte("one"))
	v2 := putVersion(t, s0, "bk", "k", []byte("two"))
	away := c.nodes[2]
	c.stop(away)
	res, err := s0.Delete(ctx, DeleteInput{Bucket: "bk", Key: "k", VersionID: v2.VersionID, Versioning: VersioningEnabled})
	require.NoError(t, err)
	require.False(t, res.DeleteMarker)
	data, err := readVersion(t, s0, "bk", "k", "")
	require.NoError(t, err)
	require.Equal(t, "one", string(data), "the previous version is current again")

	c.start(away) // still holds v2 as a live version
	c.syncAll(ctx)
	c.syncAll(ctx) // every owner in step: confirms the tombstone may go
	for _, nd := range c.nodes {
		vs := allVersions(t, nd.store, "bk", 1000)
		require.Len(t, vs, 1, "through %s", nd.id)
		require.Equal(t, v1.VersionID, vs[0].VersionID)
		_, err := readVersion(t, nd.store, "bk", "k", v2.VersionID)
		require.ErrorIs(t, err, ErrNoSuchVersion)
	}
	for _, e := range c.localVersions(away, "bk", "k") {
		if e.HLC == uint64(v2.HLC) {
			require.True(t, e.Tombstone, "the owner that was away now holds the tombstone")
		}
	}

	// Past the grace, the tombstone is collected everywhere, and v2 stays gone.
	clock.Advance(s0.cfg.TombstoneGrace + confirmSlack + time.Hour)
	c.syncAll(ctx)
	c.syncAll(ctx)
	clock.Advance(confirmSlack + time.Minute)
	for _, nd := range c.nodes {
		_, err := nd.store.CollectGarbage(ctx)
		require.NoError(t, err)
		for _, e := range c.localVersions(nd, "bk", "k") {
			require.False(t, e.Tombstone, "%s collected the tombstone", nd.id)
		}
	}
	c.syncAll(ctx)
	for _, nd := range c.nodes {
		vs := allVersions(t, nd.store, "bk", 1000)
		require.Len(t, vs, 1)
		require.Equal(t, v1.VersionID, vs[0].VersionID)
	}
}

// TestNullVersionSupersedesOnlyTheNullVersion: an unversioned write replaces the
// previous null version and keeps every other version.
func TestNullVersionSupersedesOnlyTheNullVersion(t *testing.T) {
	s := newStore(t)
	put(t, s, "bk", "k", []byte("null-1"))
	v1 := putVersion(t, s, "bk", "k", []byte("v1"))
	info := put(t, s, "bk", "k", []byte("null-2"))
	require.Equal(t, NullVersion, info.VersionID)
	vs := allVersions(t, s, "bk", 1000)
	require.Len(t, vs, 2)
	require.Equal(t, NullVersion, vs[0].VersionID)
	require.True(t, vs[0].IsLatest)
	require.Equal(t, v1.VersionID, vs[1].VersionID)
	data, err := readVersion(t, s, "bk", "k", NullVersion)
	require.NoError(t, err)
	require.Equal(t, "null-2", string(data))
}

// TestListVersionsWhileRemovingEachPage: the clean-up every S3 test suite does (list
// a page of versions, remove each by id, list the next page from the markers) reaches
// every version, though the markers name versions already removed.
func TestListVersionsWhileRemovingEachPage(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, "bk", "a", []byte("null"))
	for i := range 5 {
		putVersion(t, s, "bk", "a", fmt.Appendf(nil, "a%d", i))
		putVersion(t, s, "bk", "b", fmt.Appendf(nil, "b%d", i))
	}
	in := ListVersionsInput{Bucket: "bk", Limit: 2}
	removed := 0
	for {
		res, err := s.ListObjectVersions(ctx, in)
		require.NoError(t, err)
		for _, v := range res.Versions {
			_, err := s.Delete(ctx, DeleteInput{Bucket: "bk", Key: v.Key, VersionID: v.VersionID, Versioning: VersioningEnabled})
			require.NoError(t, err)
			removed++
		}
		if !res.IsTruncated {
			break
		}
		in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
	}
	require.Equal(t, 11, removed)
	empty, err := s.BucketEmpty(ctx, "bk")
	require.NoError(t, err)
	require.True(t, empty)
}
