package block

import (
	"encoding/binary"

	"github.com/zeebo/xxh3"
)

// A block file is the block's bytes followed by a 16-byte trailer: the XXH3-64 of the
// bytes (8 bytes, big-endian) and the first 8 bytes of the block's name (its SHA-256).
// Every read checks the XXH3-64, which runs at several GB/s, instead of the SHA-256
// (about 1 GB/s with SIMD): the name is checked when the block is written, and by the
// scrubber (Verify), which re-hashes every block in the background.
//
// Block files written before the trailer existed are the bare bytes. A file whose
// trailer is missing or does not match is checked against its SHA-256 instead, so
// such files read as before. The name in the trailer keeps an old file whose last 16
// bytes happen to look like a trailer from being misread: they would have to hold 8
// bytes of the SHA-256 of the very file that contains them.

// TrailerSize is the number of bytes the trailer adds to a block file.
const TrailerSize = 16

// trailer returns the trailer of block hash, whose bytes are data.
func trailer(hash Hash, data []byte) [TrailerSize]byte {
	var t [TrailerSize]byte
	binary.BigEndian.PutUint64(t[:8], xxh3.Hash(data))
	copy(t[8:], hash[:8])
	return t
}

// split returns the bytes of the file of block hash when its trailer matches them; ok
// is false for a file without a matching trailer.
func split(hash Hash, raw []byte) (data []byte, ok bool) {
	n := len(raw) - TrailerSize
	if n < 0 || [8]byte(raw[n+8:]) != [8]byte(hash[:8]) {
		return nil, false
	}
	data = raw[:n]
	if xxh3.Hash(data) != binary.BigEndian.Uint64(raw[n:n+8]) {
		return nil, false
	}
	return data, true
}

// AppendTrailer appends to data (in place when its capacity allows) the trailer of
// block hash: what a node sends another with a block it read, so that the receiver
// checks the bytes with SplitTrailer at the cost of an XXH3-64.
func AppendTrailer(hash Hash, data []byte) []byte {
	t := trailer(hash, data)
	return append(data, t[:]...)
}

// SplitTrailer checks the trailer at the end of raw against block hash and the bytes
// before it, and returns those bytes; ok is false if it does not match.
func SplitTrailer(hash Hash, raw []byte) (data []byte, ok bool) {
	return split(hash, raw)
}

// check returns a block's bytes from the contents of its file: by the trailer's
// checksum, or, without a matching trailer, by the SHA-256 that names the block.
func check(hash Hash, raw []byte) ([]byte, bool) {
	if data, ok := split(hash, raw); ok {
		return data, true
	}
	if Sum(raw) == hash {
		return raw, true // a block file from before trailers
	}
	return nil, false
}
