package index

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func openTest(t testing.TB) *Index {
	t.Helper()
	x, err := Open(filepath.Join(t.TempDir(), "index.db"))
	require.NoError(t, err)
	t.Cleanup(func() { x.Close() })
	return x
}

func rec(bucket, key string, hlc uint64, node string) Record {
	return Record{Bucket: bucket, Key: key, HLC: hlc, Node: node, Size: int64(len(key)), ETag: fmt.Sprintf("etag-%d", hlc)}
}

func keysOf(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Key)
	}
	return out
}

func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	r := Record{
		Bucket: "b", Key: "dir/obj", HLC: 42, Node: "n1", Size: 3 << 20, ETag: "abc",
		Meta: []byte(`{"h":1}`), Parts: []byte(`[1,2]`),
		Blocks: []BlockRef{{Hash: Hash{1}, Size: 1 << 20}, {Hash: Hash{2}, Size: 2 << 20}},
	}
	applied, err := x.PutRecord(ctx, 7, r)
	require.NoError(t, err)
	require.True(t, applied)
	got, err := x.GetRecord(ctx, 7, "b", "dir/obj")
	require.NoError(t, err)
	require.Equal(t, r, got)

	_, err = x.GetRecord(ctx, 8, "b", "dir/obj")
	require.ErrorIs(t, err, ErrNotFound, "another partition")
	_, err = x.GetRecord(ctx, 7, "b", "dir/ob")
	require.ErrorIs(t, err, ErrNotFound, "a prefix of the key")
	_, err = x.PutRecord(ctx, 7, rec("b", "bad\x00key", 1, "n"))
	require.ErrorIs(t, err, ErrInvalidKey)
	_, err = x.PutRecord(ctx, 7, rec("b", "", 1, "n"))
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestLastWriteWins(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	put := func(hlc uint64, node string) bool {
		applied, err := x.PutRecord(ctx, 1, rec("b", "k", hlc, node))
		require.NoError(t, err)
		return applied
	}
	require.True(t, put(10, "n1"))
	require.True(t, put(20, "n1"), "newer replaces")
	require.False(t, put(15, "n9"), "older is ignored")
	require.False(t, put(20, "n1"), "the same record again is a no-op")
	require.False(t, put(20, "n0"), "same HLC, smaller node loses")
	require.True(t, put(20, "n2"), "same HLC, greater node wins")

	got, err := x.GetRecord(ctx, 1, "b", "k")
	require.NoError(t, err)
	require.EqualValues(t, 20, got.HLC)
	require.Equal(t, "n2", got.Node)
	st, err := x.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Versions, "an unversioned key keeps one record")
}

func TestTombstones(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	_, err := x.PutRecord(ctx, 1, rec("b", "k", 10, "n"))
	require.NoError(t, err)
	tomb := Record{Bucket: "b", Key: "k", HLC: 11, Node: "n", Tombstone: true}
	applied, err := x.PutRecord(ctx, 1, tomb)
	require.NoError(t, err)
	require.True(t, applied)
	applied, err = x.PutRecord(ctx, 1, rec("b", "k", 9, "n"))
	require.NoError(t, err)
	require.False(t, applied, "an older write does not resurrect a deleted key")

	got, err := x.GetRecord(ctx, 1, "b", "k")
	require.NoError(t, err)
	require.True(t, got.Tombstone)
	batches, err := x.List(ctx, []int{1}, ListQuery{Bucket: "b"})
	require.NoError(t, err)
	require.Len(t, batches[0].Entries, 1)
	require.True(t, batches[0].Entries[0].Tombstone, "listings return tombstones for the merge")

	n, err := x.CollectTombstones(ctx, 11)
	require.NoError(t, err)
	require.Zero(t, n, "a tombstone at the cutoff is kept")
	n, err = x.CollectTombstones(ctx, 12)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = x.GetRecord(ctx, 1, "b", "k")
	require.ErrorIs(t, err, ErrNotFound)
}

