package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/checksum"
)

// Tests use small blocks so that multi-block objects stay small.
const (
	testBlock  = 4096
	testInline = 512
)

// fakeClock is a wall clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testConfig(t testing.TB) Config {
	return Config{
		NodeID:      "node-1",
		Dir:         t.TempDir(),
		BlockSize:   testBlock,
		InlineLimit: testInline,
		MinPartSize: 2 * testBlock,
		GCInterval:  -1,
		// Anti-entropy rounds and scrubs run only where a test asks for them.
		SyncInterval:  -1,
		ScrubInterval: -1,
		Logger:        slog.New(slog.DiscardHandler),
	}
}

func openStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func newStore(t testing.TB) *Store { return openStore(t, testConfig(t)) }

func randBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func put(t testing.TB, s *Store, bucket, key string, data []byte) ObjectInfo {
	t.Helper()
	info, err := s.PutObject(context.Background(), PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(data)})
	require.NoError(t, err)
	return info
}

func readRange(t testing.TB, s *Store, bucket, key string, off, length int64) []byte {
	t.Helper()
	o, err := s.OpenObject(context.Background(), bucket, key)
	require.NoError(t, err)
	r, err := o.NewReader(context.Background(), off, length)
	require.NoError(t, err)
	defer r.Close()
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	return got
}

func get(t testing.TB, s *Store, bucket, key string) []byte {
	t.Helper()
	return readRange(t, s, bucket, key, 0, -1)
}

func blockCount(t testing.TB, s *Store) int64 {
	t.Helper()
	st, err := s.blocks.Stats()
	require.NoError(t, err)
	return st.Count
}

func TestPutGetInline(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	data := []byte("hello, cairn")
	sealed := false
	info, err := s.PutObject(ctx, PutInput{
		Bucket: "b", Key: "greeting.txt", Body: bytes.NewReader(data),
		Headers:  Headers{ContentType: "text/plain", CacheControl: "no-cache"},
		UserMeta: map[string]string{"color": "blue"},
		Seal: func(sum []byte, size int64) (checksum.Checksum, error) {
			sealed = true
			require.Equal(t, md5hex(data), hex.EncodeToString(sum))
			require.EqualValues(t, len(data), size)
			return checksum.Checksum{Algorithm: checksum.CRC32, Value: checksum.CRC32.Sum(data), Type: checksum.FullObject}, nil
		},
	})
	require.NoError(t, err)
	require.True(t, sealed)
	require.Equal(t, md5hex(data), info.ETag)
	require.EqualValues(t, len(data), info.Size)
	require.Equal(t, NullVersion, info.VersionID)
	require.WithinDuration(t, time.Now(), info.LastModified, 5*time.Second)
	require.Zero(t, blockCount(t, s), "small objects live in their record")

	o, err := s.OpenObject(ctx, "b", "greeting.txt")
	require.NoError(t, err)
	require.Equal(t, info, o.Info)
	require.Equal(t, "text/plain", o.Info.Headers.ContentType)
	require.Equal(t, map[string]string{"color": "blue"}, o.Info.UserMeta)
	require.Equal(t, checksum.CRC32.Sum(data), o.Info.Checksum.Value)
	require.Equal(t, data, get(t, s, "b", "greeting.txt"))

	_, err = s.OpenObject(ctx, "b", "greeting")
	require.ErrorIs(t, err, ErrNoSuchKey)
	_, err = s.OpenObject(ctx, "other", "greeting.txt")
	require.ErrorIs(t, err, ErrNoSuchKey)
}

func TestPutEmptyObject(t *testing.T) {
	s := newStore(t)
	_, err := s.PutObject(context.Background(), PutInput{Bucket: "b", Key: "nil-body"})
	require.NoError(t, err, "a nil body is an empty one")
	info := put(t, s, "b", "empty", nil)
	require.Equal(t, md5hex(nil), info.ETag)
	require.Zero(t, info.Size)
	require.Empty(t, get(t, s, "b", "empty"))
}

