// Package checksum computes and verifies the S3 additional checksums (CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256), including the composite and full-object checksums of
// multipart objects. It is a leaf: the standard library and sha256-simd only.
package checksum

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
