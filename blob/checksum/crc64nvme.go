package checksum

import (
	"encoding/binary"
	"hash"
	"hash/crc64"
	"sync"
)

// crc64NVMEPoly is the reflected NVMe CRC-64 polynomial (CRC-64/NVME: init and xorout
// all ones, reflected in and out), as S3 uses for CRC64NVME.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// nvmeTable is hash/crc64's table for the NVMe polynomial. hash/crc64 complements the
// register before and after each update, which is exactly CRC-64/NVME's init and xorout.
var nvmeTable = crc64.MakeTable(crc64NVMEPoly)

// nvmeSlicing8 returns the slicing-by-8 tables for the NVMe polynomial, built once.
// hash/crc64 only keeps such tables for its own ISO and ECMA polynomials and rebuilds
// them on every large update for any other, so large writes use these instead.
var nvmeSlicing8 = sync.OnceValue(func() *[8]crc64.Table {
	t := new([8]crc64.Table)
	t[0] = *nvmeTable
	for i := range 256 {
		crc := t[0][i]
		for j := 1; j < 8; j++ {
			crc = t[0][crc&0xff] ^ crc>>8
			t[j][i] = crc
		}
	}
	return t
})

// updateNVME returns crc (a finished CRC64NVME value) extended by p.
func updateNVME(crc uint64, p []byte) uint64 {
	if len(p) < 64 {
		return crc64.Update(crc, nvmeTable, p)
	}
	t := nvmeSlicing8()
	crc = ^crc
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	return crc64.Update(^crc, nvmeTable, p)
}

// crc64NVME is a hash.Hash64 computing CRC64NVME.
type crc64NVME struct{ crc uint64 }

func newCRC64NVME() hash.Hash64 { return &crc64NVME{} }

func (d *crc64NVME) Write(p []byte) (int, error) {
	d.crc = updateNVME(d.crc, p)
	return len(p), nil
}

func (d *crc64NVME) Sum(b []byte) []byte { return binary.BigEndian.AppendUint64(b, d.crc) }
func (d *crc64NVME) Sum64() uint64       { return d.crc }
func (d *crc64NVME) Reset()              { d.crc = 0 }
func (d *crc64NVME) Size() int           { return crc64.Size }
func (d *crc64NVME) BlockSize() int      { return 1 }