func TestPutGetMultiBlock(t *testing.T) {
	s := newStore(t)
	for _, n := range []int{testInline + 1, testBlock, testBlock + 1, 10*testBlock + 123, 16 * testBlock} {
		data := randBytes(n, uint64(n))
		info := put(t, s, "b", "obj", data)
		require.Equal(t, md5hex(data), info.ETag)
		require.Equal(t, data, get(t, s, "b", "obj"), "size %d", n)
	}
	require.NoError(t, s.Close())
}

func TestDedupIdenticalBlocks(t *testing.T) {
	s := newStore(t)
	data := bytes.Repeat(randBytes(testBlock, 1), 8)
	put(t, s, "b", "a", data)
	put(t, s, "b", "b", data)
	require.EqualValues(t, 1, blockCount(t, s), "eight identical blocks in two objects are stored once")
	require.Equal(t, data, get(t, s, "b", "b"))
}

func TestRanges(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	big := randBytes(5*testBlock+100, 7)
	small := randBytes(300, 8)
	put(t, s, "b", "big", big)
	put(t, s, "b", "small", small)
	type rng struct{ off, length int64 }
	for name, data := range map[string][]byte{"big": big, "small": small} {
		size := int64(len(data))
		cases := []rng{
			{0, -1}, {0, size}, {0, 1}, {size - 1, 1}, {size - 1, -1}, {size, -1}, {size, 0},
			{1, 10}, {0, 0}, {10, size}, // past the end is cut short
		}
		if name == "big" {
			cases = append(cases,
				rng{testBlock - 1, 2},                 // across one boundary
				rng{testBlock, testBlock},             // exactly one block
				rng{testBlock - 10, 3*testBlock + 20}, // across several
				rng{2*testBlock + 5, -1},
				rng{4 * testBlock, 100})
		}
		for _, c := range cases {
			end := size
			if c.length >= 0 {
				end = min(c.off+c.length, size)
			}
			require.Equal(t, data[c.off:end], readRange(t, s, "b", name, c.off, c.length), "%s %+v", name, c)
		}
		o, err := s.OpenObject(ctx, "b", name)
		require.NoError(t, err)
		for _, c := range []rng{{-1, 1}, {size + 1, -1}, {0, -2}} {
			_, err := o.NewReader(ctx, c.off, c.length)
			require.ErrorIs(t, err, ErrInvalidRange, "%+v", c)
		}
	}
}

func TestReaderStopsOnCancelAndClose(t *testing.T) {
	s := newStore(t)
	put(t, s, "b", "k", randBytes(20*testBlock, 3))
	o, err := s.OpenObject(context.Background(), "b", "k")
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	r, err := o.NewReader(ctx, 0, -1)
	require.NoError(t, err)
	buf := make([]byte, 100)
	_, err = io.ReadFull(r, buf)
	require.NoError(t, err)
	cancel()
	_, err = io.ReadAll(r)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, r.Close())

	r, err = o.NewReader(context.Background(), 0, -1)
	require.NoError(t, err)
	require.NoError(t, r.Close(), "closing before reading stops the read ahead")
}

func TestOverwrite(t *testing.T) {
	s := newStore(t)
	put(t, s, "b", "k", randBytes(3*testBlock, 1))
	second := []byte("now small")
	info := put(t, s, "b", "k", second)
	require.Equal(t, second, get(t, s, "b", "k"))
	o, err := s.OpenObject(context.Background(), "b", "k")
	require.NoError(t, err)
	require.Equal(t, info.HLC, o.Info.HLC)
	st, err := s.idx.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, st.Versions, "an unversioned key keeps its newest record only")
}

func TestDelete(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, "b", "k", []byte("x"))
	require.NoError(t, s.DeleteObject(ctx, "b", "k"))
	_, err := s.OpenObject(ctx, "b", "k")
	require.ErrorIs(t, err, ErrNoSuchKey)
	require.NoError(t, s.DeleteObject(ctx, "b", "k"), "deleting a missing key is not an error")
	require.NoError(t, s.DeleteObject(ctx, "b", "never-was"))
	res, err := s.ListObjects(ctx, ListInput{Bucket: "b"})
	require.NoError(t, err)
	require.Empty(t, res.Objects)

	put(t, s, "b", "k", []byte("back"))
	require.Equal(t, []byte("back"), get(t, s, "b", "k"), "a newer put after a delete is visible")
}

