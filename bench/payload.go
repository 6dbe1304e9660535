package bench

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"sync"
)

// Object contents are a pure function of (seed, position), the seed being a hash
// of the key, so a GET can be verified without remembering what was uploaded.
//
// An object is a sequence of 64 KiB chunks. Chunk c is a 64 KiB window of a shared
// random buffer at an offset drawn from (seed, c), with its first 8 bytes replaced
// by a tag drawn from (seed, c). Generating it costs a memory copy, and no two
// chunks or objects are alike, so a store that deduplicates or compresses blocks
// gains nothing and large objects never repeat at the block size.
const (
	chunkSize   = 64 << 10
	payloadBase = 1<<20 + chunkSize
)

var (
	baseOnce sync.Once
	baseBuf  []byte
)

// randomBase returns the shared random buffer. Its fixed seed keeps contents
// identical across processes, so objects left by --keep can be verified later.
func randomBase() []byte {
	baseOnce.Do(func() {
		baseBuf = make([]byte, payloadBase)
		var seed [32]byte
		copy(seed[:], "cairn bench payload, version 1.")
		_, _ = rand.NewChaCha8(seed).Read(baseBuf)
	})
	return baseBuf
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// keySeed derives an object's content seed from its key.
func keySeed(key string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return h.Sum64()
}

// fillPayload writes bytes [pos, pos+len(p)) of the object with the given seed into p.
func fillPayload(p []byte, seed uint64, pos int64) {
	base := randomBase()
	for len(p) > 0 {
		c, in := pos/chunkSize, int(pos%chunkSize)
		n := min(chunkSize-in, len(p))
		off := int(splitmix64(seed^uint64(c)*0x9e3779b97f4a7c15) % (payloadBase - chunkSize))
		copy(p[:n], base[off+in:off+in+n])
		if in < 8 {
			var tag [8]byte
			binary.LittleEndian.PutUint64(tag[:], splitmix64(splitmix64(seed)+uint64(c)))
			copy(p[:n], tag[in:])
		}
		p, pos = p[n:], pos+int64(n)
	}
}

// payload reads the section [start, end) of an object's contents. It is an
// io.ReadSeeker, as the SDK needs to hash and resend a body; offsets are relative
// to the section.
type payload struct {
	seed       uint64
	start, end int64
	pos        int64 // absolute position in the object
}

// newPayload returns a reader of n bytes of the object with the given seed,
// starting at byte off.
func newPayload(seed uint64, off, n int64) *payload {
	return &payload{seed: seed, start: off, end: off + n, pos: off}
}

// Read implements io.Reader.
func (p *payload) Read(b []byte) (int, error) {
	if p.pos >= p.end {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.end-p.pos))
	fillPayload(b[:n], p.seed, p.pos)
	p.pos += int64(n)
	return n, nil
}

// Seek implements io.Seeker within the section.
func (p *payload) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = p.start + offset
	case io.SeekCurrent:
		abs = p.pos + offset
	case io.SeekEnd:
		abs = p.end + offset
	default:
		return 0, errors.New("payload: bad whence")
	}
	if abs < p.start {
		return 0, errors.New("payload: seek before start")
	}
	p.pos = abs
	return abs - p.start, nil
}

// payloadSHA256 returns the SHA-256 of a whole object of the given seed and size.
func payloadSHA256(seed uint64, size int64) [sha256.Size]byte {
	h := sha256.New()
	buf := make([]byte, chunkSize)
	for pos := int64(0); pos < size; {
		n := min(int64(len(buf)), size-pos)
		fillPayload(buf[:n], seed, pos)
		_, _ = h.Write(buf[:n])
		pos += n
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
