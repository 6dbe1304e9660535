package index

import (
	"encoding/binary"
	"fmt"
)

// Values are encoded in a compact binary form, not JSON, so that a listing can read a
// record's header (flags, node, size, ETag, metadata) and stop before its block list,
// which for a multi-gigabyte object is thousands of entries. Every value starts with a
// format byte; a reader rejects formats it does not know, and a new format gets a new
// number while readers of the old one stay.
//
//	version record (format 1):
//	  format(1) flags(1) node(str) size(varint) etag(str) meta(bytes) parts(bytes)
//	  inline(bytes) blocks(list)
//	upload record (format 1, an upload in progress):
//	  format(1) meta(bytes)
//	upload record (format 2, an aborted or completed upload's tombstone):
//	  format(2) deleted hlc(8)
//	part record (format 1):
//	  format(1) hlc(8) size(varint) etag(str) meta(bytes) blocks(list)
//
// str and bytes are a uvarint length and the bytes; list is a uvarint count and, per
// block, its 32-byte hash and a uvarint size. Bucket, key, HLC, initiation time, upload
// id and part number live in the key and are not repeated in the value.
const format1 = 1

// uploadTombstone is the format byte of an upload's tombstone.
const uploadTombstone = 2

const flagTombstone = 1 << 0

func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendString(b []byte, v string) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func appendBlocks(b []byte, blocks []BlockRef) []byte {
	b = binary.AppendUvarint(b, uint64(len(blocks)))
	for _, br := range blocks {
		b = append(b, br.Hash[:]...)
		b = binary.AppendUvarint(b, uint64(br.Size))
	}
	return b
}

// decoder reads a value; the first error sticks and later reads return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrCorruptRecord
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// raw returns the next length-prefixed bytes, aliasing the value.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// bytes returns a copy of the next length-prefixed bytes (nil when empty): bbolt
// values are only valid inside their transaction.
func (d *decoder) bytes() []byte {
	v := d.raw()
	if len(v) == 0 {
		return nil
	}
	return append([]byte(nil), v...)
}

func (d *decoder) string() string { return string(d.raw()) }

func (d *decoder) blocks() []BlockRef {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b))/33 {
		d.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	out := make([]BlockRef, n)
	for i := range out {
		if len(d.b) < 32 {
			d.fail()
			return nil
		}
		copy(out[i].Hash[:], d.b[:32])
		d.b = d.b[32:]
		out[i].Size = int64(d.uvarint())
	}
	return out
}

// eachBlock calls fn for every block of the next list without allocating.
func (d *decoder) eachBlock(fn func(Hash)) {
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		if len(d.b) < 32 {
			d.fail()
			return
		}
		fn(Hash(d.b[:32]))
		d.b = d.b[32:]
		d.uvarint()
	}
}

func (d *decoder) format() {
	if f := d.byte(); d.err == nil && f != format1 {
		d.err = fmt.Errorf("%w: unknown format %d", ErrCorruptRecord, f)
		d.b = nil
	}
}

// encodeRecord encodes a version record's value.
func encodeRecord(r *Record) []byte {
	b := make([]byte, 0, 64+len(r.Node)+len(r.ETag)+len(r.Meta)+len(r.Parts)+len(r.Inline)+40*len(r.Blocks))
	var flags byte
	if r.Tombstone {
		flags |= flagTombstone
	}
	b = append(b, format1, flags)
	b = appendString(b, r.Node)
	b = binary.AppendVarint(b, r.Size)
	b = appendString(b, r.ETag)
	b = appendBytes(b, r.Meta)
	b = appendBytes(b, r.Parts)
	b = appendBytes(b, r.Inline)
	return appendBlocks(b, r.Blocks)
}

