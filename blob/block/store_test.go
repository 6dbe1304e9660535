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
	require.Equal(t, Stats{Count: 1, Bytes: 1000}, st)

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
		want[h] = int64(len(data))
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
	require.EqualValues(t, 50*51/2, st.Bytes)

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
