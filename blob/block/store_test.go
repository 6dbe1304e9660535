package block

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPutGet(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := []byte("hello, block")
	h := Sum(data)

	ok, err := s.Has(h)
	require.NoError(t, err)
	require.False(t, ok)
	_, err = s.Get(h)
	require.ErrorIs(t, err, ErrNotFound)

	require.NoError(t, s.Put(h, data))
	got, err := s.Get(h)
	require.NoError(t, err)
	require.Equal(t, data, got)
	ok, err = s.Has(h)
	require.NoError(t, err)
	require.True(t, ok)

	name := filepath.Base(s.path(h))
	require.Equal(t, filepath.Join(s.blocks, name[:2], name[2:4], name), s.path(h))
	_, err = os.Stat(s.path(h))
	require.NoError(t, err)

	require.NoError(t, s.Delete(h))
	require.NoError(t, s.Delete(h), "deleting a missing block is not an error")
	_, err = s.Get(h)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestPutDedup(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := bytes.Repeat([]byte{7}, 1000)
	h := Sum(data)
	require.NoError(t, s.Put(h, data))
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(s.path(h), old, old))

	require.NoError(t, s.Put(h, data))
	st, err := s.Stats()
	require.NoError(t, err)
	require.Equal(t, Stats{Count: 1, Bytes: 1000 + TrailerSize}, st)

	fi, err := os.Stat(s.path(h))
	require.NoError(t, err)
	require.True(t, fi.ModTime().After(old.Add(time.Hour)), "a dedup hit refreshes the block's time")
	tmp, err := os.ReadDir(s.tmp)
	require.NoError(t, err)
	require.Empty(t, tmp)
}

func TestCorruptionDetected(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := []byte("some bytes that will rot")
	h := Sum(data)
	require.NoError(t, s.Put(h, data))

	bad := append([]byte(nil), data...)
	bad[3] ^= 0x40
	require.NoError(t, os.WriteFile(s.path(h), bad, 0o600))
	_, err = s.Get(h)
	require.ErrorIs(t, err, ErrCorrupt)

	require.NoError(t, s.Quarantine(h))
	_, err = s.Get(h)
	require.ErrorIs(t, err, ErrNotFound)
	q, err := os.ReadDir(s.corrupt)
	require.NoError(t, err)
	require.Len(t, q, 1)

	require.NoError(t, s.Put(h, data), "a good copy repairs the block")
	got, err := s.Get(h)
	require.NoError(t, err)
	require.Equal(t, data, got)
}

func TestOpenRemovesTempFiles(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, nil)
	require.NoError(t, err)
	// A write interrupted before its rename leaves a temp file behind.
	require.NoError(t, os.WriteFile(filepath.Join(s.tmp, "abc.123"), []byte("partial"), 0o600))

	s, err = Open(dir, nil)
	require.NoError(t, err)
	entries, err := os.ReadDir(s.tmp)
	require.NoError(t, err)
	require.Empty(t, entries)
}

func TestWalkAndStats(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	want := map[Hash]int64{}
	for i := range 50 {
		data := bytes.Repeat([]byte{byte(i)}, i+1)
		h := Sum(data)
		require.NoError(t, s.Put(h, data))
		want[h] = int64(len(data)) + TrailerSize // the size of the file
	}
	// A stray file is not a block.
	require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(s.path(Sum([]byte{0}))), "junk"), nil, 0o600))

	got := map[Hash]int64{}
	require.NoError(t, s.Walk(func(i Info) error {
		got[i.Hash] = i.Size
		return nil
	}))
	require.Equal(t, want, got)

	st, err := s.Stats()
	require.NoError(t, err)
	require.EqualValues(t, 50, st.Count)
	require.EqualValues(t, 50*51/2+50*TrailerSize, st.Bytes)

	stop := errors.New("stop")
	n := 0
	err = s.Walk(func(Info) error { n++; return stop })
	require.ErrorIs(t, err, stop)
	require.Equal(t, 1, n)
}

