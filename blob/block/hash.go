package block

import (
	"encoding/hex"
	"fmt"

	sha256 "github.com/minio/sha256-simd"
)

// Hash is the SHA-256 of a block's bytes, and its name.
type Hash = [32]byte

// Sum returns the SHA-256 of data, computed with sha256-simd.
func Sum(data []byte) Hash {
	return sha256.Sum256(data)
}

// ParseHash parses the lower-case hex name of a block file.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("block: bad hash %q", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("block: bad hash %q: %w", s, err)
	}
	return h, nil
}
