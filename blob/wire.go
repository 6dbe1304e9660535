package blob

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cairnstore/cairn/blob/index"
)

// The node-to-node messages of the object layer are binary: object keys are arbitrary
// bytes (JSON would mangle any that are not UTF-8), records carry inline bytes and
// block lists, and a summary of a partition holds thousands of entries. Integers are
// varints, strings and byte slices are length-prefixed, lists are a count then their
// elements. Blocks themselves travel as raw bytes (rpc.go). A change of any message
// takes a new operation path under RPCPrefix, so that nodes of two releases never
// misread each other during a rolling upgrade. (Versioning changed records, entries,
// list queries and version stamps: their operations took a ".v2" path.)

// errWire is a message that does not decode.
var errWire = errors.New("blob: malformed node-to-node message")

// enc appends values to a message.
type enc struct{ b []byte }

func (e *enc) uv(v uint64)     { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) iv(v int64)      { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) int(v int)       { e.iv(int64(v)) }
func (e *enc) str(s string)    { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) raw(b []byte)    { e.uv(uint64(len(b))); e.b = append(e.b, b...) }
func (e *enc) hash(h [32]byte) { e.b = append(e.b, h[:]...) }
func (e *enc) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *enc) ints(vs []int) {
	e.uv(uint64(len(vs)))
	for _, v := range vs {
		e.int(v)
	}
}

func (e *enc) blocks(refs []index.BlockRef) {
	e.uv(uint64(len(refs)))
	for _, r := range refs {
		e.hash(r.Hash)
		e.iv(r.Size)
	}
}

// dec reads values from a message; the first error sticks, and later reads return
// zero values.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errWire
	}
	d.b = nil
}

func (d *dec) uv() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) iv() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) int() int { return int(d.iv()) }

func (d *dec) take(n uint64) []byte {
	if d.err != nil || n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *dec) str() string { return string(d.take(d.uv())) }

// raw returns a length-prefixed byte slice (nil when empty), aliasing the message.
func (d *dec) raw() []byte {
	v := d.take(d.uv())
	if len(v) == 0 {
		return nil
	}
	return v
}

func (d *dec) hash() (h [32]byte) {
	copy(h[:], d.take(32))
	return h
}

func (d *dec) bool() bool {
	v := d.take(1)
	return len(v) == 1 && v[0] != 0
}

// count reads a list length, at most one element per remaining byte (each element
// takes at least one), so a corrupt count cannot make the reader allocate much.
func (d *dec) count() int {
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *dec) ints() []int {
	n := d.count()
	out := make([]int, 0, n)
	for range n {
		out = append(out, d.int())
	}
	return out
}

func (d *dec) blocks() []index.BlockRef {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]index.BlockRef, n)
	for i := range out {
		out[i].Hash = d.hash()
		out[i].Size = d.iv()
	}
	return out
}

// end reports the decoding error, or an error if bytes are left over.
func (d *dec) end() error {
	if d.err == nil && len(d.b) > 0 {
		return fmt.Errorf("%w: %d bytes left over", errWire, len(d.b))
	}
	return d.err
}

func (e *enc) record(r *index.Record) {
	e.str(r.Bucket)
	e.str(r.Key)
	e.uv(r.HLC)
	e.str(r.Node)
	e.bool(r.Tombstone)
	e.iv(r.Size)
	e.str(r.ETag)
	e.raw(r.Meta)
	e.raw(r.Parts)
	e.raw(r.Inline)
	e.blocks(r.Blocks)
	e.bool(r.Versioned)
	e.bool(r.DeleteMarker)
	e.uv(r.Changed)
}

func (d *dec) record() (r index.Record) {
	r.Bucket, r.Key, r.HLC, r.Node = d.str(), d.str(), d.uv(), d.str()
	r.Tombstone, r.Size, r.ETag = d.bool(), d.iv(), d.str()
	r.Meta, r.Parts, r.Inline, r.Blocks = d.raw(), d.raw(), d.raw(), d.blocks()
	r.Versioned, r.DeleteMarker, r.Changed = d.bool(), d.bool(), d.uv()
	return r
}

// records encodes a key's records (Current's answer), counted.
func (e *enc) records(rs []index.Record) {
	e.uv(uint64(len(rs)))
	for i := range rs {
		e.record(&rs[i])
	}
}

