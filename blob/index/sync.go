package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Anti-entropy compares what the owners of a partition hold. Each owner hashes the
// identities and write times of its partition's versions, uploads and parts (Digests);
// owners whose digests differ exchange Summaries, fetch what the other holds newer
// (Fetch) and apply it by last write wins (Apply). An owner that hands a partition
// over after a layout change removes exactly what it handed over (Forget).

// Digest is a hash over everything a partition holds. Two indexes hold the same
// versions, uploads and parts of a partition exactly when their digests are equal
// (barring a SHA-256 collision).
type Digest struct {
	Partition int
	Sum       [32]byte
	Items     int // versions + uploads + parts
}

// VersionStamp identifies a version record (its slot: bucket, key, HLC, node) and its
// state (Tombstone, Changed), as a Summary lists it.
type VersionStamp struct {
	Bucket    string
	Key       string
	HLC       uint64
	Node      string
	Tombstone bool
	Changed   uint64
}

// UploadStamp identifies an upload or its tombstone.
type UploadStamp struct {
	Bucket    string
	Key       string
	ID        string
	Initiated uint64
	Deleted   uint64
}

// PartStamp identifies a part.
type PartStamp struct {
	Bucket   string
	Key      string
	UploadID string
	Number   int
	HLC      uint64
}

// Summary lists the identities and write times of what a partition holds, in index
// order, without the records' contents.
type Summary struct {
	Versions []VersionStamp
	Uploads  []UploadStamp
	Parts    []PartStamp
}

// Len is the number of items a Summary lists.
func (s *Summary) Len() int { return len(s.Versions) + len(s.Uploads) + len(s.Parts) }

// Batch carries whole records, uploads and parts between owners.
type Batch struct {
	Records []Record
	Uploads []Upload
	Parts   []Part
}

// Len is the number of items in a Batch.
func (b *Batch) Len() int { return len(b.Records) + len(b.Uploads) + len(b.Parts) }

// partitionPrefix is the first two bytes of every key of partition p.
func partitionPrefix(p int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(p)) }

// scanPrefix calls fn for every key of keyspace ks that starts with prefix, chunk keys
// per read transaction (so the scan is not one snapshot).
func (x *Index) scanPrefix(ctx context.Context, ks, prefix []byte, fn func(k, v []byte) error) error {
	after := prefix
	first := true
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done := true
		err := x.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(ks).Cursor()
			k, v := c.Seek(after)
			if !first && k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for n := 0; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if n == chunk {
					done = false
					return nil
				}
				if err := fn(k, v); err != nil {
					return err
				}
				after = append(after[:0:0], k...)
				n++
			}
			return nil
		})
		first = false
		if err != nil || done {
			return err
		}
	}
}

// scanPartition calls the three functions for the versions, uploads and parts of
// partition p, with their keys and decoded identities.
func (x *Index) scanPartition(ctx context.Context, p int,
	version func(k []byte, s VersionStamp) error, upload func(k []byte, s UploadStamp) error, part func(k []byte, s PartStamp) error) error {
	if p < 0 || p > 0xffff {
		return ErrInvalidKey
	}
	pp := partitionPrefix(p)
	err := x.scanPrefix(ctx, versionsBucket, pp, func(k, v []byte) error {
		bucket, key, hlc, ok := splitAnyVersionKey(k)
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		node, tomb, _, changed, err := recordStamp(v)
		if err != nil {
			return err
		}
		if !recordInlineOK(v) {
			// A bad copy counts as none: the digest differs from a good owner's, and
			// anti-entropy brings that owner's copy here (putRecordTx replaces it).
			return nil
		}
		return version(k, VersionStamp{Bucket: bucket, Key: key, HLC: hlc, Node: node, Tombstone: tomb, Changed: changed})
	})
	if err != nil {
		return err
	}
	err = x.scanPrefix(ctx, uploadsBucket, pp, func(k, v []byte) error {
		bucket, rest, ok := splitBucket(k)
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		key, initiated, id, ok := splitUploadKey(k, len(k)-len(rest))
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		return upload(k, UploadStamp{Bucket: bucket, Key: string(key), ID: string(id), Initiated: initiated, Deleted: uploadDeleted(v)})
	})
	if err != nil {
		return err
	}
	return x.scanPrefix(ctx, partsBucket, pp, func(k, v []byte) error {
		s, ok := splitPartKey(k)
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		hlc, err := partHLC(v)
		if err != nil {
			return err
		}
		s.HLC = hlc
		return part(k, s)
	})
}

