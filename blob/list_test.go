package blob

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// putMany writes keys with tiny bodies, concurrently (the index groups the commits).
func putMany(t testing.TB, s *Store, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, k := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			put(t, s, bucket, k, []byte(k))
		})
	}
	wg.Wait()
}

// listAll pages through a listing with the given page size and returns every key and
// common prefix in order, checking the page invariants on the way.
func listAll(t *testing.T, s *Store, in ListInput) (keys, prefixes []string, pages int) {
	t.Helper()
	for {
		res, err := s.ListObjects(context.Background(), in)
		require.NoError(t, err)
		pages++
		n := len(res.Objects) + len(res.CommonPrefixes)
		require.LessOrEqual(t, n, in.Limit)
		var page []string
		for _, o := range res.Objects {
			keys = append(keys, o.Key)
			page = append(page, o.Key)
			require.Equal(t, o.Key, string(o.Key))
		}
		prefixes = append(prefixes, res.CommonPrefixes...)
		page = append(page, res.CommonPrefixes...)
		sort.Strings(page)
		if n > 0 {
			require.Equal(t, page[len(page)-1], res.NextAfter, "NextAfter is the last entry")
		}
		if !res.IsTruncated {
			return keys, prefixes, pages
		}
		require.Equal(t, in.Limit, n, "a truncated page is full")
		in.After = res.NextAfter
	}
}

func TestListPagination(t *testing.T) {
	s := newStore(t)
	var keys []string
	for i := range 2600 {
		keys = append(keys, fmt.Sprintf("k%05d", i))
	}
	putMany(t, s, "b", keys)
	putMany(t, s, "other", []string{"k00001", "zzz"})

	got, prefixes, pages := listAll(t, s, ListInput{Bucket: "b", Limit: 1000})
	require.Equal(t, keys, got)
	require.Empty(t, prefixes)
	require.Equal(t, 3, pages)

	got, _, pages = listAll(t, s, ListInput{Bucket: "b", Limit: 7})
	require.Equal(t, keys, got)
	require.Equal(t, (2600+6)/7, pages)

	// A page that ends exactly at the last key is not truncated.
	res, err := s.ListObjects(context.Background(), ListInput{Bucket: "b", After: keys[2599-5], Limit: 5})
	require.NoError(t, err)
	require.Len(t, res.Objects, 5)
	require.False(t, res.IsTruncated)

	res, err = s.ListObjects(context.Background(), ListInput{Bucket: "b", Prefix: "k012", Limit: 1000})
	require.NoError(t, err)
	require.Len(t, res.Objects, 100)
	require.Equal(t, "k01200", res.Objects[0].Key)
	require.Equal(t, "k01299", res.Objects[99].Key)
	require.EqualValues(t, 6, res.Objects[0].Size)
	require.Equal(t, md5hex([]byte("k01200")), res.Objects[0].ETag)
	require.False(t, res.IsTruncated)

	res, err = s.ListObjects(context.Background(), ListInput{Bucket: "empty"})
	require.NoError(t, err)
	require.Empty(t, res.Objects)
	require.False(t, res.IsTruncated)
}

