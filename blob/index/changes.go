package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The change feed: every version record this index stores (a PUT, a copy from
// another owner, a tag change, a tombstone) also appends an entry to the "changes"
// keyspace, in the same transaction, so the feed misses nothing that is durable:
//
//	changes: p(2) | seq(8, big-endian) → bucket | 0x00 | key
//	                                     or 0x01 | hlc(8) | node | 0x00 | bucket | 0x00 | key
//
// The second form is a version removed for good (a versioned tombstone, stored
// in the version's slot (hlc, node)): site sync replicates such a removal by the
// version's id, on this proof alone (a bucket name never starts with 0x01, and a
// node id holds no 0x00).
//
// seq is this index's arrival stamp, a hybrid clock of its own: the wall time in
// milliseconds in the high 48 bits and a counter in the low 16, strictly increasing
// within the index (it never goes back, even if the wall clock does). Ordering by
// arrival rather than by a record's own HLC means a record that reaches this node late
// (through anti-entropy, with an old HLC) is still after any checkpoint taken before
// it arrived. Since seq follows wall time, a checkpoint taken on one owner is a fair
// starting point on another (site sync resumes a little before it, see
// docs/site-sync.md). Entries are kept until TrimChanges removes them.
var changesBucket = []byte("changes")

// seqKey is where the last seq handed out is kept, in the changes keyspace (a
// partition prefix is two bytes, so this one-byte key never collides).
var seqKey = []byte{0xff}

// Change is one entry of the change feed: a key of a bucket changed at Seq.
type Change struct {
	Seq    uint64
	Bucket string
	Key    string
	// Removed is set when the change is the removal for good of a version (its
	// tombstone): the version's slot.
	Removed bool
	HLC     uint64
	Node    string
}

// removalMark starts the feed value of a version's removal.
const removalMark = 0x01

// nextSeq returns the next arrival stamp, after the last one and not before now.
func nextSeq(b *bolt.Bucket, now time.Time) (uint64, error) {
	seq := uint64(now.UnixMilli()) << 16
	if last := b.Get(seqKey); len(last) == 8 {
		if l := binary.BigEndian.Uint64(last); l >= seq {
			seq = l + 1
		}
	}
	return seq, b.Put(seqKey, binary.BigEndian.AppendUint64(nil, seq))
}

// appendChange records, within tx, that r's key changed (a version's removal
// for good, with its slot, when r is a versioned tombstone).
func appendChange(tx *bolt.Tx, p int, r *Record) error {
	b := tx.Bucket(changesBucket)
	seq, err := nextSeq(b, time.Now())
	if err != nil {
		return err
	}
	k := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint16(nil, uint16(p)), seq)
	var v []byte
	if r.Versioned && r.Tombstone {
		v = append(binary.BigEndian.AppendUint64([]byte{removalMark}, r.HLC), r.Node...)
		v = append(v, 0)
	}
	v = append(append(append(v, r.Bucket...), 0), r.Key...)
	return b.Put(k, v)
}

// decodeChange decodes a feed value into c.
func decodeChange(v []byte, c *Change) error {
	if len(v) > 0 && v[0] == removalMark {
		if len(v) < 9 {
			return ErrCorruptRecord
		}
		c.Removed, c.HLC = true, binary.BigEndian.Uint64(v[1:9])
		node, rest, ok := bytes.Cut(v[9:], []byte{0})
		if !ok {
			return ErrCorruptRecord
		}
		c.Node, v = string(node), rest
	}
	bucket, key, ok := bytes.Cut(v, []byte{0})
	if !ok {
		return ErrCorruptRecord
	}
	c.Bucket, c.Key = string(bucket), string(key)
	return nil
}

// Changes returns up to limit changes of partition p after seq, in seq order.
func (x *Index) Changes(ctx context.Context, p int, after uint64, limit int) ([]Change, error) {
	if p < 0 || p > 0xffff {
		return nil, ErrInvalidKey
	}
	if limit <= 0 {
		limit = 1000
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Change
	err := x.view(func(tx *bolt.Tx) error {
		prefix := binary.BigEndian.AppendUint16(nil, uint16(p))
		c := tx.Bucket(changesBucket).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(bytes.Clone(prefix), after+1)); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			if len(k) != 10 {
				continue
			}
			ch := Change{Seq: binary.BigEndian.Uint64(k[2:])}
			if err := decodeChange(v, &ch); err != nil {
				return err
			}
			out = append(out, ch)
		}
		return nil
	})
	return out, err
}

// LastSeq returns the last arrival stamp handed out, 0 if none.
func (x *Index) LastSeq() uint64 {
	var seq uint64
	_ = x.view(func(tx *bolt.Tx) error {
		if v := tx.Bucket(changesBucket).Get(seqKey); len(v) == 8 {
			seq = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return seq
}

// TrimChanges removes the changes of partition p up to and including seq: those
// every consumer has passed. It returns how many it removed.
func (x *Index) TrimChanges(ctx context.Context, p int, upTo uint64) (int, error) {
	if p < 0 || p > 0xffff {
		return 0, ErrInvalidKey
	}
	prefix := binary.BigEndian.AppendUint16(nil, uint16(p))
	end := binary.BigEndian.AppendUint64(bytes.Clone(prefix), upTo)
	// Most calls find nothing to remove: look first, so they cost no commit (and
	// no fsync).
	due := false
	_ = x.view(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(changesBucket).Cursor().Seek(prefix)
		due = k != nil && bytes.HasPrefix(k, prefix) && bytes.Compare(k, end) <= 0
		return nil
	})
	if !due {
		return 0, nil
	}
	var n int
	err := x.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		c := tx.Bucket(changesBucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.Compare(k, end) <= 0 && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
