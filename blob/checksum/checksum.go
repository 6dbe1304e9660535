// Package checksum computes and verifies the S3 additional checksums (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256), including the composite and full-object checksums of
// multipart objects. It is a leaf: the standard library and sha256-simd only.
package checksum

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"slices"
	"strconv"
	"strings"

	"github.com/minio/sha256-simd"
)

// Algorithm is an S3 checksum algorithm as named in x-amz-checksum-algorithm.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Type says how a multipart object's checksum was formed.
type Type string

// The checksum types S3 reports.
const (
	FullObject Type = "FULL_OBJECT"
	Composite  Type = "COMPOSITE"
)

// Checksum is a stored checksum: its algorithm, its base64 value as S3 prints it (a
// composite value carries its "-N" suffix) and its type. The zero value means none.
type Checksum struct {
	Algorithm Algorithm `json:"a,omitempty"`
	Value     string    `json:"v,omitempty"`
	Type      Type      `json:"t,omitempty"`
}

// IsZero reports whether c holds no checksum.
func (c Checksum) IsZero() bool { return c.Algorithm == "" }

// ErrUnknownAlgorithm is returned by ParseAlgorithm for a name that is not an S3
// checksum algorithm.
var ErrUnknownAlgorithm = errors.New("checksum: unknown algorithm")

// algorithms lists every Algorithm in the order S3 documents them.
var algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// Algorithms returns every supported algorithm. The slice is the caller's to keep.
func Algorithms() []Algorithm { return slices.Clone(algorithms) }

// ParseAlgorithm returns the Algorithm named s, ignoring case ("crc32c", "SHA256").
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range algorithms {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: %q", ErrUnknownAlgorithm, s)
}

// Valid reports whether a is one of the supported algorithms (exact spelling).
func (a Algorithm) Valid() bool { return slices.Contains(algorithms, a) }

// IsCRC reports whether a is a CRC, the only kind that can form a FULL_OBJECT
// checksum of a multipart object.
func (a Algorithm) IsCRC() bool { return a == CRC32 || a == CRC32C || a == CRC64NVME }

// Size returns the length in bytes of a's digest, or 0 for an unknown algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return crc32.Size
	case CRC64NVME:
		return crc64.Size
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// New returns a new hash computing a. Its Sum is the big-endian digest S3 encodes in
// base64. New panics on an unknown algorithm: callers parse names with ParseAlgorithm.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return newCRC64NVME()
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: New of unknown algorithm " + strconv.Quote(string(a)))
}

// HeaderName returns the header that carries a value of a, e.g. "x-amz-checksum-crc32".
func (a Algorithm) HeaderName() string { return "x-amz-checksum-" + strings.ToLower(string(a)) }

// Encode returns the S3 text form of a digest: standard base64 with padding.
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Decode returns the raw digest of a value of algorithm a, checking that it is valid
// base64 of the right length.
func (a Algorithm) Decode(value string) ([]byte, error) {
	size := a.Size()
	if size == 0 {
		return nil, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(a))
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil || len(sum) != size {
		return nil, fmt.Errorf("checksum: invalid %s value %q", a, value)
	}
	return sum, nil
}

// Sum returns the S3 value (base64) of a over data.
func (a Algorithm) Sum(data []byte) string {
	h := a.New()
	h.Write(data)
	return Encode(h.Sum(nil))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)