func TestCopyObjectSharesBlocks(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	data := randBytes(6*testBlock+7, 11)
	put(t, s, "b", "src", data)
	before := blockCount(t, s)

	src, err := s.OpenObject(ctx, "b", "src")
	require.NoError(t, err)
	info, err := s.CopyObject(ctx, CopyInput{
		Src: src, Bucket: "b2", Key: "dst",
		Headers: Headers{ContentType: "application/x-copy"}, UserMeta: map[string]string{"a": "1"},
	})
	require.NoError(t, err)
	require.Equal(t, before, blockCount(t, s), "a copy writes no block")
	require.Equal(t, src.Info.ETag, info.ETag)
	require.Greater(t, info.HLC, src.Info.HLC)
	require.Equal(t, data, get(t, s, "b2", "dst"))
	o, err := s.OpenObject(ctx, "b2", "dst")
	require.NoError(t, err)
	require.Equal(t, "application/x-copy", o.Info.Headers.ContentType)

	// The copy does not depend on the source's record.
	require.NoError(t, s.DeleteObject(ctx, "b", "src"))
	require.Equal(t, data, get(t, s, "b2", "dst"))

	// An inline object copies too.
	put(t, s, "b", "tiny", []byte("tiny"))
	tiny, err := s.OpenObject(ctx, "b", "tiny")
	require.NoError(t, err)
	_, err = s.CopyObject(ctx, CopyInput{Src: tiny, Bucket: "b", Key: "tiny2"})
	require.NoError(t, err)
	require.Equal(t, []byte("tiny"), get(t, s, "b", "tiny2"))
}

// sealError is an error type the caller recognises with errors.As.
type sealError struct{ code string }

func (e *sealError) Error() string { return "seal: " + e.code }

func TestSealErrorLeavesNothingVisible(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	put(t, s, "b", "k", []byte("old"))
	for _, n := range []int{10, 5 * testBlock} {
		_, err := s.PutObject(ctx, PutInput{
			Bucket: "b", Key: "k", Body: bytes.NewReader(randBytes(n, 1)),
			Seal: func([]byte, int64) (checksum.Checksum, error) { return checksum.Checksum{}, &sealError{"BadDigest"} },
		})
		var se *sealError
		require.ErrorAs(t, err, &se)
		require.Equal(t, "BadDigest", se.code)
		require.Equal(t, []byte("old"), get(t, s, "b", "k"), "the old object stays")

		_, err = s.PutObject(ctx, PutInput{
			Bucket: "b", Key: "new", Body: bytes.NewReader(randBytes(n, 1)),
			Seal: func([]byte, int64) (checksum.Checksum, error) { return checksum.Checksum{}, &sealError{"x"} },
		})
		require.Error(t, err)
		_, err = s.OpenObject(ctx, "b", "new")
		require.ErrorIs(t, err, ErrNoSuchKey)
	}
}

// failingReader returns n bytes and then err.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestBodyReadErrorLeavesNothingVisible(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	errBody := errors.New("client went away")
	for _, n := range []int{0, 100, 10 * testBlock, 10*testBlock + 1} {
		_, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: "k", Body: &failingReader{bytes.NewReader(randBytes(n, 2)), errBody}})
		require.ErrorIs(t, err, errBody)
		_, err = s.OpenObject(ctx, "b", "k")
		require.ErrorIs(t, err, ErrNoSuchKey)
	}
}

// cancellingReader cancels its context after a number of bytes.
type cancellingReader struct {
	r      io.Reader
	after  int
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.after -= n; c.after <= 0 {
		c.cancel()
	}
	return n, err
}

func TestCancelledPutLeavesNothingVisible(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	data := randBytes(10*testBlock, 4)
	_, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: "k", Body: &cancellingReader{bytes.NewReader(data), 3 * testBlock, cancel}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.OpenObject(context.Background(), "b", "k")
	require.ErrorIs(t, err, ErrNoSuchKey)
}

func TestInvalidKeys(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for _, key := range []string{"", "a\x00b"} {
		_, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: key, Body: bytes.NewReader(nil)})
		require.ErrorIs(t, err, ErrInvalidKey)
		_, err = s.OpenObject(ctx, "b", key)
		require.ErrorIs(t, err, ErrInvalidKey)
		require.ErrorIs(t, s.DeleteObject(ctx, "b", key), ErrInvalidKey)
		_, err = s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: key})
		require.ErrorIs(t, err, ErrInvalidKey)
	}
}

