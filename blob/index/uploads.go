package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// PutUpload stores a multipart upload in partition p, or its tombstone (u.Deleted
// set), which also removes the upload's parts. A tombstone is never replaced by the
// upload it ends: storing an upload whose tombstone is there changes nothing.
func (x *Index) PutUpload(ctx context.Context, p int, u Upload) error {
	if err := checkKey(p, u.Bucket, u.Key); err != nil {
		return err
	}
	if !validName(u.ID) {
		return ErrInvalidKey
	}
	return x.update(ctx, func(tx *bolt.Tx) error {
		return putUpload(tx, p, &u)
	})
}

// putUpload stores an upload or its tombstone within tx.
func putUpload(tx *bolt.Tx, p int, u *Upload) error {
	k := uploadKey(p, u.Bucket, u.Key, u.Initiated, u.ID)
	b := tx.Bucket(uploadsBucket)
	if old := b.Get(k); old != nil && uploadDeleted(old) != 0 {
		return nil // ended already
	}
	if u.Deleted != 0 {
		if err := deletePrefix(tx.Bucket(partsBucket), partPrefix(p, u.Bucket, u.Key, u.ID)); err != nil {
			return err
		}
	}
	return b.Put(k, encodeUpload(u))
}

// findUpload returns the key and value of an upload, or nil.
func findUpload(tx *bolt.Tx, p int, bucket, key, id string) (k, v []byte) {
	prefix := objectPrefix(p, bucket, key)
	c := tx.Bucket(uploadsBucket).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) > len(prefix)+hlcLen && string(k[len(prefix)+hlcLen:]) == id {
			return k, v
		}
	}
	return nil, nil
}

// GetUpload returns an upload of bucket/key in partition p, or its tombstone (Deleted
// set); ErrNotFound if there is neither.
func (x *Index) GetUpload(ctx context.Context, p int, bucket, key, id string) (Upload, error) {
	if err := checkKey(p, bucket, key); err != nil {
		return Upload{}, err
	}
	if err := ctx.Err(); err != nil {
		return Upload{}, err
	}
	var u Upload
	err := x.view(func(tx *bolt.Tx) error {
		k, v := findUpload(tx, p, bucket, key, id)
		if k == nil {
			return ErrNotFound
		}
		prefix := objectPrefix(p, bucket, key)
		u = Upload{Bucket: bucket, Key: key, ID: id, Initiated: binary.BigEndian.Uint64(k[len(prefix):])}
		return decodeUpload(v, &u)
	})
	return u, err
}

// DeleteUpload removes an upload (or its tombstone) and all its parts from partition
// p, leaving no tombstone; ErrNotFound if the upload is not there (its parts, if any,
// are removed all the same). The object layer ends uploads with PutUpload of a
// tombstone instead, so that anti-entropy cannot bring them back.
func (x *Index) DeleteUpload(ctx context.Context, p int, bucket, key, id string) error {
	if err := checkKey(p, bucket, key); err != nil {
		return err
	}
	pp := partPrefix(p, bucket, key, id)
	return x.update(ctx, func(tx *bolt.Tx) error {
		if err := deletePrefix(tx.Bucket(partsBucket), pp); err != nil {
			return err
		}
		k, _ := findUpload(tx, p, bucket, key, id)
		if k == nil {
			return ErrNotFound
		}
		return tx.Bucket(uploadsBucket).Delete(bytes.Clone(k))
	})
}

