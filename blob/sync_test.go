package blob

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

func TestFence(t *testing.T) {
	known := uint64(2)
	f := newFence(func() uint64 { return known })
	require.ErrorIs(t, f.enter(1), ErrStaleLayout, "older than the node's own layout")
	require.NoError(t, f.enter(0), "repair and sync are exempt")
	require.NoError(t, f.enter(3), "a newer version from a request")
	f.leave(3)
	require.ErrorIs(t, f.enter(2), ErrStaleLayout, "once told of version 3, version 2 is stale")
	require.Equal(t, uint64(3), f.newest())

	// raise waits for the writes admitted under older versions.
	f2 := newFence(func() uint64 { return 1 })
	require.NoError(t, f2.enter(1))
	raised := make(chan error, 1)
	go func() { raised <- f2.raise(context.Background(), 2) }()
	require.Eventually(t, func() bool { return f2.newest() == 2 }, time.Second, time.Millisecond)
	require.ErrorIs(t, f2.enter(1), ErrStaleLayout, "refused at once")
	select {
	case <-raised:
		t.Fatal("raise returned with a write of version 1 in flight")
	case <-time.After(20 * time.Millisecond):
	}
	f2.leave(1)
	require.NoError(t, <-raised)

	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, f2.enter(2))
	cancel()
	require.ErrorIs(t, f2.raise(ctx, 3), context.Canceled)
}

func TestWireRoundTrip(t *testing.T) {
	rec := index.Record{Bucket: "b", Key: "k\x00?\xff", HLC: 1 << 60, Node: "n", Tombstone: true, Size: -1, ETag: "e",
		Meta: []byte{1}, Parts: []byte("[]"), Inline: []byte("in"), Blocks: []index.BlockRef{{Hash: [32]byte{9}, Size: 1 << 20}}}
	pt := index.Part{Bucket: "b", Key: "k", UploadID: "u", Number: 10000, HLC: 5, Size: 7, ETag: "e", Meta: []byte("{}"),
		Blocks: []index.BlockRef{{Hash: [32]byte{1}, Size: 3}, {Hash: [32]byte{2}, Size: 4}}}
	up := index.Upload{Bucket: "b", Key: "k", ID: "u", Initiated: 4, Deleted: 6}
	sum := index.Summary{
		Versions: []index.VersionStamp{{Bucket: "b", Key: "k", HLC: 1, Node: "n", Tombstone: true}},
		Uploads:  []index.UploadStamp{{Bucket: "b", Key: "k", ID: "u", Initiated: 2, Deleted: 3}},
		Parts:    []index.PartStamp{{Bucket: "b", Key: "k", UploadID: "u", Number: 4, HLC: 5}},
	}
	batch := index.Batch{Records: []index.Record{rec}, Uploads: []index.Upload{up}, Parts: []index.Part{pt}}
	q := index.ListQuery{Bucket: "b", Prefix: "p", Pos: index.Position{After: "a", Under: true, UploadID: "u"}, Limit: 7}
	msg := encoded(func(e *enc) {
		e.record(&rec)
		e.part(&pt)
		e.upload(&up)
		e.summary(&sum)
		e.batch(&batch)
		e.query(&q)
		e.ints([]int{0, -1, 65535})
		e.hashes([][32]byte{{1}, {2}})
		e.digests([]index.Digest{{Partition: 3, Sum: [32]byte{4}, Items: 5}})
	})
	require.NoError(t, decode(msg, func(d *dec) {
		require.Equal(t, rec, d.record())
		require.Equal(t, pt, d.part())
		require.Equal(t, up, d.upload())
		require.Equal(t, sum, d.summary())
		require.Equal(t, batch, d.batch())
		require.Equal(t, q, d.query())
		require.Equal(t, []int{0, -1, 65535}, d.ints())
		require.Equal(t, [][32]byte{{1}, {2}}, d.hashes())
		require.Equal(t, []index.Digest{{Partition: 3, Sum: [32]byte{4}, Items: 5}}, d.digests())
	}))
	// Every truncation fails cleanly; extra bytes are refused.
	for n := range msg {
		err := decode(msg[:n], func(d *dec) {
			d.record()
			d.part()
			d.upload()
			d.summary()
			d.batch()
			d.query()
			d.ints()
			d.hashes()
			d.digests()
		})
		require.ErrorIs(t, err, errWire, "truncated at %d", n)
	}
	require.ErrorIs(t, decode(append(encoded(func(e *enc) { e.int(1) }), 0), func(d *dec) { d.int() }), errWire)
}