// Digests returns the digest of each partition in ps, in that order. It reads every
// key of those partitions, and of the values their headers and inline bytes, which it
// checks: a record that fails counts as absent (see scanPartition).
func (x *Index) Digests(ctx context.Context, ps []int) ([]Digest, error) {
	out := make([]Digest, len(ps))
	for i, p := range ps {
		h := sha256.New()
		var buf []byte
		n := 0
		add := func(k []byte, extra ...[]byte) {
			buf = binary.AppendUvarint(buf[:0], uint64(len(k)))
			buf = append(buf, k...)
			for _, e := range extra {
				buf = binary.AppendUvarint(buf, uint64(len(e)))
				buf = append(buf, e...)
			}
			h.Write(buf)
			n++
		}
		err := x.scanPartition(ctx, p,
			func(k []byte, s VersionStamp) error {
				flag := []byte{0}
				if s.Tombstone {
					flag[0] = 1
				}
				add(k, []byte(s.Node), flag, binary.AppendUvarint(nil, s.Changed))
				return nil
			},
			func(k []byte, s UploadStamp) error {
				add(k, binary.BigEndian.AppendUint64(nil, s.Deleted))
				return nil
			},
			func(k []byte, s PartStamp) error {
				add(k, binary.BigEndian.AppendUint64(nil, s.HLC))
				return nil
			})
		if err != nil {
			return nil, err
		}
		out[i] = Digest{Partition: p, Items: n}
		copy(out[i].Sum[:], h.Sum(nil))
	}
	return out, nil
}

// Summary lists what partition p holds.
func (x *Index) Summary(ctx context.Context, p int) (Summary, error) {
	var s Summary
	err := x.scanPartition(ctx, p,
		func(_ []byte, v VersionStamp) error { s.Versions = append(s.Versions, v); return nil },
		func(_ []byte, u UploadStamp) error { s.Uploads = append(s.Uploads, u); return nil },
		func(_ []byte, pt PartStamp) error { s.Parts = append(s.Parts, pt); return nil })
	return s, err
}

// Fetch returns the current contents of the items want names in partition p: the
// record in each slot of want.Versions (whatever its state now), each upload or
// tombstone of want.Uploads, each part of want.Parts. Items no longer there are left
// out.
func (x *Index) Fetch(ctx context.Context, p int, want Summary) (Batch, error) {
	var b Batch
	if p < 0 || p > 0xffff {
		return b, ErrInvalidKey
	}
	if err := ctx.Err(); err != nil {
		return b, err
	}
	err := x.view(func(tx *bolt.Tx) error {
		vb := tx.Bucket(versionsBucket)
		for _, s := range want.Versions {
			if !validName(s.Bucket) || !validName(s.Key) {
				return ErrInvalidKey
			}
			_, v := findSlot(vb, p, s.Bucket, s.Key, s.HLC, s.Node)
			if v == nil {
				continue
			}
			r := Record{Bucket: s.Bucket, Key: s.Key, HLC: s.HLC}
			if err := decodeRecord(v, &r); errors.Is(err, ErrCorruptInline) {
				continue // never hand out a bad copy
			} else if err != nil {
				return err
			}
			b.Records = append(b.Records, r)
		}
		ub := tx.Bucket(uploadsBucket)
		for _, s := range want.Uploads {
			if !validName(s.Bucket) || !validName(s.Key) || !validName(s.ID) {
				return ErrInvalidKey
			}
			v := ub.Get(uploadKey(p, s.Bucket, s.Key, s.Initiated, s.ID))
			if v == nil {
				continue
			}
			u := Upload{Bucket: s.Bucket, Key: s.Key, ID: s.ID, Initiated: s.Initiated}
			if err := decodeUpload(v, &u); err != nil {
				return err
			}
			b.Uploads = append(b.Uploads, u)
		}
		pb := tx.Bucket(partsBucket)
		for _, s := range want.Parts {
			if !validName(s.Bucket) || !validName(s.Key) || !validName(s.UploadID) || s.Number < 1 {
				return ErrInvalidKey
			}
			v := pb.Get(partKey(p, s.Bucket, s.Key, s.UploadID, s.Number))
			if v == nil {
				continue
			}
			pt := Part{Bucket: s.Bucket, Key: s.Key, UploadID: s.UploadID, Number: s.Number}
			if err := decodePart(v, &pt); err != nil {
				return err
			}
			b.Parts = append(b.Parts, pt)
		}
		return nil
	})
	return b, err
}

// Apply stores a batch from another owner in partition p, in one commit, each item by
// the rules of its own write: records by last write wins, upload tombstones over
// uploads, parts by last write wins and only for an upload in progress here (after
// the batch's uploads are stored). It returns how many items changed the index.
func (x *Index) Apply(ctx context.Context, p int, b Batch) (applied int, err error) {
	for _, r := range b.Records {
		if err := checkKey(p, r.Bucket, r.Key); err != nil {
			return 0, err
		}
	}
	for _, u := range b.Uploads {
		if err := checkKey(p, u.Bucket, u.Key); err != nil || !validName(u.ID) {
			return 0, ErrInvalidKey
		}
	}
	for _, pt := range b.Parts {
		if err := checkKey(p, pt.Bucket, pt.Key); err != nil || !validName(pt.UploadID) || pt.Number < 1 {
			return 0, ErrInvalidKey
		}
	}
	err = x.update(ctx, func(tx *bolt.Tx) error {
		applied = 0
		for i := range b.Records {
			ok, err := putRecordTx(tx, p, &b.Records[i])
			if err != nil {
				return err
			}
			if ok {
				applied++
			}
		}
		ub := tx.Bucket(uploadsBucket)
		for i := range b.Uploads {
			u := &b.Uploads[i]
			before := ub.Get(uploadKey(p, u.Bucket, u.Key, u.Initiated, u.ID))
			if before != nil && (uploadDeleted(before) != 0 || u.Deleted == 0) {
				continue // as new already
			}
			if err := putUpload(tx, p, u); err != nil {
				return err
			}
			applied++
		}
		for i := range b.Parts {
			pt := &b.Parts[i]
			if uk, uv := findUpload(tx, p, pt.Bucket, pt.Key, pt.UploadID); uk == nil || uploadDeleted(uv) != 0 {
				continue // no upload in progress to hold it
			}
			ok, err := putPartTx(tx, partKey(p, pt.Bucket, pt.Key, pt.UploadID, pt.Number), encodePart(pt), pt.HLC)
			if err != nil {
				return err
			}
			if ok {
				applied++
			}
		}
		return nil
	})
	return applied, err
}

