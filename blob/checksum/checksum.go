// Package checksum computes and verifies the S3 additional checksums (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128), including the
// composite and full-object checksums of multipart objects. It is a leaf: the
// standard library, sha256-simd and the two xxHash libraries only.
package checksum

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/minio/sha256-simd"
	"github.com/zeebo/xxh3"
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
	SHA512    Algorithm = "SHA512"
	MD5       Algorithm = "MD5"
	XXHASH64  Algorithm = "XXHASH64"  // XXH64, seed 0
	XXHASH3   Algorithm = "XXHASH3"   // XXH3 64-bit, seed 0
	XXHASH128 Algorithm = "XXHASH128" // XXH3 128-bit, seed 0
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
var algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128}

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

// CanComposite reports whether a multipart object can carry a COMPOSITE checksum of
// a: every supported algorithm except CRC64NVME, which S3 allows only as FULL_OBJECT.
func (a Algorithm) CanComposite() bool { return a.Valid() && a != CRC64NVME }

// DefaultType returns the checksum type a multipart upload with algorithm a gets when
// the client names none: FULL_OBJECT for CRC64NVME, COMPOSITE for the others.
func (a Algorithm) DefaultType() Type {
	if a == CRC64NVME {
		return FullObject
	}
	return Composite
}

// Names returns the supported algorithms' names separated by ", ", as S3 lists them
// in an error message.
func Names() string {
	names := make([]string, len(algorithms))
	for i, a := range algorithms {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

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
	case SHA512:
		return sha512.Size
	case MD5:
		return md5.Size
	case XXHASH64, XXHASH3:
		return 8
	case XXHASH128:
		return 16
	}
	return 0
}

// New returns a new hash computing a. Its Sum is the big-endian digest S3 encodes in
// base64 (for the xxHashes, their canonical big-endian form; XXHASH128 high half
// first). New panics on an unknown algorithm: callers parse names with ParseAlgorithm.
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
	case SHA512:
		return sha512.New()
	case MD5:
		return md5.New()
	case XXHASH64:
		return xxhash.New()
	case XXHASH3:
		return xxh3.New()
	case XXHASH128:
		return xxh3.New128()
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
