package bench

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return b
}

func TestPayloadIsDeterministic(t *testing.T) {
	seed := keySeed("bench/abcd/0000000001.300000")
	a := readAll(t, newPayload(seed, 0, 300_000))
	b := readAll(t, newPayload(seed, 0, 300_000))
	require.Len(t, a, 300_000)
	assert.Equal(t, a, b)

	other := readAll(t, newPayload(keySeed("bench/abcd/0000000002.300000"), 0, 300_000))
	assert.NotEqual(t, a, other)
	assert.Equal(t, payloadSHA256(seed, 300_000), sha256.Sum256(a))
}

func TestPayloadSectionsMatchWhole(t *testing.T) {
	seed := uint64(7)
	whole := readAll(t, newPayload(seed, 0, 1<<20))
	for _, sec := range [][2]int64{{0, 1}, {5, 10}, {chunkSize - 3, 10}, {chunkSize, chunkSize}, {123457, 300000}} {
		got := readAll(t, newPayload(seed, sec[0], sec[1]))
		assert.Equal(t, whole[sec[0]:sec[0]+sec[1]], got, "section %v", sec)
	}
}

func TestPayloadSeeks(t *testing.T) {
	p := newPayload(9, 1000, 5000)
	first := readAll(t, p)
	require.Len(t, first, 5000)
	pos, err := p.Seek(0, io.SeekStart)
	require.NoError(t, err)
	assert.Zero(t, pos)
	assert.Equal(t, first, readAll(t, p))

	pos, err = p.Seek(-100, io.SeekEnd)
	require.NoError(t, err)
	assert.Equal(t, int64(4900), pos)
	assert.Equal(t, first[4900:], readAll(t, p))

	_, err = p.Seek(-1, io.SeekStart)
	assert.Error(t, err)
}

// A block-deduplicating store must not gain anything: no two 64 KiB chunks of
// an object are alike, nor two 1 MiB blocks.
func TestPayloadDoesNotRepeat(t *testing.T) {
	data := readAll(t, newPayload(keySeed("k"), 0, 16<<20))
	seen := map[[32]byte]bool{}
	for off := 0; off < len(data); off += chunkSize {
		sum := sha256.Sum256(data[off : off+chunkSize])
		assert.False(t, seen[sum], "chunk at %d repeats", off)
		seen[sum] = true
	}
	assert.False(t, bytes.Equal(data[:1<<20], data[1<<20:2<<20]))
}

func TestPayloadSmallObjectsDiffer(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		tg := &target{keyPrefix: "p/"}
		b := readAll(t, newPayload(keySeed(tg.objectKey(int64(i), 16)), 0, 16))
		assert.False(t, seen[string(b)])
		seen[string(b)] = true
	}
}

func BenchmarkPayloadRead(b *testing.B) {
	buf := make([]byte, 32<<10)
	b.SetBytes(16 << 20)
	for b.Loop() {
		p := newPayload(1, 0, 16<<20)
		for {
			if _, err := p.Read(buf); err == io.EOF {
				break
			}
		}
	}
}