func TestListDelimiter(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var keys []string
	for _, d := range []string{"a", "b", "c"} {
		for i := range 300 {
			keys = append(keys, fmt.Sprintf("photos/%s/%03d.jpg", d, i))
		}
	}
	keys = append(keys, "photos/top.jpg", "photos/zeta", "photos", "readme", "photos/d/x", "zz/1", "zz/2")
	putMany(t, s, "b", keys)
	// A common prefix whose keys are all deleted is not listed.
	require.NoError(t, s.DeleteObject(ctx, "b", "photos/d/x"))

	res, err := s.ListObjects(ctx, ListInput{Bucket: "b", Delimiter: "/", Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/", "zz/"}, res.CommonPrefixes)
	require.Equal(t, []string{"photos", "readme"}, objectKeys(res))

	res, err = s.ListObjects(ctx, ListInput{Bucket: "b", Prefix: "photos/", Delimiter: "/", Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/a/", "photos/b/", "photos/c/"}, res.CommonPrefixes)
	require.Equal(t, []string{"photos/top.jpg", "photos/zeta"}, objectKeys(res))
	require.False(t, res.IsTruncated)

	// Common prefixes count toward the limit; paging resumes after one, skipping it all.
	res, err = s.ListObjects(ctx, ListInput{Bucket: "b", Prefix: "photos/", Delimiter: "/", Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/a/", "photos/b/"}, res.CommonPrefixes)
	require.True(t, res.IsTruncated)
	require.Equal(t, "photos/b/", res.NextAfter)
	res, err = s.ListObjects(ctx, ListInput{Bucket: "b", Prefix: "photos/", Delimiter: "/", After: res.NextAfter, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/c/"}, res.CommonPrefixes)
	require.Equal(t, []string{"photos/top.jpg"}, objectKeys(res))
	require.True(t, res.IsTruncated)

	all, prefixes, _ := listAll(t, s, ListInput{Bucket: "b", Prefix: "photos/", Delimiter: "/", Limit: 1})
	require.Equal(t, []string{"photos/top.jpg", "photos/zeta"}, all)
	require.Equal(t, []string{"photos/a/", "photos/b/", "photos/c/"}, prefixes)

	// After inside a common prefix's range, but not itself one: the keys after it.
	res, err = s.ListObjects(ctx, ListInput{Bucket: "b", Prefix: "photos/a/", After: "photos/a/297.jpg", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/a/298.jpg", "photos/a/299.jpg"}, objectKeys(res))

	// A multi-character delimiter.
	res, err = s.ListObjects(ctx, ListInput{Bucket: "b", Delimiter: "/a/", Prefix: "photos", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []string{"photos/a/"}, res.CommonPrefixes)
	require.Equal(t, 10, len(res.Objects)+len(res.CommonPrefixes))
}

func TestListSkipsTombstonesAcrossPages(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	var keys []string
	for i := range 50 {
		keys = append(keys, fmt.Sprintf("k%02d", i))
	}
	putMany(t, s, "b", keys)
	var live []string
	for i, k := range keys {
		if i%3 == 0 || i >= 40 {
			require.NoError(t, s.DeleteObject(ctx, "b", k))
		} else {
			live = append(live, k)
		}
	}
	got, _, _ := listAll(t, s, ListInput{Bucket: "b", Limit: 4})
	require.Equal(t, live, got)

	// The page holding the last live key is not truncated though tombstones follow.
	res, err := s.ListObjects(ctx, ListInput{Bucket: "b", After: live[len(live)-2], Limit: 1})
	require.NoError(t, err)
	require.Equal(t, []string{live[len(live)-1]}, objectKeys(res))
	require.False(t, res.IsTruncated)
}

func TestBucketEmptyAndDrop(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	empty, err := s.BucketEmpty(ctx, "b")
	require.NoError(t, err)
	require.True(t, empty)
	put(t, s, "b", "k", []byte("x"))
	empty, err = s.BucketEmpty(ctx, "b")
	require.NoError(t, err)
	require.False(t, empty)
	require.NoError(t, s.DeleteObject(ctx, "b", "k"))
	empty, err = s.BucketEmpty(ctx, "b")
	require.NoError(t, err)
	require.True(t, empty, "tombstones do not count")

	_, err = s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "mp"})
	require.NoError(t, err)
	put(t, s, "kept", "k", []byte("y"))
	require.NoError(t, s.DropBucket(ctx, "b"))
	st, err := s.idx.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Versions, "only the other bucket's record is left")
	require.Zero(t, st.Uploads)
}

func objectKeys(res ListResult) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.Key)
	}
	return out
}

func TestCommonPrefixHelpers(t *testing.T) {
	require.Equal(t, "a/", commonPrefix("a/b", "", "/"))
	require.Equal(t, "", commonPrefix("a/b", "a/", "/"))
	require.Equal(t, "", commonPrefix("a/b", "", ""))
	require.True(t, startPosition("p/x/", "p/", "/").Under)
	require.False(t, startPosition("p/x", "p/", "/").Under)
	require.False(t, startPosition("q/x/", "p/", "/").Under)
	require.False(t, startPosition("p/", "p/", "/").Under, "the prefix itself is not a common prefix under it")
	require.True(t, slices.IsSorted([]string{"a", "a/", "a/b", "ab"}))
}