func TestListOrderAndPositions(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	keys := []string{"a", "a/b", "a/c/d", "a/c/e", "a\x01", "ab", "b", "b/x", "é"}
	for i, k := range keys {
		_, err := x.PutRecord(ctx, 3, rec("bk", k, uint64(i+1), "n"))
		require.NoError(t, err)
	}
	// Other buckets and partitions must not leak in, even one whose name extends ours.
	for _, b := range []string{"b", "bk2", "bkk"} {
		_, err := x.PutRecord(ctx, 3, rec(b, "a", 1, "n"))
		require.NoError(t, err)
	}
	_, err := x.PutRecord(ctx, 4, rec("bk", "zz", 1, "n"))
	require.NoError(t, err)
	// A newer version of a key is listed once.
	_, err = x.PutRecord(ctx, 3, rec("bk", "ab", 100, "n"))
	require.NoError(t, err)

	list := func(q ListQuery) ([]string, bool) {
		q.Bucket = "bk"
		batches, err := x.List(ctx, []int{3}, q)
		require.NoError(t, err)
		require.Equal(t, 3, batches[0].Partition)
		return keysOf(batches[0].Entries), batches[0].More
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	got, more := list(ListQuery{})
	require.Equal(t, sorted, got, "byte order of keys")
	require.False(t, more)

	got, more = list(ListQuery{Limit: 3})
	require.Equal(t, []string{"a", "a\x01", "a/b"}, got)
	require.True(t, more)
	got, _ = list(ListQuery{Pos: Position{After: "a/c/d"}, Limit: 3})
	require.Equal(t, []string{"a/c/e", "ab", "b"}, got)

	got, _ = list(ListQuery{Prefix: "a/"})
	require.Equal(t, []string{"a/b", "a/c/d", "a/c/e"}, got)
	got, _ = list(ListQuery{Prefix: "a/", Pos: Position{After: "a/c/", Under: true}})
	require.Nil(t, got, "everything under a skipped common prefix is skipped")
	got, _ = list(ListQuery{Pos: Position{After: "a", Under: true}})
	require.Equal(t, []string{"b", "b/x", "é"}, got)
	got, _ = list(ListQuery{Prefix: "b", Pos: Position{After: "a"}})
	require.Equal(t, []string{"b", "b/x"}, got, "After before Prefix starts at Prefix")
	got, _ = list(ListQuery{Pos: Position{After: "\xff", Under: true}})
	require.Nil(t, got)
	got, more = list(ListQuery{Pos: Position{After: "é"}})
	require.Nil(t, got)
	require.False(t, more)

	// Several partitions in one call, each its own batch.
	batches, err := x.List(ctx, []int{4, 3, 5}, ListQuery{Bucket: "bk", Limit: 2})
	require.NoError(t, err)
	require.Len(t, batches, 3)
	require.Equal(t, []string{"zz"}, keysOf(batches[0].Entries))
	require.False(t, batches[0].More)
	require.Equal(t, []string{"a", "a\x01"}, keysOf(batches[1].Entries))
	require.True(t, batches[1].More)
	require.Empty(t, batches[2].Entries)
}

func TestUploadsAndParts(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	up := func(key, id string, initiated uint64) Upload {
		u := Upload{Bucket: "b", Key: key, ID: id, Initiated: initiated, Meta: []byte("m-" + id)}
		require.NoError(t, x.PutUpload(ctx, 2, u))
		return u
	}
	u1 := up("k", "zzz", 5)
	u2 := up("k", "aaa", 6)
	u3 := up("k/x", "mmm", 1)
	up("l", "bbb", 1)

	got, err := x.GetUpload(ctx, 2, "b", "k", "aaa")
	require.NoError(t, err)
	require.Equal(t, u2, got)
	_, err = x.GetUpload(ctx, 2, "b", "k/x", "aaa")
	require.ErrorIs(t, err, ErrNotFound)

	ids := func(q ListQuery) []string {
		q.Bucket = "b"
		batches, err := x.ListUploads(ctx, []int{2}, q)
		require.NoError(t, err)
		var out []string
		for _, u := range batches[0].Uploads {
			out = append(out, u.Key+"/"+u.ID)
		}
		return out
	}
	require.Equal(t, []string{"k/zzz", "k/aaa", "k/x/mmm", "l/bbb"}, ids(ListQuery{}), "by key, then initiation")
	require.Equal(t, []string{"k/aaa", "k/x/mmm", "l/bbb"}, ids(ListQuery{Pos: Position{After: "k", UploadID: "zzz"}}))
	require.Equal(t, []string{"k/x/mmm", "l/bbb"}, ids(ListQuery{Pos: Position{After: "k"}}))
	require.Equal(t, []string{"k/x/mmm", "l/bbb"}, ids(ListQuery{Pos: Position{After: "k", UploadID: "nope"}}))
	require.Equal(t, []string{"l/bbb"}, ids(ListQuery{Pos: Position{After: "k/", Under: true}}))
	require.Equal(t, []string{"k/x/mmm"}, ids(ListQuery{Prefix: "k/"}))

	part := func(u Upload, n int, hlc uint64, etag string) bool {
		applied, err := x.PutPart(ctx, 2, Part{Bucket: u.Bucket, Key: u.Key, UploadID: u.ID, Number: n, HLC: hlc, Size: int64(n), ETag: etag,
			Blocks: []BlockRef{{Hash: Hash{byte(n)}, Size: int64(n)}}})
		require.NoError(t, err)
		return applied
	}
	for n := 1; n <= 5; n++ {
		require.True(t, part(u1, n, 10, "e1"))
	}
	require.True(t, part(u1, 3, 11, "e2"), "re-upload replaces")
	require.False(t, part(u1, 3, 9, "old"), "an older part does not")
	part(u2, 1, 10, "other")
	_, err = x.PutPart(ctx, 2, Part{Bucket: "b", Key: "k", UploadID: "gone", Number: 1})
	require.ErrorIs(t, err, ErrNotFound, "no part without its upload")

	parts, more, err := x.ListParts(ctx, 2, "b", "k", "zzz", 1, 2)
	require.NoError(t, err)
	require.True(t, more)
	require.Len(t, parts, 2)
	require.Equal(t, 2, parts[0].Number)
	require.Equal(t, 3, parts[1].Number)
	require.Equal(t, "e2", parts[1].ETag)
	require.Equal(t, []BlockRef{{Hash: Hash{3}, Size: 3}}, parts[1].Blocks)
	parts, more, err = x.ListParts(ctx, 2, "b", "k", "zzz", 0, 0)
	require.NoError(t, err)
	require.False(t, more)
	require.Len(t, parts, 5)

	var refs int
	require.NoError(t, x.WalkBlockRefs(ctx, func(Hash) { refs++ }))
	require.Equal(t, 6, refs)

	require.NoError(t, x.DeleteUpload(ctx, 2, "b", "k", "zzz"))
	require.ErrorIs(t, x.DeleteUpload(ctx, 2, "b", "k", "zzz"), ErrNotFound)
	parts, _, err = x.ListParts(ctx, 2, "b", "k", "zzz", 0, 0)
	require.NoError(t, err)
	require.Empty(t, parts)
	parts, _, err = x.ListParts(ctx, 2, "b", "k", "aaa", 0, 0)
	require.NoError(t, err)
	require.Len(t, parts, 1, "another upload's parts stay")
	_ = u3
}

func TestDropBucket(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	var wg sync.WaitGroup
	for p := range 300 {
		wg.Go(func() {
			_, err := x.PutRecord(ctx, p*200, rec("gone", fmt.Sprint(p), 1, "n"))
			require.NoError(t, err)
			_, err = x.PutRecord(ctx, p*200, rec("kept", fmt.Sprint(p), 1, "n"))
			require.NoError(t, err)
		})
	}
	wg.Wait()
	require.NoError(t, x.PutUpload(ctx, 9, Upload{Bucket: "gone", Key: "k", ID: "u", Initiated: 1}))
	_, err := x.PutPart(ctx, 9, Part{Bucket: "gone", Key: "k", UploadID: "u", Number: 1})
	require.NoError(t, err)

	n, err := x.DropBucket(ctx, "gone")
	require.NoError(t, err)
	require.Equal(t, 302, n)
	st, err := x.Stats(ctx)
	require.NoError(t, err)
	st.Usage = nil
	require.Equal(t, Stats{Versions: 300}, st)
}

func TestReopenKeepsRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "index.db")
	x, err := Open(path)
	require.NoError(t, err)
	_, err = x.PutRecord(ctx, 1, rec("b", "k", 1, "n"))
	require.NoError(t, err)
	require.NoError(t, x.Close())

	x, err = Open(path)
	require.NoError(t, err)
	defer x.Close()
	_, err = x.GetRecord(ctx, 1, "b", "k")
	require.NoError(t, err)
	_, err = x.PutRecord(ctx, 1, rec("b", "k", 2, "n"))
	require.NoError(t, err)
}

func TestConcurrentWritersGroupCommit(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 50 {
				_, err := x.PutRecord(ctx, w, rec("b", fmt.Sprintf("k%03d", i), uint64(i+1), "n"))
				require.NoError(t, err)
			}
		})
	}
	// A failing operation in the same groups fails alone.
	wg.Go(func() {
		for range 50 {
			_, err := x.PutPart(ctx, 0, Part{Bucket: "b", Key: "k", UploadID: "none", Number: 1})
			require.ErrorIs(t, err, ErrNotFound)
		}
	})
	wg.Wait()
	st, err := x.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 16*50, st.Versions)
}

func TestCancelledWriteIsNotApplied(t *testing.T) {
	x := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := x.PutRecord(ctx, 1, rec("b", "k", 1, "n"))
	require.ErrorIs(t, err, context.Canceled)
	_, err = x.GetRecord(context.Background(), 1, "b", "k")
	require.ErrorIs(t, err, ErrNotFound)
}
