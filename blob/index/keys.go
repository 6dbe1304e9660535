package index

import (
	"bytes"
	"encoding/binary"
	"strings"
)

// Key layout. Every keyspace starts with the partition (uint16, big-endian) and the
// bucket name followed by a NUL, so one bucket's keys in one partition are contiguous:
//
//	versions: p(2) | bucket | 0x00 | key | 0x00 | ^hlc(8, big-endian) | ^node | 0xff
//	uploads:  p(2) | bucket | 0x00 | key | 0x00 | initiated hlc(8, big-endian) | upload id
//	parts:    p(2) | bucket | 0x00 | key | 0x00 | upload id | 0x00 | part number(4, big-endian)
//
// Object keys hold no NUL, and NUL is the smallest byte, so byte order of the encoded
// keys is the order of the object keys ("a" < "a/b" < "ab"), and the inverted HLC puts
// the newest version of a key first.

const hlcLen = 8

// validName reports whether s can be a bucket or object key in the encoding.
func validName(s string) bool {
	return s != "" && strings.IndexByte(s, 0) < 0
}

// checkKey validates a partition, bucket and object key.
func checkKey(p int, bucket, key string) error {
	if p < 0 || p > 0xffff || !validName(bucket) || !validName(key) {
		return ErrInvalidKey
	}
	return nil
}

// bucketPrefix returns p | bucket | 0x00.
func bucketPrefix(p int, bucket string) []byte {
	b := make([]byte, 0, 2+len(bucket)+1+64)
	b = binary.BigEndian.AppendUint16(b, uint16(p))
	b = append(b, bucket...)
	return append(b, 0)
}

// objectPrefix returns p | bucket | 0x00 | key | 0x00.
func objectPrefix(p int, bucket, key string) []byte {
	b := append(bucketPrefix(p, bucket), key...)
	return append(b, 0)
}

// versionKey returns the key of the version record in slot (hlc, node).
func versionKey(p int, bucket, key string, hlc uint64, node string) []byte {
	b := binary.BigEndian.AppendUint64(objectPrefix(p, bucket, key), ^hlc)
	for i := 0; i < len(node); i++ {
		b = append(b, ^node[i])
	}
	return append(b, 0xff)
}

// legacyVersionKey returns the key a release before versioning gave a record.
func legacyVersionKey(p int, bucket, key string, hlc uint64) []byte {
	return binary.BigEndian.AppendUint64(objectPrefix(p, bucket, key), ^hlc)
}

// splitVersionKey returns the object key and HLC of a version key whose bucket
// prefix is bp bytes long. Object keys hold no NUL, so the first NUL after the bucket
// prefix ends the object key.
func splitVersionKey(k []byte, bp int) (key []byte, hlc uint64, ok bool) {
	if len(k) < bp+1+1+hlcLen {
		return nil, 0, false
	}
	i := bytes.IndexByte(k[bp:], 0)
	if i < 1 || len(k) < bp+i+1+hlcLen {
		return nil, 0, false
	}
	rest := k[bp+i+1:]
	return k[bp : bp+i], ^binary.BigEndian.Uint64(rest[:hlcLen]), true
}

// uploadKey returns the key of an upload record.
func uploadKey(p int, bucket, key string, initiated uint64, id string) []byte {
	b := binary.BigEndian.AppendUint64(objectPrefix(p, bucket, key), initiated)
	return append(b, id...)
}

// splitUploadKey returns the object key, initiation time and id of an upload key whose
// bucket prefix is bp bytes long. Object keys hold no NUL, so the first NUL after the
// bucket prefix ends the object key.
func splitUploadKey(k []byte, bp int) (key []byte, initiated uint64, id []byte, ok bool) {
	if len(k) < bp {
		return nil, 0, nil, false
	}
	i := bytes.IndexByte(k[bp:], 0)
	if i < 1 || len(k) < bp+i+1+hlcLen {
		return nil, 0, nil, false
	}
	rest := k[bp+i+1:]
	return k[bp : bp+i], binary.BigEndian.Uint64(rest[:hlcLen]), rest[hlcLen:], true
}

// partPrefix returns the prefix of every part key of one upload.
func partPrefix(p int, bucket, key, uploadID string) []byte {
	b := append(objectPrefix(p, bucket, key), uploadID...)
	return append(b, 0)
}

// partKey returns the key of one part record.
func partKey(p int, bucket, key, uploadID string, number int) []byte {
	return binary.BigEndian.AppendUint32(partPrefix(p, bucket, key, uploadID), uint32(number))
}

// prefixEnd returns the smallest byte string greater than every string that starts
// with prefix, or nil if there is none (prefix is all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// seekStart returns where a scan of keys starting with prefix, resuming at pos,
// begins within the keyspace whose bucket prefix is bp; nil means nothing is left.
func seekStart(bp []byte, prefix string, pos Position) []byte {
	start := append(bytes.Clone(bp), prefix...)
	if pos.After == "" {
		return start
	}
	var from []byte
	if pos.Under {
		end := prefixEnd([]byte(pos.After))
		if end == nil {
			return nil
		}
		from = append(bytes.Clone(bp), end...)
	} else {
		// The first key greater than After: After itself followed by the smallest
		// byte a key may hold (keys hold no NUL).
		from = append(append(bytes.Clone(bp), pos.After...), 1)
	}
	if bytes.Compare(from, start) > 0 {
		return from
	}
	return start
}