// Forget removes from partition p exactly the items s lists, as they were listed: a
// version only if its slot still holds it in the state listed, an upload only in the
// state listed, a part only with that HLC. Whatever changed since is kept. It
// returns how many items it removed.
func (x *Index) Forget(ctx context.Context, p int, s Summary) (removed int, err error) {
	if p < 0 || p > 0xffff {
		return 0, ErrInvalidKey
	}
	for s.Len() > 0 {
		var part Summary
		part.Versions, s.Versions = cut(s.Versions, chunk)
		part.Uploads, s.Uploads = cut(s.Uploads, chunk)
		part.Parts, s.Parts = cut(s.Parts, chunk)
		n, err := x.forget(ctx, p, part)
		removed += n
		if err != nil {
			return removed, err
		}
	}
	return removed, nil
}

func cut[T any](s []T, n int) (head, tail []T) {
	n = min(n, len(s))
	return s[:n], s[n:]
}

func (x *Index) forget(ctx context.Context, p int, s Summary) (removed int, err error) {
	err = x.update(ctx, func(tx *bolt.Tx) error {
		removed = 0
		vb := tx.Bucket(versionsBucket)
		for _, st := range s.Versions {
			if !validName(st.Bucket) || !validName(st.Key) {
				continue
			}
			k, v := findSlot(vb, p, st.Bucket, st.Key, st.HLC, st.Node)
			if v == nil {
				continue
			}
			if _, tomb, _, changed, err := recordStamp(v); err != nil || tomb != st.Tombstone || changed != st.Changed {
				continue
			}
			if err := vb.Delete(k); err != nil {
				return err
			}
			removed++
		}
		ub := tx.Bucket(uploadsBucket)
		for _, st := range s.Uploads {
			if !validName(st.Bucket) || !validName(st.Key) || !validName(st.ID) {
				continue
			}
			k := uploadKey(p, st.Bucket, st.Key, st.Initiated, st.ID)
			if v := ub.Get(k); v == nil || uploadDeleted(v) != st.Deleted {
				continue
			}
			if err := ub.Delete(k); err != nil {
				return err
			}
			removed++
		}
		pb := tx.Bucket(partsBucket)
		for _, st := range s.Parts {
			if !validName(st.Bucket) || !validName(st.Key) || !validName(st.UploadID) || st.Number < 1 {
				continue
			}
			k := partKey(p, st.Bucket, st.Key, st.UploadID, st.Number)
			v := pb.Get(k)
			if v == nil {
				continue
			}
			if hlc, err := partHLC(v); err != nil || hlc != st.HLC {
				continue
			}
			if err := pb.Delete(k); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	return removed, err
}

// splitBucket splits a key of any keyspace into its bucket and what follows the
// bucket's NUL.
func splitBucket(k []byte) (bucket string, rest []byte, ok bool) {
	if len(k) < 3 {
		return "", nil, false
	}
	i := bytes.IndexByte(k[2:], 0)
	if i < 1 {
		return "", nil, false
	}
	return string(k[2 : 2+i]), k[2+i+1:], true
}

// splitAnyVersionKey splits a version key into bucket, object key and HLC.
func splitAnyVersionKey(k []byte) (bucket, key string, hlc uint64, ok bool) {
	bucket, rest, ok := splitBucket(k)
	if !ok {
		return "", "", 0, false
	}
	kb, hlc, ok := splitVersionKey(k, len(k)-len(rest))
	return bucket, string(kb), hlc, ok
}

// splitPartKey splits a part key into its identity (HLC left zero).
func splitPartKey(k []byte) (PartStamp, bool) {
	bucket, rest, ok := splitBucket(k)
	if !ok || len(rest) < 4 {
		return PartStamp{}, false
	}
	body, num := rest[:len(rest)-4], binary.BigEndian.Uint32(rest[len(rest)-4:])
	i := bytes.IndexByte(body, 0)
	if i < 1 || len(body) < i+2 || body[len(body)-1] != 0 {
		return PartStamp{}, false
	}
	return PartStamp{Bucket: bucket, Key: string(body[:i]), UploadID: string(body[i+1 : len(body)-1]), Number: int(num)}, true
}