// deletePrefix removes every key of b that starts with prefix.
func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ListUploads returns, for each partition in ps, in order of key and then
// initiation, the uploads of q.Bucket whose keys start with q.Prefix and come after
// q.Pos: at most q.Limit of them per partition, and whether more follow. Tombstones
// are included (Deleted set): the caller merges owners' answers before dropping them.
// All partitions are read in one transaction.
func (x *Index) ListUploads(ctx context.Context, ps []int, q ListQuery) ([]UploadBatch, error) {
	if err := checkListQuery(ctx, ps, q); err != nil {
		return nil, err
	}
	out := make([]UploadBatch, len(ps))
	err := x.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(uploadsBucket).Cursor()
		for i, p := range ps {
			out[i].Partition = p
			if err := listUploadsPartition(c, p, q, &out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// listUploadsPartition fills b with one partition's batch of an upload listing.
func listUploadsPartition(c *bolt.Cursor, p int, q ListQuery, b *UploadBatch) error {
	bp := bucketPrefix(p, q.Bucket)
	rangePrefix := append(bytes.Clone(bp), q.Prefix...)
	limit := q.limit()
	var k, v []byte
	if q.Pos.UploadID != "" && q.Pos.After != "" && !q.Pos.Under {
		// Resume among After's own uploads, just after the marker upload.
		k, v = seekAfterUpload(c, objectPrefix(p, q.Bucket, q.Pos.After), q.Pos.UploadID)
	} else {
		start := seekStart(bp, q.Prefix, q.Pos)
		if start == nil {
			return nil
		}
		k, v = c.Seek(start)
	}
	for ; k != nil && bytes.HasPrefix(k, rangePrefix); k, v = c.Next() {
		key, initiated, id, ok := splitUploadKey(k, len(bp))
		if !ok {
			return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
		}
		if len(b.Uploads) == limit {
			b.More = true
			return nil
		}
		u := Upload{Bucket: q.Bucket, Key: string(key), ID: string(id), Initiated: initiated}
		if err := decodeUpload(v, &u); err != nil {
			return err
		}
		b.Uploads = append(b.Uploads, u)
	}
	return nil
}

// seekAfterUpload positions c just after the upload id among the uploads under prefix
// (one object key), or after all of them if the key has no such upload.
func seekAfterUpload(c *bolt.Cursor, prefix []byte, id string) (k, v []byte) {
	for k, v = c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) > len(prefix)+hlcLen && string(k[len(prefix)+hlcLen:]) == id {
			return c.Next()
		}
	}
	return k, v
}

// PutPart stores a part of an upload in partition p, replacing an older part with the
// same number. It fails with ErrNotFound if the upload does not exist or has ended
// (aborted or completed meanwhile), so no part outlives its upload. applied is false
// if the index holds a newer part with that number.
func (x *Index) PutPart(ctx context.Context, p int, pt Part) (applied bool, err error) {
	return x.putPart(ctx, p, nil, pt)
}

// PutUploadPart is PutPart for an owner that may have missed the upload's creation
// (it was down, or it became an owner in a new layout since): if the index holds
// neither the upload nor its tombstone, it stores u first, in the same commit. u must
// be the upload pt belongs to.
func (x *Index) PutUploadPart(ctx context.Context, p int, u Upload, pt Part) (applied bool, err error) {
	if u.Bucket != pt.Bucket || u.Key != pt.Key || u.ID != pt.UploadID || u.Deleted != 0 || !validName(u.ID) {
		return false, ErrInvalidKey
	}
	return x.putPart(ctx, p, &u, pt)
}

func (x *Index) putPart(ctx context.Context, p int, u *Upload, pt Part) (applied bool, err error) {
	if err := checkKey(p, pt.Bucket, pt.Key); err != nil {
		return false, err
	}
	if !validName(pt.UploadID) || pt.Number < 1 {
		return false, ErrInvalidKey
	}
	k := partKey(p, pt.Bucket, pt.Key, pt.UploadID, pt.Number)
	v := encodePart(&pt)
	err = x.update(ctx, func(tx *bolt.Tx) error {
		applied = false
		uk, uv := findUpload(tx, p, pt.Bucket, pt.Key, pt.UploadID)
		switch {
		case uk != nil && uploadDeleted(uv) != 0:
			return ErrNotFound // ended
		case uk == nil && u == nil:
			return ErrNotFound
		case uk == nil:
			if err := putUpload(tx, p, u); err != nil {
				return err
			}
		}
		var err error
		applied, err = putPartTx(tx, k, v, pt.HLC)
		return err
	})
	return applied, err
}

// putPartTx stores a part's value at k unless a newer part (or this one) is there.
func putPartTx(tx *bolt.Tx, k, v []byte, hlc uint64) (bool, error) {
	b := tx.Bucket(partsBucket)
	if old := b.Get(k); old != nil {
		oldHLC, err := partHLC(old)
		if err != nil {
			return false, err
		}
		if oldHLC >= hlc {
			return false, nil // newer, or this very part
		}
	}
	if err := b.Put(k, v); err != nil {
		return false, err
	}
	return true, nil
}

// ListParts returns the parts of an upload in partition p with numbers above after,
// in order, at most limit of them (0 means all), and whether more follow.
func (x *Index) ListParts(ctx context.Context, p int, bucket, key, uploadID string, after, limit int) (parts []Part, more bool, err error) {
	if err := checkKey(p, bucket, key); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	pp := partPrefix(p, bucket, key, uploadID)
	start := binary.BigEndian.AppendUint32(bytes.Clone(pp), uint32(max(after, 0))+1)
	err = x.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(partsBucket).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, pp); k, v = c.Next() {
			if len(k) != len(pp)+4 {
				return fmt.Errorf("%w: key %x", ErrCorruptRecord, k)
			}
			if limit > 0 && len(parts) == limit {
				more = true
				return nil
			}
			pt := Part{Bucket: bucket, Key: key, UploadID: uploadID, Number: int(binary.BigEndian.Uint32(k[len(pp):]))}
			if err := decodePart(v, &pt); err != nil {
				return err
			}
			parts = append(parts, pt)
		}
		return nil
	})
	return parts, more, err
}
