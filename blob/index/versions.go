package index

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// PutRecord stores a version record in partition p, and reports whether it changed
// the index (applied false: what is stored already wins). It returns once the record
// is durable.
//
// The rules, which make any two owners converge whatever order records reach them in:
//   - a copy of a slot the index holds replaces it only if it wins (Record.Changed:
//     a tombstone, then the later attribute change), or if it is the same state and the
//     stored copy's inline bytes fail their check (how a bad copy is repaired);
//   - a null record (Versioned clear) supersedes the key's older null records, which
//     are removed, and is itself superseded (not stored) by a newer one;
//   - nothing else is ever removed: versions accumulate.
func (x *Index) PutRecord(ctx context.Context, p int, r Record) (applied bool, err error) {
	if err := checkKey(p, r.Bucket, r.Key); err != nil {
		return false, err
	}
	err = x.update(ctx, func(tx *bolt.Tx) error {
		var err error
		applied, err = putRecordTx(tx, p, &r)
		return err
	})
	return applied, err
}

// putRecordTx stores r by the rules of PutRecord within tx and reports whether it did.
func putRecordTx(tx *bolt.Tx, p int, r *Record) (bool, error) {
	if err := checkIncomingInline(r); err != nil {
		return false, err
	}
	b := tx.Bucket(versionsBucket)
	target := versionKey(p, r.Bucket, r.Key, r.HLC, r.Node)
	// ok reports whether r may replace the stored copy v of its slot.
	ok := func(v []byte) (bool, error) {
		_, tomb, _, changed, err := recordStamp(v)
		if err != nil {
			return false, err
		}
		same := tomb == r.Tombstone && changed == r.Changed
		return copyWins(r.Tombstone, r.Changed, tomb, changed) || same && !recordInlineOK(v), nil
	}
	if r.Versioned {
		// Versions never supersede one another: only r's own slot matters.
		k, v := findSlot(b, p, r.Bucket, r.Key, r.HLC, r.Node)
		if v != nil {
			if win, err := ok(v); err != nil || !win {
				return false, err
			}
			target = k
		}
		return true, storeRecord(tx, b, p, target, r)
	}
	prefix := objectPrefix(p, r.Bucket, r.Key)
	var older [][]byte
	c := b.Cursor()
	for ek, ev := c.Seek(prefix); ek != nil && bytes.HasPrefix(ek, prefix); ek, ev = c.Next() {
		_, ehlc, valid := splitVersionKey(ek, len(prefix)-len(r.Key)-1)
		if !valid {
			return false, fmt.Errorf("%w: key %x", ErrCorruptRecord, ek)
		}
		enode, _, enull, _, err := recordStamp(ev)
		if err != nil {
			return false, err
		}
		switch {
		case ehlc == r.HLC && enode == r.Node:
			if win, err := ok(ev); err != nil || !win {
				return false, err
			}
			target = bytes.Clone(ek)
		case !enull:
		case newer(ehlc, enode, r.HLC, r.Node):
			return false, nil // a newer null version supersedes r
		default:
			older = append(older, bytes.Clone(ek))
		}
	}
	for _, ok := range older {
		if err := b.Delete(ok); err != nil {
			return false, err
		}
	}
	return true, storeRecord(tx, b, p, target, r)
}

// storeRecord puts r under target and appends it to the change feed.
func storeRecord(tx *bolt.Tx, b *bolt.Bucket, p int, target []byte, r *Record) error {
	if err := b.Put(target, encodeRecord(r)); err != nil {
		return err
	}
	return appendChange(tx, p, r)
}

// findSlot returns the key and value of the record in slot (hlc, node) of a key, under
// its key or, from a release before versioning, its legacy key; nil if there is none.
func findSlot(b *bolt.Bucket, p int, bucket, key string, hlc uint64, node string) ([]byte, []byte) {
	k := versionKey(p, bucket, key, hlc, node)
	if v := b.Get(k); v != nil {
		return k, v
	}
	k = legacyVersionKey(p, bucket, key, hlc)
	if v := b.Get(k); v != nil {
		if n, err := recordNode(v); err == nil && n == node {
			return k, v
		}
	}
	return nil, nil
}