func TestDiffSummaries(t *testing.T) {
	v := func(key string, hlc uint64, node string) index.VersionStamp {
		return index.VersionStamp{Bucket: "b", Key: key, HLC: hlc, Node: node}
	}
	ours := index.Summary{
		Versions: []index.VersionStamp{v("same", 1, "a"), v("newer-here", 5, "a"), v("older-here", 1, "a"), v("only-here", 1, "a"), v("tie", 3, "b")},
		Uploads:  []index.UploadStamp{{Bucket: "b", Key: "k", ID: "ended-here", Initiated: 1, Deleted: 2}, {Bucket: "b", Key: "k", ID: "live", Initiated: 1}},
		Parts:    []index.PartStamp{{Bucket: "b", Key: "k", UploadID: "live", Number: 1, HLC: 4}},
	}
	theirs := index.Summary{
		Versions: []index.VersionStamp{v("same", 1, "a"), v("newer-here", 4, "a"), v("older-here", 2, "a"), v("only-there", 1, "a"), v("tie", 3, "a")},
		Uploads:  []index.UploadStamp{{Bucket: "b", Key: "k", ID: "ended-here", Initiated: 1}, {Bucket: "b", Key: "k", ID: "live", Initiated: 1, Deleted: 9}},
		Parts:    []index.PartStamp{{Bucket: "b", Key: "k", UploadID: "live", Number: 1, HLC: 3}, {Bucket: "b", Key: "k", UploadID: "live", Number: 2, HLC: 3}},
	}
	tomb := func(s index.VersionStamp, changed uint64) index.VersionStamp {
		s.Tombstone, s.Changed = true, changed
		return s
	}
	attr := func(s index.VersionStamp, changed uint64) index.VersionStamp {
		s.Changed = changed
		return s
	}
	ours.Versions = append(ours.Versions, tomb(v("removed-here", 7, "a"), 9), attr(v("tagged-there", 7, "a"), 0))
	theirs.Versions = append(theirs.Versions, v("removed-here", 7, "a"), attr(v("tagged-there", 7, "a"), 8))
	want, give := diffSummaries(&ours, &theirs)
	// Versions are a union, slot by slot: each side gets every slot it lacks (the
	// receiver's null-version rule then keeps only the newest null record); a copy
	// of one slot wins by tombstone, then by its later attribute change.
	require.ElementsMatch(t, []index.VersionStamp{v("newer-here", 4, "a"), v("older-here", 2, "a"), v("only-there", 1, "a"), v("tie", 3, "a"),
		attr(v("tagged-there", 7, "a"), 8)}, want.Versions)
	require.ElementsMatch(t, []index.VersionStamp{v("newer-here", 5, "a"), v("older-here", 1, "a"), v("only-here", 1, "a"), v("tie", 3, "b"),
		tomb(v("removed-here", 7, "a"), 9)}, give.Versions)
	require.Equal(t, "live", want.Uploads[0].ID, "their tombstone wins")
	require.Equal(t, "ended-here", give.Uploads[0].ID, "our tombstone wins")
	require.Len(t, want.Uploads, 1)
	require.Len(t, give.Uploads, 1)
	require.Equal(t, []int{2}, []int{want.Parts[0].Number})
	require.Equal(t, []int{1}, []int{give.Parts[0].Number})

	chunks := chunkSummary(want, 1)
	require.Len(t, chunks, want.Len())
	first, second := splitBatch(index.Batch{Records: make([]index.Record, 3), Uploads: make([]index.Upload, 1), Parts: make([]index.Part, 2)})
	require.Equal(t, 3, first.Len())
	require.Equal(t, 3, second.Len())
	require.Len(t, second.Uploads, 1, "uploads stay ahead of parts")
}

func TestDiffHashes(t *testing.T) {
	h := func(b byte) [32]byte { return [32]byte{b} }
	missing, lacking := diffHashes([][32]byte{h(1), h(3), h(5)}, [][32]byte{h(2), h(3), h(6), h(7)})
	require.Equal(t, [][32]byte{h(2), h(6), h(7)}, missing)
	require.Equal(t, [][32]byte{h(1), h(5)}, lacking)
}

func TestNoLayoutFailsWithNoQuorum(t *testing.T) {
	cfg := testConfig(t)
	cfg.Layouts = func() []*layout.Layout { return nil }
	s := openStore(t, cfg)
	_, err := s.OpenObject(context.Background(), "b", "k")
	require.True(t, errors.Is(err, ErrNoQuorum), "no layout yet is unavailable: %v", err)
}