func (d *dec) records() []index.Record {
	n := d.count()
	out := make([]index.Record, 0, n)
	for range n {
		out = append(out, d.record())
	}
	return out
}

func (e *enc) entry(x *index.Entry) {
	e.str(x.Key)
	e.uv(x.HLC)
	e.str(x.Node)
	e.bool(x.Tombstone)
	e.iv(x.Size)
	e.str(x.ETag)
	e.raw(x.Meta)
	e.bool(x.Versioned)
	e.bool(x.DeleteMarker)
	e.uv(x.Changed)
}

func (d *dec) entry() (x index.Entry) {
	x.Key, x.HLC, x.Node, x.Tombstone = d.str(), d.uv(), d.str(), d.bool()
	x.Size, x.ETag, x.Meta = d.iv(), d.str(), d.raw()
	x.Versioned, x.DeleteMarker, x.Changed = d.bool(), d.bool(), d.uv()
	return x
}

func (e *enc) entries(xs []index.Entry) {
	e.uv(uint64(len(xs)))
	for i := range xs {
		e.entry(&xs[i])
	}
}

func (d *dec) entries() []index.Entry {
	n := d.count()
	out := make([]index.Entry, 0, n)
	for range n {
		out = append(out, d.entry())
	}
	return out
}

func (e *enc) upload(u *index.Upload) {
	e.str(u.Bucket)
	e.str(u.Key)
	e.str(u.ID)
	e.uv(u.Initiated)
	e.uv(u.Deleted)
	e.raw(u.Meta)
}

func (d *dec) upload() (u index.Upload) {
	u.Bucket, u.Key, u.ID, u.Initiated, u.Deleted, u.Meta = d.str(), d.str(), d.str(), d.uv(), d.uv(), d.raw()
	return u
}

func (e *enc) part(pt *index.Part) {
	e.str(pt.Bucket)
	e.str(pt.Key)
	e.str(pt.UploadID)
	e.int(pt.Number)
	e.uv(pt.HLC)
	e.iv(pt.Size)
	e.str(pt.ETag)
	e.raw(pt.Meta)
	e.blocks(pt.Blocks)
}

func (d *dec) part() (pt index.Part) {
	pt.Bucket, pt.Key, pt.UploadID, pt.Number = d.str(), d.str(), d.str(), d.int()
	pt.HLC, pt.Size, pt.ETag, pt.Meta, pt.Blocks = d.uv(), d.iv(), d.str(), d.raw(), d.blocks()
	return pt
}

func (e *enc) parts(pts []index.Part) {
	e.uv(uint64(len(pts)))
	for i := range pts {
		e.part(&pts[i])
	}
}

func (d *dec) parts() []index.Part {
	n := d.count()
	out := make([]index.Part, 0, n)
	for range n {
		out = append(out, d.part())
	}
	return out
}

func (e *enc) query(q *index.ListQuery) {
	e.str(q.Bucket)
	e.str(q.Prefix)
	e.str(q.Pos.After)
	e.bool(q.Pos.Under)
	e.str(q.Pos.UploadID)
	e.int(q.Limit)
	e.bool(q.Versions)
	e.uv(q.Pos.HLC)
	e.str(q.Pos.Node)
}

func (d *dec) query() (q index.ListQuery) {
	q.Bucket, q.Prefix = d.str(), d.str()
	q.Pos.After, q.Pos.Under, q.Pos.UploadID = d.str(), d.bool(), d.str()
	q.Limit = d.int()
	q.Versions, q.Pos.HLC, q.Pos.Node = d.bool(), d.uv(), d.str()
	return q
}

func (e *enc) versionStamp(v *index.VersionStamp) {
	e.str(v.Bucket)
	e.str(v.Key)
	e.uv(v.HLC)
	e.str(v.Node)
	e.bool(v.Tombstone)
	e.uv(v.Changed)
}

func (d *dec) versionStamp() (v index.VersionStamp) {
	v.Bucket, v.Key, v.HLC, v.Node, v.Tombstone = d.str(), d.str(), d.uv(), d.str(), d.bool()
	v.Changed = d.uv()
	return v
}

