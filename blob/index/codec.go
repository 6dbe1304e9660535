package index

import (
	"encoding/binary"
	"fmt"

	"github.com/zeebo/xxh3"
)

// Values are encoded in a compact binary form, not JSON, so that a listing can read a
// record's header (flags, node, size, ETag, metadata) and stop before its block list,
// which for a multi-gigabyte object is thousands of entries. Every value starts with a
// format byte; a reader rejects formats it does not know, and a new format gets a new
// number while readers of the old one stay.
//
//	version record (format 1, without a checksum of its inline bytes):
//	  format(1) flags(1) node(str) size(varint) etag(str) meta(bytes) parts(bytes)
//	  inline(bytes) blocks(list)
//	version record (format 2, a record with inline bytes):
//	  format(2) flags(1) node(str) size(varint) etag(str) meta(bytes) parts(bytes)
//	  inline(bytes) inline xxh3-64(8) blocks(list)
//	version record (format 3, a version of a versioned key, or one whose attributes
//	changed):
//	  format(3) flags(1) changed(uvarint) node(str) size(varint) etag(str) meta(bytes)
//	  parts(bytes) inline(bytes) inline xxh3-64(8) blocks(list)
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

// format2 is the format byte of a version record whose inline bytes carry their
// XXH3-64 (see inline.go). Records without inline bytes keep format 1, so an older
// release still reads them; it refuses a format-2 record instead of misreading it.
const format2 = 2

// uploadTombstone is the format byte of an upload's tombstone.
const uploadTombstone = 2

// format3 is the format byte of a record that carries versioning: the Versioned or
// DeleteMarker flag, or a Changed time. Other records keep formats 1 and 2.
const format3 = 3

const (
	flagTombstone    = 1 << 0
	flagVersioned    = 1 << 1
	flagDeleteMarker = 1 << 2
)

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

// recordFormat reads the format byte of a version record: 1, 2 or 3.
func (d *decoder) recordFormat() byte {
	f := d.byte()
	if d.err == nil && f != format1 && f != format2 && f != format3 {
		d.err = fmt.Errorf("%w: unknown format %d", ErrCorruptRecord, f)
		d.b = nil
	}
	return f
}

// encodeRecord encodes a version record's value. Inline bytes get their checksum here,
// as they reach the disk; they were checked on the way in (see inline.go).
func encodeRecord(r *Record) []byte {
	b := make([]byte, 0, 72+len(r.Node)+len(r.ETag)+len(r.Meta)+len(r.Parts)+len(r.Inline)+40*len(r.Blocks))
	var flags byte
	if r.Tombstone {
		flags |= flagTombstone
	}
	if r.Versioned {
		flags |= flagVersioned
	}
	if r.DeleteMarker {
		flags |= flagDeleteMarker
	}
	format := byte(format1)
	switch {
	case r.Versioned || r.DeleteMarker || r.Changed != 0:
		format = format3
	case len(r.Inline) > 0:
		format = format2
	}
	b = append(b, format, flags)
	if format == format3 {
		b = binary.AppendUvarint(b, r.Changed)
	}
	b = appendString(b, r.Node)
	b = binary.AppendVarint(b, r.Size)
	b = appendString(b, r.ETag)
	b = appendBytes(b, r.Meta)
	b = appendBytes(b, r.Parts)
	b = appendBytes(b, r.Inline)
	if format != format1 {
		b = binary.BigEndian.AppendUint64(b, xxh3.Hash(r.Inline))
	}
	return appendBlocks(b, r.Blocks)
}

// decodeEntry decodes a version record's header into e, leaving the decoder at the
// parts field. key is the record's object key. The key, node and ETag share one
// allocation (a listing decodes thousands of entries).
func decodeEntry(d *decoder, key []byte, e *Entry) {
	f := d.recordFormat()
	flags := d.byte()
	e.Tombstone = flags&flagTombstone != 0
	e.Versioned = flags&flagVersioned != 0
	e.DeleteMarker = flags&flagDeleteMarker != 0
	e.Changed = d.changed(f)
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
// come from the key) and checks its inline bytes: ErrCorruptInline, with r decoded
// all the same (its inline bytes left out), if they fail the check.
func decodeRecord(v []byte, r *Record) error {
	d := decoder{b: v}
	var e Entry
	decodeEntry(&d, nil, &e)
	r.Node, r.Tombstone, r.Size, r.ETag, r.Meta = e.Node, e.Tombstone, e.Size, e.ETag, e.Meta
	r.Versioned, r.DeleteMarker, r.Changed = e.Versioned, e.DeleteMarker, e.Changed
	r.Parts = d.bytes()
	inline := d.raw()
	sum, hasSum := d.inlineSum(v[0])
	r.Blocks = d.blocks()
	if d.err != nil {
		return d.err
	}
	if err := checkInline(inline, sum, hasSum, r.ETag); err != nil {
		r.Inline = nil
		return err
	}
	if len(inline) > 0 {
		r.Inline = append([]byte(nil), inline...)
	} else {
		r.Inline = nil
	}
	return nil
}

// inlineSum reads the checksum of the inline bytes that a record of format f carries
// after them.
func (d *decoder) inlineSum(f byte) (uint64, bool) {
	if f == format1 {
		return 0, false
	}
	return d.uint64(), true
}

// changed reads the attribute-change time a record of format f carries.
func (d *decoder) changed(f byte) uint64 {
	if f != format3 {
		return 0
	}
	return d.uvarint()
}

// recordNode returns the node that wrote a version record.
func recordNode(v []byte) (string, error) {
	node, _, _, _, err := recordStamp(v)
	return node, err
}

// recordStamp returns what reconciles two copies of one slot: the node, whether the
// record is a tombstone, a null version, and its attribute-change time.
func recordStamp(v []byte) (node string, tomb, null bool, changed uint64, err error) {
	d := decoder{b: v}
	f := d.recordFormat()
	flags := d.byte()
	changed = d.changed(f)
	node = d.string()
	return node, flags&flagTombstone != 0, flags&flagVersioned == 0, changed, d.err
}

// recordIsTombstone reports whether a version record is a tombstone, reading only its
// flags.
func recordIsTombstone(v []byte) bool {
	return len(v) >= 2 && v[1]&flagTombstone != 0
}

// recordBlocks calls fn for each block of a version record.
func recordBlocks(v []byte, fn func(Hash)) error {
	d := decoder{b: v}
	f := d.recordFormat()
	d.byte()
	d.changed(f)
	d.raw() // node
	d.varint()
	d.raw() // etag
	d.raw() // meta
	d.raw() // parts
	d.raw() // inline
	d.inlineSum(f)
	d.eachBlock(fn)
	return d.err
}

// recordInlineOK reports whether a version record's inline bytes pass their check
// (a record without inline bytes passes). A value that does not decode fails.
func recordInlineOK(v []byte) bool {
	d := decoder{b: v}
	f := d.recordFormat()
	d.byte()
	d.changed(f)
	d.raw() // node
	d.varint()
	etag := d.raw()
	d.raw() // meta
	d.raw() // parts
	inline := d.raw()
	sum, hasSum := d.inlineSum(f)
	return d.err == nil && checkInline(inline, sum, hasSum, string(etag)) == nil
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
