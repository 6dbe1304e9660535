package checksum

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
)

// ErrNotFullObject is returned by FullObjectOf for an algorithm that is not a CRC: only
// CRCs can be combined into the checksum of the whole object.
var ErrNotFullObject = errors.New("checksum: FULL_OBJECT checksums need a CRC algorithm")

// ErrNotComposite is returned by CompositeOf for CRC64NVME, which S3 supports only as a
// FULL_OBJECT checksum.
var ErrNotComposite = errors.New("checksum: CRC64NVME supports only FULL_OBJECT checksums")

// ErrNoParts is returned by CompositeOf and FullObjectOf for an empty list of parts.
var ErrNoParts = errors.New("checksum: no parts")

// CompositeOf returns the COMPOSITE checksum of a multipart object from the checksums of
// its parts, in part order: the checksum of the concatenated raw part digests, in
// base64, followed by "-N" where N is the number of parts. It is what S3 returns for a
// multipart object uploaded with any algorithm but CRC64NVME, unless the upload asked
// for FULL_OBJECT (CRC32 and CRC32C only).
func CompositeOf(alg Algorithm, partValues []string) (Checksum, error) {
	if !alg.Valid() {
		return Checksum{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(alg))
	}
	if !alg.CanComposite() {
		return Checksum{}, ErrNotComposite
	}
	if len(partValues) == 0 {
		return Checksum{}, ErrNoParts
	}
	h := alg.New()
	for i, v := range partValues {
		sum, err := alg.Decode(v)
		if err != nil {
			return Checksum{}, fmt.Errorf("part %d: %w", i+1, err)
		}
		h.Write(sum)
	}
	return Checksum{
		Algorithm: alg,
		Value:     Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partValues)),
		Type:      Composite,
	}, nil
}

// PartCRC is the CRC of one part and the part's size in bytes.
type PartCRC struct {
	Value string // base64, as the part's x-amz-checksum-* header carried it
	Size  int64
}

// FullObjectOf returns the FULL_OBJECT checksum of a multipart object: the CRC of the
// whole object, computed from the CRCs and sizes of its parts in part order without
// reading the data. alg must be CRC32, CRC32C or CRC64NVME (ErrNotFullObject otherwise).
func FullObjectOf(alg Algorithm, parts []PartCRC) (Checksum, error) {
	if !alg.IsCRC() {
		if !alg.Valid() {
			return Checksum{}, fmt.Errorf("%w: %q", ErrUnknownAlgorithm, string(alg))
		}
		return Checksum{}, fmt.Errorf("%w, not %s", ErrNotFullObject, alg)
	}
	if len(parts) == 0 {
		return Checksum{}, ErrNoParts
	}
	poly := crcPolys[alg]
	var crc uint64
	for i, p := range parts {
		sum, err := alg.Decode(p.Value)
		if err != nil {
			return Checksum{}, fmt.Errorf("part %d: %w", i+1, err)
		}
		if p.Size < 0 {
			return Checksum{}, fmt.Errorf("checksum: part %d has negative size %d", i+1, p.Size)
		}
		var partCRC uint64
		if len(sum) == 4 {
			partCRC = uint64(binary.BigEndian.Uint32(sum))
		} else {
			partCRC = binary.BigEndian.Uint64(sum)
		}
		if i == 0 {
			crc = partCRC
		} else {
			crc = poly.combine(crc, partCRC, p.Size)
		}
	}
	var sum []byte
	if poly.width == 32 {
		sum = binary.BigEndian.AppendUint32(nil, uint32(crc))
	} else {
		sum = binary.BigEndian.AppendUint64(nil, crc)
	}
	return Checksum{Algorithm: alg, Value: Encode(sum), Type: FullObject}, nil
}

// Combine returns the CRC of the concatenation A‖B from crcA = CRC(A), crcB = CRC(B) and
// lenB = len(B), for a CRC algorithm (CRC32 values in the low 32 bits). It panics for
// any other algorithm.
func Combine(alg Algorithm, crcA, crcB uint64, lenB int64) uint64 {
	p, ok := crcPolys[alg]
	if !ok {
		panic("checksum: Combine of non-CRC algorithm " + strconv.Quote(string(alg)))
	}
	return p.combine(crcA, crcB, lenB)
}

// crcPoly is a reflected CRC polynomial of width 32 or 64, with the table of
// x^(2^k) mod P used to combine CRCs.
//
// Combining works because all three S3 CRCs start from an all-ones register and
// complement the result. Writing R(r, M) for the bare register after feeding M into r,
// R is affine: R(r, M) = r·x^(8|M|) ⊕ R(0, M) (mod P). Substituting into CRC(A‖B) =
// R(R(~0, A), B) ⊕ ~0 and CRC(B) = R(~0, B) ⊕ ~0 gives
// CRC(A‖B) = CRC(A)·x^(8|B|) ⊕ CRC(B), so only a multiplication mod P is needed.
type crcPoly struct {
	width int
	poly  uint64     // reflected: the x^0 coefficient is bit width-1
	x2n   [67]uint64 // x2n[k] = x^(2^k) mod P; 8·lenB < 2^66 covers any int64 length
	one   uint64     // the polynomial 1 in this representation
}

var crcPolys = map[Algorithm]*crcPoly{
	CRC32:     newCRCPoly(32, crc32.IEEE),
	CRC32C:    newCRCPoly(32, crc32.Castagnoli),
	CRC64NVME: newCRCPoly(64, crc64NVMEPoly),
}

func newCRCPoly(width int, poly uint64) *crcPoly {
	p := &crcPoly{width: width, poly: poly, one: 1 << (width - 1)}
	p.x2n[0] = p.one >> 1 // x^1
	for k := 1; k < len(p.x2n); k++ {
		p.x2n[k] = p.mulMod(p.x2n[k-1], p.x2n[k-1])
	}
	return p
}

// mulMod returns a·b mod P in the reflected representation.
func (p *crcPoly) mulMod(a, b uint64) uint64 {
	var prod uint64
	for m := p.one; m != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
			if a&(m-1) == 0 {
				break
			}
		}
		// b = b·x mod P.
		if b&1 != 0 {
			b = b>>1 ^ p.poly
		} else {
			b >>= 1
		}
	}
	return prod
}

// xPow8n returns x^(8n) mod P.
func (p *crcPoly) xPow8n(n int64) uint64 {
	r := p.one
	for k := 3; n != 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			r = p.mulMod(p.x2n[k], r)
		}
	}
	return r
}

func (p *crcPoly) combine(crcA, crcB uint64, lenB int64) uint64 {
	return p.mulMod(p.xPow8n(lenB), crcA) ^ crcB
}