// decodeEntry decodes a version record's header into e, leaving the decoder at the
// parts field. key is the record's object key. The key, node and ETag share one
// allocation (a listing decodes thousands of entries).
func decodeEntry(d *decoder, key []byte, e *Entry) {
	d.format()
	flags := d.byte()
	e.Tombstone = flags&flagTombstone != 0
	node := d.raw()
	e.Size = d.varint()
	etag := d.raw()
	e.Meta = d.bytes()
	if d.err != nil {
		return
	}
	buf := make([]byte, 0, len(key)+len(node)+len(etag))
	all := string(append(append(append(buf, key...), node...), etag...))
	e.Key = all[:len(key)]
	e.Node = all[len(key) : len(key)+len(node)]
	e.ETag = all[len(key)+len(node):]
}

// decodeRecord decodes a whole version record's value into r (Bucket, Key and HLC
// come from the key).
func decodeRecord(v []byte, r *Record) error {
	d := decoder{b: v}
	var e Entry
	decodeEntry(&d, nil, &e)
	r.Node, r.Tombstone, r.Size, r.ETag, r.Meta = e.Node, e.Tombstone, e.Size, e.ETag, e.Meta
	r.Parts = d.bytes()
	r.Inline = d.bytes()
	r.Blocks = d.blocks()
	return d.err
}

// recordNode returns the node that wrote a version record, for last-write-wins.
func recordNode(v []byte) (string, error) {
	d := decoder{b: v}
	d.format()
	d.byte()
	node := d.string()
	return node, d.err
}

// recordIsTombstone reports whether a version record is a tombstone, reading only its
// flags.
func recordIsTombstone(v []byte) bool {
	return len(v) >= 2 && v[1]&flagTombstone != 0
}

// recordBlocks calls fn for each block of a version record.
func recordBlocks(v []byte, fn func(Hash)) error {
	d := decoder{b: v}
	d.format()
	d.byte()
	d.raw() // node
	d.varint()
	d.raw() // etag
	d.raw() // meta
	d.raw() // parts
	d.raw() // inline
	d.eachBlock(fn)
	return d.err
}

// encodeUpload encodes an upload record's value: the upload, or its tombstone.
func encodeUpload(u *Upload) []byte {
	if u.Deleted != 0 {
		return binary.BigEndian.AppendUint64([]byte{uploadTombstone}, u.Deleted)
	}
	return appendBytes([]byte{format1}, u.Meta)
}

func decodeUpload(v []byte, u *Upload) error {
	if len(v) > 0 && v[0] == uploadTombstone {
		d := decoder{b: v[1:]}
		u.Deleted, u.Meta = d.uint64(), nil
		return d.err
	}
	d := decoder{b: v}
	d.format()
	u.Meta = d.bytes()
	u.Deleted = 0
	return d.err
}

// uploadDeleted returns the deletion time of an upload record, 0 if it is in progress.
func uploadDeleted(v []byte) uint64 {
	if len(v) == 9 && v[0] == uploadTombstone {
		return binary.BigEndian.Uint64(v[1:])
	}
	return 0
}

// encodePart encodes a part record's value.
func encodePart(pt *Part) []byte {
	b := make([]byte, 0, 32+len(pt.ETag)+len(pt.Meta)+40*len(pt.Blocks))
	b = append(b, format1)
	b = binary.BigEndian.AppendUint64(b, pt.HLC)
	b = binary.AppendVarint(b, pt.Size)
	b = appendString(b, pt.ETag)
	b = appendBytes(b, pt.Meta)
	return appendBlocks(b, pt.Blocks)
}

func decodePart(v []byte, pt *Part) error {
	d := decoder{b: v}
	d.format()
	pt.HLC = d.uint64()
	pt.Size = d.varint()
	pt.ETag = d.string()
	pt.Meta = d.bytes()
	pt.Blocks = d.blocks()
	return d.err
}

// partHLC returns the write time of a part record.
func partHLC(v []byte) (uint64, error) {
	d := decoder{b: v}
	d.format()
	return d.uint64(), d.err
}

// partBlocks calls fn for each block of a part record.
func partBlocks(v []byte, fn func(Hash)) error {
	d := decoder{b: v}
	d.format()
	d.uint64()
	d.varint()
	d.raw() // etag
	d.raw() // meta
	d.eachBlock(fn)
	return d.err
}
