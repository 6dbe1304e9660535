package index

import (
	"crypto/md5"
	"encoding/hex"

	"github.com/zeebo/xxh3"
)

// Inline bytes (a small object kept inside its version record) are checked like a
// block's: the record stores their XXH3-64 (format 2, see codec.go), computed as the
// record reaches the disk, and every decode of the whole record checks it before the
// bytes leave the index. XXH3-64 runs at several GB/s, so the check costs well under
// a microsecond for a 16 KiB object; it guards against the disk, not an adversary
// (who cannot write to the index file).
//
// Records written before the checksum existed (format 1) are checked against their
// ETag when it is the MD5 of the bytes, as a single PUT's and a copy's are. A format-1
// record with inline bytes and any other ETag cannot be verified and is treated as
// corrupt: no release has written one (inline bytes only ever come from a single PUT
// or a copy of one).
//
// A record whose inline bytes fail the check is handled as a bad block copy is: the
// read goes to another owner, and a good copy of the same record replaces it (read
// repair and anti-entropy, see putRecordTx and scanPartition).

// checkInline checks inline bytes against the checksum stored with them (hasSum), or
// else against an MD5 ETag.
func checkInline(inline []byte, sum uint64, hasSum bool, etag string) error {
	if hasSum {
		if xxh3.Hash(inline) != sum {
			return ErrCorruptInline
		}
		return nil
	}
	if len(inline) == 0 {
		return nil
	}
	if ok, known := md5ETagMatches(inline, etag); !known || !ok {
		return ErrCorruptInline
	}
	return nil
}

// md5ETagMatches reports whether etag, when it is an MD5 (32 hex digits: not a
// multipart ETag), is the MD5 of data; known is false for any other ETag.
func md5ETagMatches(data []byte, etag string) (ok, known bool) {
	var want [md5.Size]byte
	if len(etag) != 2*md5.Size {
		return false, false
	}
	if _, err := hex.Decode(want[:], []byte(etag)); err != nil {
		return false, false
	}
	return md5.Sum(data) == want, true
}

// checkIncomingInline refuses a record arriving from another node (or the object
// layer) whose inline bytes do not match its MD5 ETag, so that damage in transit or in
// memory is never stored under a fresh checksum.
func checkIncomingInline(r *Record) error {
	if len(r.Inline) == 0 {
		return nil
	}
	if ok, known := md5ETagMatches(r.Inline, r.ETag); known && !ok {
		return ErrCorruptInline
	}
	return nil
}
