package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
)

func gcStore(t *testing.T) (*Store, *fakeClock) {
	clock := newFakeClock()
	cfg := testConfig(t)
	cfg.Now = clock.Now
	cfg.GCGrace, cfg.OrphanGrace = time.Hour, time.Hour
	return openStore(t, cfg), clock
}

func collect(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.CollectGarbage(context.Background())
	require.NoError(t, err)
	return n
}

func TestGCRemovesOrphansOnlyAfterGrace(t *testing.T) {
	s, clock := gcStore(t)
	ctx := context.Background()

	// Referenced: a live object and a part of an upload in progress.
	live := randBytes(3*testBlock, 1)
	put(t, s, "b", "live", live)
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "mp"})
	require.NoError(t, err)
	inProgress := randBytes(2*testBlock, 2)
	uploadParts(t, s, up, inProgress)
	referenced := blockCount(t, s)
	require.EqualValues(t, 5, referenced)

	// Orphans: a put whose body failed, an overwritten object, an aborted upload.
	_, err = s.PutObject(ctx, PutInput{Bucket: "b", Key: "failed", Body: &failingReader{bytes.NewReader(randBytes(4*testBlock, 3)), errors.New("boom")}})
	require.Error(t, err)
	put(t, s, "b", "over", randBytes(2*testBlock, 4))
	put(t, s, "b", "over", []byte("small now"))
	up2, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "aborted"})
	require.NoError(t, err)
	uploadParts(t, s, up2, randBytes(testBlock, 5))
	require.NoError(t, s.AbortUpload(ctx, "b", "aborted", up2.UploadID))
	// The failed put's blocks in flight when it failed were cancelled, or not.
	orphans := int(blockCount(t, s) - referenced)
	require.GreaterOrEqual(t, orphans, 3)

	require.Zero(t, collect(t, s), "nothing is removed within the grace period")
	clock.Advance(30 * time.Minute)
	require.Zero(t, collect(t, s))
	clock.Advance(31 * time.Minute)
	require.Equal(t, orphans, collect(t, s), "orphans go once unreferenced for the grace period")
	require.Equal(t, referenced, blockCount(t, s))
	require.Equal(t, live, get(t, s, "b", "live"))
	parts, err := s.ListParts(ctx, "b", "mp", up.UploadID, 0, 0)
	require.NoError(t, err)
	_, err = s.CompleteUpload(ctx, "b", "mp", up.UploadID, []CompletePart{{PartNumber: 1, ETag: parts.Parts[0].ETag}})
	require.NoError(t, err)
	require.Equal(t, inProgress, get(t, s, "b", "mp"))
	clock.Advance(2 * time.Hour)
	require.Zero(t, collect(t, s), "referenced blocks are never removed")
	require.Equal(t, inProgress, get(t, s, "b", "mp"))
}

func TestGCKeepsOpenedObjectReadableForGrace(t *testing.T) {
	s, clock := gcStore(t)
	ctx := context.Background()
	old := randBytes(4*testBlock, 1)
	put(t, s, "b", "k", old)
	clock.Advance(2 * time.Hour) // the blocks' files are old by now
	o, err := s.OpenObject(ctx, "b", "k")
	require.NoError(t, err)
	put(t, s, "b", "k", []byte("replaced"))

	require.Zero(t, collect(t, s), "just unreferenced: the grace period starts now")
	read := func() ([]byte, error) {
		r, err := o.NewReader(ctx, 0, -1)
		if err != nil {
			return nil, err // the first block is read before NewReader returns
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	got, err := read()
	require.NoError(t, err)
	require.Equal(t, old, got)

	clock.Advance(61 * time.Minute)
	require.Equal(t, 4, collect(t, s))
	_, err = read()
	require.ErrorIs(t, err, block.ErrNotFound)
}

func TestGCSparesPinnedBlocks(t *testing.T) {
	s, clock := gcStore(t)
	data := randBytes(testBlock, 9)
	h := block.Sum(data)
	require.NoError(t, s.blocks.Put(h, data)) // written, its record not yet committed
	s.pins.pin(h)
	require.Zero(t, collect(t, s))
	clock.Advance(2 * time.Hour)
	require.Zero(t, collect(t, s), "a write in flight keeps its blocks")
	s.pins.unpin(h)
	require.Equal(t, 1, collect(t, s))
}

func TestGCDropsOldTombstones(t *testing.T) {
	s, clock := gcStore(t)
	ctx := context.Background()
	put(t, s, "b", "k", []byte("x"))
	require.NoError(t, s.DeleteObject(ctx, "b", "k"))
	collect(t, s)
	st, err := s.idx.Stats(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, st.Tombstones)
	clock.Advance(25 * time.Hour)
	collect(t, s)
	st, err = s.idx.Stats(ctx)
	require.NoError(t, err)
	require.Zero(t, st.Versions)
}

func TestBackgroundGC(t *testing.T) {
	clock := newFakeClock()
	cfg := testConfig(t)
	cfg.Now = clock.Now
	cfg.GCInterval = 5 * time.Millisecond
	s := openStore(t, cfg)
	put(t, s, "b", "k", randBytes(2*testBlock, 1))
	require.NoError(t, s.DeleteObject(context.Background(), "b", "k"))
	// The first run notes the orphans; the grace period passes; a later run removes them.
	require.Eventually(t, func() bool { s.gc.mu.Lock(); defer s.gc.mu.Unlock(); return len(s.gc.since) == 2 }, 10*time.Second, 5*time.Millisecond)
	clock.Advance(2 * time.Hour)
	require.Eventually(t, func() bool { return blockCount(t, s) == 0 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, s.Close(), "Close stops the collector")
}