func (e *enc) summary(s *index.Summary) {
	e.uv(uint64(len(s.Versions)))
	for i := range s.Versions {
		e.versionStamp(&s.Versions[i])
	}
	e.uv(uint64(len(s.Uploads)))
	for _, u := range s.Uploads {
		e.str(u.Bucket)
		e.str(u.Key)
		e.str(u.ID)
		e.uv(u.Initiated)
		e.uv(u.Deleted)
	}
	e.uv(uint64(len(s.Parts)))
	for _, pt := range s.Parts {
		e.str(pt.Bucket)
		e.str(pt.Key)
		e.str(pt.UploadID)
		e.int(pt.Number)
		e.uv(pt.HLC)
	}
}

func (d *dec) summary() (s index.Summary) {
	n := d.count()
	s.Versions = make([]index.VersionStamp, 0, n)
	for range n {
		s.Versions = append(s.Versions, d.versionStamp())
	}
	n = d.count()
	s.Uploads = make([]index.UploadStamp, 0, n)
	for range n {
		s.Uploads = append(s.Uploads, index.UploadStamp{Bucket: d.str(), Key: d.str(), ID: d.str(), Initiated: d.uv(), Deleted: d.uv()})
	}
	n = d.count()
	s.Parts = make([]index.PartStamp, 0, n)
	for range n {
		s.Parts = append(s.Parts, index.PartStamp{Bucket: d.str(), Key: d.str(), UploadID: d.str(), Number: d.int(), HLC: d.uv()})
	}
	return s
}

func (e *enc) batch(b *index.Batch) {
	e.uv(uint64(len(b.Records)))
	for i := range b.Records {
		e.record(&b.Records[i])
	}
	e.uv(uint64(len(b.Uploads)))
	for i := range b.Uploads {
		e.upload(&b.Uploads[i])
	}
	e.parts(b.Parts)
}

func (d *dec) batch() (b index.Batch) {
	n := d.count()
	b.Records = make([]index.Record, 0, n)
	for range n {
		b.Records = append(b.Records, d.record())
	}
	n = d.count()
	b.Uploads = make([]index.Upload, 0, n)
	for range n {
		b.Uploads = append(b.Uploads, d.upload())
	}
	b.Parts = d.parts()
	return b
}

func (e *enc) digests(ds []index.Digest) {
	e.uv(uint64(len(ds)))
	for _, x := range ds {
		e.int(x.Partition)
		e.hash(x.Sum)
		e.int(x.Items)
	}
}

func (d *dec) digests() []index.Digest {
	n := d.count()
	out := make([]index.Digest, 0, n)
	for range n {
		out = append(out, index.Digest{Partition: d.int(), Sum: d.hash(), Items: d.int()})
	}
	return out
}

func (e *enc) hashes(hs [][32]byte) {
	e.uv(uint64(len(hs)))
	for _, h := range hs {
		e.hash(h)
	}
}

func (d *dec) hashes() [][32]byte {
	n := d.count()
	out := make([][32]byte, 0, n)
	for range n {
		out = append(out, d.hash())
	}
	return out
}

func (e *enc) entryBatches(bs []index.EntryBatch) {
	e.uv(uint64(len(bs)))
	for _, b := range bs {
		e.int(b.Partition)
		e.bool(b.More)
		e.uv(uint64(len(b.Entries)))
		for i := range b.Entries {
			e.entry(&b.Entries[i])
		}
	}
}

func (d *dec) entryBatches() []index.EntryBatch {
	n := d.count()
	out := make([]index.EntryBatch, 0, n)
	for range n {
		b := index.EntryBatch{Partition: d.int(), More: d.bool()}
		m := d.count()
		if m > 0 {
			b.Entries = make([]index.Entry, 0, m)
		}
		for range m {
			b.Entries = append(b.Entries, d.entry())
		}
		out = append(out, b)
	}
	return out
}

func (e *enc) uploadBatches(bs []index.UploadBatch) {
	e.uv(uint64(len(bs)))
	for _, b := range bs {
		e.int(b.Partition)
		e.bool(b.More)
		e.uv(uint64(len(b.Uploads)))
		for i := range b.Uploads {
			e.upload(&b.Uploads[i])
		}
	}
}

func (d *dec) uploadBatches() []index.UploadBatch {
	n := d.count()
	out := make([]index.UploadBatch, 0, n)
	for range n {
		b := index.UploadBatch{Partition: d.int(), More: d.bool()}
		m := d.count()
		if m > 0 {
			b.Uploads = make([]index.Upload, 0, m)
		}
		for range m {
			b.Uploads = append(b.Uploads, d.upload())
		}
		out = append(out, b)
	}
	return out
}