// GetRecord returns the newest record of a key in partition p, tombstones included;
// ErrNotFound if there is none; ErrCorruptInline, with the record's header but no
// inline bytes, if its inline bytes fail their check.
func (x *Index) GetRecord(ctx context.Context, p int, bucket, key string) (Record, error) {
	if err := checkKey(p, bucket, key); err != nil {
		return Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	prefix := objectPrefix(p, bucket, key)
	var r Record
	err := x.view(func(tx *bolt.Tx) error {
		k, v := tx.Bucket(versionsBucket).Cursor().Seek(prefix)
		if k == nil || !bytes.HasPrefix(k, prefix) {
			return ErrNotFound
		}
		_, hlc, _ := splitVersionKey(k, len(prefix)-len(key)-1)
		r = Record{Bucket: bucket, Key: key, HLC: hlc}
		return decodeRecord(v, &r)
	})
	return r, err
}

// GetVersion returns the record in slot (hlc, node) of a key in partition p,
// tombstone or not; ErrNotFound if there is none; ErrCorruptInline as GetRecord.
func (x *Index) GetVersion(ctx context.Context, p int, bucket, key string, hlc uint64, node string) (Record, error) {
	if err := checkKey(p, bucket, key); err != nil {
		return Record{}, err
	}
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	var r Record
	err := x.view(func(tx *bolt.Tx) error {
		_, v := findSlot(tx.Bucket(versionsBucket), p, bucket, key, hlc, node)
		if v == nil {
			return ErrNotFound
		}
		r = Record{Bucket: bucket, Key: key, HLC: hlc}
		return decodeRecord(v, &r)
	})
	return r, err
}

// Current returns a key's records in partition p, whole, newest first, down to the
// first that is not a tombstone: what decides the key's current version, and its
// bytes. ErrCorruptInline, with the records before it, if that record's inline bytes
// fail their check.
func (x *Index) Current(ctx context.Context, p int, bucket, key string) ([]Record, error) {
	if err := checkKey(p, bucket, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := objectPrefix(p, bucket, key)
	var out []Record
	err := x.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(versionsBucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			_, hlc, ok := splitVersionKey(k, len(prefix)-len(key)-1)
			if !ok {
				return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
			}
			r := Record{Bucket: bucket, Key: key, HLC: hlc}
			if err := decodeRecord(v, &r); err != nil {
				return err
			}
			out = append(out, r)
			if !r.Tombstone {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// VersionsQuery says which records of one key Versions returns.
type VersionsQuery struct {
	// HLC, if not 0, returns only the records created at that HLC (a lookup by
	// version id).
	HLC uint64
	// All returns every record; otherwise the newest down to the first that is not a
	// tombstone (what decides the current version).
	All bool
}

// Versions returns the headers of a key's records in partition p, newest first, as q
// asks.
func (x *Index) Versions(ctx context.Context, p int, bucket, key string, q VersionsQuery) ([]Entry, error) {
	if err := checkKey(p, bucket, key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := objectPrefix(p, bucket, key)
	start, scope := prefix, prefix
	if q.HLC != 0 {
		start = legacyVersionKey(p, bucket, key, q.HLC)
		scope = start
	}
	var out []Entry
	err := x.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(versionsBucket).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, scope); k, v = c.Next() {
			_, hlc, ok := splitVersionKey(k, len(prefix)-len(key)-1)
			if !ok {
				return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
			}
			e := Entry{HLC: hlc}
			d := decoder{b: v}
			decodeEntry(&d, []byte(key), &e)
			if d.err != nil {
				return d.err
			}
			out = append(out, e)
			if !q.All && q.HLC == 0 && !e.Tombstone {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// List returns, for each partition in ps, in key order, records of each key of
// q.Bucket that starts with q.Prefix and comes after q.Pos: with q.Versions every
// record, newest first (at most q.Limit per partition); otherwise, per key, the
// newest down to the first that is not a tombstone (at most q.Limit keys per
// partition). Only record headers are decoded. All partitions are read in one
// transaction.
func (x *Index) List(ctx context.Context, ps []int, q ListQuery) ([]EntryBatch, error) {
	if err := checkListQuery(ctx, ps, q); err != nil {
		return nil, err
	}
	out := make([]EntryBatch, len(ps))
	err := x.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(versionsBucket).Cursor()
		for i, p := range ps {
			out[i].Partition = p
			if err := listPartition(c, p, q, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// listPartition fills b with one partition's batch of a listing.
func listPartition(c *bolt.Cursor, p int, q ListQuery, b *EntryBatch) error {
	bp := bucketPrefix(p, q.Bucket)
	var start, skip []byte
	if q.Versions && q.Pos.After != "" && q.Pos.HLC != 0 && strings.HasPrefix(q.Pos.After, q.Prefix) {
		// Resume among After's versions: after the one in the slot given, or with no
		// node, at the first created at HLC.
		if q.Pos.Node != "" {
			skip = versionKey(p, q.Bucket, q.Pos.After, q.Pos.HLC, q.Pos.Node)
			start = skip
		} else {
			start = legacyVersionKey(p, q.Bucket, q.Pos.After, q.Pos.HLC)
		}
	} else {
		start = seekStart(bp, q.Prefix, q.Pos)
	}
	if start == nil {
		return nil
	}
	rangePrefix := append(bytes.Clone(bp), q.Prefix...)
	limit := q.limit()
	var last []byte
	keys := 0
	done := false // the current key's run is complete (listings without Versions)
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, rangePrefix); k, v = c.Next() {
		if skip != nil && bytes.Equal(k, skip) {
			continue
		}
		key, hlc, ok := splitVersionKey(k, len(bp))
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		same := last != nil && bytes.Equal(key, last)
		if same && done {
			continue // an older version of a key whose run is complete
		}
		if q.Versions && len(b.Entries) == limit || !q.Versions && !same && keys == limit {
			b.More = true
			return nil
		}
		e := Entry{HLC: hlc}
		d := decoder{b: v}
		decodeEntry(&d, key, &e)
		if d.err != nil {
			return d.err
		}
		if b.Entries == nil {
			b.Entries = make([]Entry, 0, min(limit, 64))
		}
		b.Entries = append(b.Entries, e)
		if !same {
			keys++
			last = append(last[:0], key...)
		}
		done = !q.Versions && !e.Tombstone
	}
	return nil
}

// checkListQuery refuses a listing of an invalid bucket name or partition number, and
// one whose context has ended.
func checkListQuery(ctx context.Context, ps []int, q ListQuery) error {
	if !validName(q.Bucket) {
		return ErrInvalidKey
	}
	for _, p := range ps {
		if p < 0 || p > 0xffff {
			return ErrInvalidKey
		}
	}
	return ctx.Err()
}
