package index

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// fill writes a partition's worth of versions, an upload with parts and an ended
// upload into x.
func fill(t *testing.T, x *Index, p int) {
	t.Helper()
	ctx := context.Background()
	var b Batch
	for i := range 5000 { // more than one scan chunk
		b.Records = append(b.Records, rec("b", fmt.Sprintf("k%05d", i), uint64(i+1), "n"))
	}
	_, err := x.Apply(ctx, p, b)
	require.NoError(t, err)
	u := Upload{Bucket: "b", Key: "mp", ID: "u1", Initiated: 3, Meta: []byte("m")}
	require.NoError(t, x.PutUpload(ctx, p, u))
	for n := 1; n <= 3; n++ {
		_, err := x.PutPart(ctx, p, Part{Bucket: "b", Key: "mp", UploadID: "u1", Number: n, HLC: 10, Blocks: []BlockRef{{Hash: Hash{byte(n)}, Size: 1}}})
		require.NoError(t, err)
	}
	require.NoError(t, x.PutUpload(ctx, p, Upload{Bucket: "b", Key: "mp", ID: "u0", Initiated: 1, Deleted: 2}))
}

func TestSyncPrimitives(t *testing.T) {
	ctx := context.Background()
	a, b := openTest(t), openTest(t)
	fill(t, a, 7)
	_, err := a.PutRecord(ctx, 8, rec("b", "elsewhere", 1, "n"))
	require.NoError(t, err)

	da, err := a.Digests(ctx, []int{7, 9})
	require.NoError(t, err)
	db, err := b.Digests(ctx, []int{7, 9})
	require.NoError(t, err)
	require.Equal(t, 5000+2+3, da[0].Items)
	require.NotEqual(t, da[0].Sum, db[0].Sum)
	require.Equal(t, da[1], db[1], "empty partitions agree")

	// Everything a holds goes to b: the digests agree.
	sum, err := a.Summary(ctx, 7)
	require.NoError(t, err)
	require.Len(t, sum.Versions, 5000)
	require.Len(t, sum.Uploads, 2)
	require.Len(t, sum.Parts, 3)
	batch, err := a.Fetch(ctx, 7, sum)
	require.NoError(t, err)
	require.Equal(t, sum.Len(), batch.Len())
	n, err := b.Apply(ctx, 7, batch)
	require.NoError(t, err)
	require.Equal(t, sum.Len(), n)
	db, err = b.Digests(ctx, []int{7})
	require.NoError(t, err)
	require.Equal(t, da[0], db[0])
	n, err = b.Apply(ctx, 7, batch)
	require.NoError(t, err)
	require.Zero(t, n, "applying again changes nothing")

	// Last write wins in Apply; a tombstone beats its upload, which loses its parts.
	older := rec("b", "k00001", 1, "m")
	newer := rec("b", "k00002", 99, "n")
	ended := Upload{Bucket: "b", Key: "mp", ID: "u1", Initiated: 3, Deleted: 50}
	n, err = b.Apply(ctx, 7, Batch{Records: []Record{older, newer}, Uploads: []Upload{ended}})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	got, err := b.GetRecord(ctx, 7, "b", "k00001")
	require.NoError(t, err)
	require.Equal(t, uint64(2), got.HLC)
	parts, _, err := b.ListParts(ctx, 7, "b", "mp", "u1", 0, 0)
	require.NoError(t, err)
	require.Empty(t, parts)
	n, err = b.Apply(ctx, 7, Batch{Uploads: []Upload{{Bucket: "b", Key: "mp", ID: "u1", Initiated: 3}}, Parts: batch.Parts})
	require.NoError(t, err)
	require.Zero(t, n, "an ended upload does not come back, nor do its parts")

	// Forget removes exactly what a summary lists, as listed.
	_, err = b.PutRecord(ctx, 7, rec("b", "k00003", 100, "n")) // changed since the summary
	require.NoError(t, err)
	removed, err := b.Forget(ctx, 7, sum)
	require.NoError(t, err)
	require.Equal(t, 5000-2+1, removed, "every version but the two changed since, and u0 but not u1, which has ended since")
	st, err := b.Stats(ctx)
	require.NoError(t, err)
	st.Usage = nil
	require.Equal(t, Stats{Versions: 2, UploadTombstones: 1}, st)
}

func TestUploadTombstones(t *testing.T) {
	ctx := context.Background()
	x := openTest(t)
	u := Upload{Bucket: "b", Key: "k", ID: "u", Initiated: 5, Meta: []byte("m")}
	pt := Part{Bucket: "b", Key: "k", UploadID: "u", Number: 1, HLC: 6}

	// An owner that missed the creation stores it with the first part.
	_, err := x.PutPart(ctx, 1, pt)
	require.ErrorIs(t, err, ErrNotFound)
	applied, err := x.PutUploadPart(ctx, 1, u, pt)
	require.NoError(t, err)
	require.True(t, applied)
	got, err := x.GetUpload(ctx, 1, "b", "k", "u")
	require.NoError(t, err)
	require.Equal(t, u, got)
	_, err = x.PutUploadPart(ctx, 1, Upload{Bucket: "b", Key: "k", ID: "other"}, pt)
	require.ErrorIs(t, err, ErrInvalidKey, "the part's own upload only")

	// The end is a tombstone: it drops the parts, refuses new ones, and is not undone
	// by the upload arriving again.
	require.NoError(t, x.PutUpload(ctx, 1, Upload{Bucket: "b", Key: "k", ID: "u", Initiated: 5, Deleted: 9}))
	require.NoError(t, x.PutUpload(ctx, 1, u))
	got, err = x.GetUpload(ctx, 1, "b", "k", "u")
	require.NoError(t, err)
	require.Equal(t, uint64(9), got.Deleted)
	require.Nil(t, got.Meta)
	_, err = x.PutUploadPart(ctx, 1, u, pt)
	require.ErrorIs(t, err, ErrNotFound)
	batches, err := x.ListUploads(ctx, []int{1}, ListQuery{Bucket: "b"})
	require.NoError(t, err)
	require.Len(t, batches[0].Uploads, 1, "listings carry tombstones for the merge")
	st, err := x.Stats(ctx)
	require.NoError(t, err)
	st.Usage = nil
	require.Equal(t, Stats{UploadTombstones: 1}, st)

	// Tombstones go by partition, each with its own cutoff.
	_, err = x.PutRecord(ctx, 1, Record{Bucket: "b", Key: "gone", HLC: 4, Node: "n", Tombstone: true})
	require.NoError(t, err)
	_, err = x.PutRecord(ctx, 2, Record{Bucket: "b", Key: "gone", HLC: 4, Node: "n", Tombstone: true})
	require.NoError(t, err)
	n, err := x.CollectTombstonesFunc(ctx, func(p int) uint64 {
		if p == 1 {
			return 10
		}
		return 0
	})
	require.NoError(t, err)
	require.Equal(t, 2, n, "partition 1's version and upload tombstones")
	st, err = x.Stats(ctx)
	require.NoError(t, err)
	st.Usage = nil
	require.Equal(t, Stats{Versions: 1, Tombstones: 1}, st)
}