func TestDeleteIfOlder(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := []byte("garbage")
	h := Sum(data)
	require.NoError(t, s.Put(h, data))

	removed, err := s.DeleteIfOlder(h, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.False(t, removed, "a fresh block is kept")

	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(s.path(h), old, old))
	removed, err = s.DeleteIfOlder(h, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	require.True(t, removed)
	ok, err := s.Has(h)
	require.NoError(t, err)
	require.False(t, ok)
}

func BenchmarkPut1MiB(b *testing.B) {
	s, err := Open(b.TempDir(), nil)
	require.NoError(b, err)
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		data[0], data[1], data[2] = byte(i), byte(i>>8), byte(i>>16)
		if err := s.Put(Sum(data), data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBlockFileCarriesItsChecksum(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	h := Sum(data)
	require.NoError(t, s.Put(h, data))
	raw, err := os.ReadFile(s.path(h))
	require.NoError(t, err)
	require.Len(t, raw, len(data)+TrailerSize)
	require.Equal(t, data, raw[:len(data)])
	require.NoError(t, s.Verify(h, nil))

	// Any bit flipped, in the bytes or the trailer, fails the read and the scrub.
	for _, at := range []int{0, len(data) / 2, len(data) - 1, len(data) + 3, len(raw) - 1} {
		bad := bytes.Clone(raw)
		bad[at] ^= 0x04
		require.NoError(t, os.WriteFile(s.path(h), bad, 0o600))
		_, err := s.Get(h)
		require.ErrorIs(t, err, ErrCorrupt, "flip at %d", at)
		require.ErrorIs(t, s.Verify(h, nil), ErrCorrupt, "flip at %d", at)
	}
}

func TestBlockFileWithoutTrailerStillReads(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := bytes.Repeat([]byte{9}, 5000)
	h := Sum(data)
	// As a release before trailers wrote it: the bare bytes.
	require.NoError(t, s.ensureDir(s.path(h)))
	require.NoError(t, os.WriteFile(s.path(h), data, 0o600))
	buf := make([]byte, 0, 8192)
	got, err := s.GetInto(h, buf)
	require.NoError(t, err)
	require.Equal(t, data, got)
	require.Same(t, &buf[:1][0], &got[0], "read into the caller's buffer")
	require.NoError(t, s.Verify(h, nil))

	data[100] ^= 1
	require.NoError(t, os.WriteFile(s.path(h), data, 0o600))
	_, err = s.Get(h)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorIs(t, s.Verify(h, nil), ErrCorrupt)

	// A block whose own last 16 bytes are a trailer of the bytes before them (but
	// cannot name the block itself) is still read whole, by its SHA-256.
	body := bytes.Repeat([]byte{3}, 100)
	tr := trailer(Sum(body), body)
	tricky := append(bytes.Clone(body), tr[:]...)
	th := Sum(tricky)
	require.NoError(t, s.ensureDir(s.path(th)))
	require.NoError(t, os.WriteFile(s.path(th), tricky, 0o600))
	got, err = s.Get(th)
	require.NoError(t, err)
	require.Equal(t, tricky, got)
}

// BenchmarkGet1MiB reads a 1 MiB block with its trailer (checked by XXH3-64) and
// without (a file from before trailers, checked by SHA-256), into a reused buffer.
func BenchmarkGet1MiB(b *testing.B) {
	s, err := Open(b.TempDir(), nil)
	require.NoError(b, err)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	h := Sum(data)
	require.NoError(b, s.Put(h, data))
	legacy := append(bytes.Clone(data), 1)
	lh := Sum(legacy)
	require.NoError(b, s.ensureDir(s.path(lh)))
	require.NoError(b, os.WriteFile(s.path(lh), legacy, 0o600))
	buf := make([]byte, 0, 2<<20)
	for _, c := range []struct {
		name string
		h    Hash
	}{{"trailer-xxh3", h}, {"legacy-sha256", lh}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := s.GetInto(c.h, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestScrubGivesAnOldBlockFileItsTrailer(t *testing.T) {
	s, err := Open(t.TempDir(), nil)
	require.NoError(t, err)
	data := bytes.Repeat([]byte{5}, 3000)
	h := Sum(data)
	require.NoError(t, s.ensureDir(s.path(h)))
	require.NoError(t, os.WriteFile(s.path(h), data, 0o600))
	old := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(s.path(h), old, old))

	n, err := s.Scrub(h, nil)
	require.NoError(t, err)
	require.EqualValues(t, len(data), n)
	raw, err := os.ReadFile(s.path(h))
	require.NoError(t, err)
	got, ok := split(h, raw)
	require.True(t, ok, "the file now carries its trailer")
	require.Equal(t, data, got)
	fi, err := os.Stat(s.path(h))
	require.NoError(t, err)
	require.True(t, fi.ModTime().Equal(old), "the garbage collector's clock is kept")

	// A bad old file is reported, not rewritten.
	bad := Sum([]byte("other"))
	require.NoError(t, s.ensureDir(s.path(bad)))
	require.NoError(t, os.WriteFile(s.path(bad), data, 0o600))
	_, err = s.Scrub(bad, nil)
	require.ErrorIs(t, err, ErrCorrupt)
	raw, err = os.ReadFile(s.path(bad))
	require.NoError(t, err)
	require.Equal(t, data, raw)
}
