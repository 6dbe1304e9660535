package index

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutRecord stores a version record in partition p by last write wins: it replaces
// the key's older records, and is ignored (applied false) if the index already holds
// a record of the key as new or newer. The index keeps one record per key: buckets
// are unversioned for now. It returns once the record is durable.
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

// putRecordTx stores r by last write wins within tx and reports whether it did.
func putRecordTx(tx *bolt.Tx, p int, r *Record) (bool, error) {
	prefix := objectPrefix(p, r.Bucket, r.Key)
	b := tx.Bucket(versionsBucket)
	var older [][]byte
	c := b.Cursor()
	for ek, ev := c.Seek(prefix); ek != nil && bytes.HasPrefix(ek, prefix); ek, ev = c.Next() {
		_, ehlc, ok := splitVersionKey(ek, len(prefix)-len(r.Key)-1)
		if !ok {
			return false, fmt.Errorf("%w: key %x", ErrCorruptRecord, ek)
		}
		enode, err := recordNode(ev)
		if err != nil {
			return false, err
		}
		if !newer(r.HLC, r.Node, ehlc, enode) {
			return false, nil // what is stored wins (or is this very record)
		}
		older = append(older, bytes.Clone(ek))
	}
	for _, ok := range older {
		if err := b.Delete(ok); err != nil {
			return false, err
		}
	}
	if err := b.Put(versionKey(p, r.Bucket, r.Key, r.HLC), encodeRecord(r)); err != nil {
		return false, err
	}
	return true, nil
}

// GetRecord returns the newest record of a key in partition p, tombstones included;
// ErrNotFound if there is none.
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
		if k == nil || !bytes.HasPrefix(k, prefix) || len(k) != len(prefix)+hlcLen {
			return ErrNotFound
		}
		_, hlc, _ := splitVersionKey(k, len(prefix)-len(key)-1)
		r = Record{Bucket: bucket, Key: key, HLC: hlc}
		return decodeRecord(v, &r)
	})
	return r, err
}

// List returns, for each partition in ps, in key order, the newest record of each
// key of q.Bucket that starts with q.Prefix and comes after q.Pos: at most q.Limit of
// them per partition, and whether more follow. Tombstones are included: the caller
// merges owners' answers by last write wins before dropping them. Only record headers
// are decoded. All partitions are read in one transaction.
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
	start := seekStart(bp, q.Prefix, q.Pos)
	if start == nil {
		return nil
	}
	rangePrefix := append(bytes.Clone(bp), q.Prefix...)
	limit := q.limit()
	var last []byte
	for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, rangePrefix); k, v = c.Next() {
		key, hlc, ok := splitVersionKey(k, len(bp))
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		if last != nil && bytes.Equal(key, last) {
			continue // an older version of the key just listed
		}
		if len(b.Entries) == limit {
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
		last = append(last[:0], key...)
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