func TestCorruptBlockIsDetected(t *testing.T) {
	s := newStore(t)
	data := randBytes(3*testBlock, 5)
	put(t, s, "b", "k", data)
	o, err := s.OpenObject(context.Background(), "b", "k")
	require.NoError(t, err)
	var victim block.Info
	require.NoError(t, s.blocks.Walk(func(i block.Info) error { victim = i; return nil }))
	name := hex.EncodeToString(victim.Hash[:])
	file := filepath.Join(s.cfg.Dir, "blocks", name[:2], name[2:4], name)
	require.NoError(t, os.WriteFile(file, bytes.Repeat([]byte{0}, int(victim.Size)), 0o600))

	// The bad block may be the first, which NewReader reads before it returns.
	r, err := o.NewReader(context.Background(), 0, -1)
	if err == nil {
		_, err = io.ReadAll(r)
		require.NoError(t, r.Close())
	}
	require.ErrorIs(t, err, block.ErrCorrupt)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestCorruptFirstBlockFailsNewReader(t *testing.T) {
	s := newStore(t)
	data := randBytes(3*testBlock, 6)
	put(t, s, "b", "k", data)
	o, err := s.OpenObject(context.Background(), "b", "k")
	require.NoError(t, err)
	ref := o.blocks[1]
	name := hex.EncodeToString(ref.Hash[:])
	file := filepath.Join(s.cfg.Dir, "blocks", name[:2], name[2:4], name)
	require.NoError(t, os.WriteFile(file, bytes.Repeat([]byte{1}, int(ref.Size)), 0o600))

	// A range starting in the bad block fails before any byte is handed out; one
	// before it starts, and fails when it reaches it.
	_, err = o.NewReader(context.Background(), testBlock+10, 100)
	require.ErrorIs(t, err, ErrCorrupt)
	r, err := o.NewReader(context.Background(), 0, -1)
	require.NoError(t, err)
	_, err = io.ReadAll(r)
	require.ErrorIs(t, err, ErrCorrupt) // quarantined by the first read: gone now
	require.NoError(t, r.Close())
}

func TestReopenKeepsEverything(t *testing.T) {
	cfg := testConfig(t)
	s, err := Open(cfg)
	require.NoError(t, err)
	ctx := context.Background()
	big := randBytes(7*testBlock, 9)
	put(t, s, "b", "big", big)
	put(t, s, "b", "small", []byte("small"))
	require.NoError(t, s.DeleteObject(ctx, "b", "gone"))
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "mp"})
	require.NoError(t, err)
	_, err = s.UploadPart(ctx, UploadPartInput{Bucket: "b", Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader([]byte("p1"))})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "closing twice is harmless")
	_, err = s.OpenObject(ctx, "b", "big")
	require.ErrorIs(t, err, ErrClosed)

	// A write a crash interrupted leaves a temp file; Open removes it.
	require.NoError(t, os.WriteFile(filepath.Join(cfg.Dir, "tmp", "deadbeef.1"), []byte("half"), 0o600))
	s = openStore(t, cfg)
	require.Equal(t, big, get(t, s, "b", "big"))
	require.Equal(t, []byte("small"), get(t, s, "b", "small"))
	parts, err := s.ListParts(ctx, "b", "mp", up.UploadID, 0, 0)
	require.NoError(t, err)
	require.Len(t, parts.Parts, 1)
	tmp, err := os.ReadDir(filepath.Join(cfg.Dir, "tmp"))
	require.NoError(t, err)
	require.Empty(t, tmp)
}

func TestConfigValidate(t *testing.T) {
	_, err := Open(Config{Dir: t.TempDir()})
	require.ErrorContains(t, err, "NodeID")
	_, err = Open(Config{NodeID: "n", Dir: t.TempDir(), BlockSize: 100, InlineLimit: 200})
	require.ErrorContains(t, err, "InlineLimit")
	cfg := DefaultConfig()
	cfg.NodeID, cfg.Dir = "n", t.TempDir()
	require.NoError(t, cfg.withDefaults().Validate())
}
