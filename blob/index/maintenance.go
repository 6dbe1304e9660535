package index

import (
	"bytes"
	"context"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// chunk is how many keys one maintenance transaction reads or deletes. Long read
// transactions would hold back the remapping a growing file needs, so the scans below
// run as a series of short transactions.
const chunk = 4096

// DropBucket removes every record of a bucket from every partition: versions,
// tombstones, uploads and parts. It returns how many keys it removed.
func (x *Index) DropBucket(ctx context.Context, bucket string) (int, error) {
	if !validName(bucket) {
		return 0, ErrInvalidKey
	}
	total := 0
	for _, ks := range [][]byte{versionsBucket, uploadsBucket, partsBucket} {
		for p := 0; p <= 0xffff; {
			n, next := 0, 0
			err := x.update(ctx, func(tx *bolt.Tx) error {
				n, next = 0, 0x10000
				b := tx.Bucket(ks)
				c := b.Cursor()
				for pp := p; pp <= 0xffff; pp++ {
					k, _ := c.Seek(binary.BigEndian.AppendUint16(nil, uint16(pp)))
					if k == nil {
						return nil
					}
					pp = int(binary.BigEndian.Uint16(k))
					prefix := bucketPrefix(pp, bucket)
					var keys [][]byte
					for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && n+len(keys) < chunk; k, _ = c.Next() {
						keys = append(keys, bytes.Clone(k))
					}
					for _, k := range keys {
						if err := b.Delete(k); err != nil {
							return err
						}
					}
					n += len(keys)
					if n >= chunk {
						next = pp // there may be more in this partition
						return nil
					}
				}
				return nil
			})
			if err != nil {
				return total, err
			}
			total += n
			p = next
		}
	}
	return total, nil
}

// WalkBlockRefs calls fn for every block that a version record or a part references,
// for the garbage collector's mark phase. A block may be reported more than once. The
// walk runs as a series of short transactions, so a record moved during it (an object
// overwritten, an upload completed) may be missed: the collector guards the blocks of
// writes in flight by other means.
func (x *Index) WalkBlockRefs(ctx context.Context, fn func(Hash)) error {
	if err := x.walk(ctx, versionsBucket, func(_, v []byte) error { return recordBlocks(v, fn) }); err != nil {
		return err
	}
	return x.walk(ctx, partsBucket, func(_, v []byte) error { return partBlocks(v, fn) })
}

// walk calls fn for every key of a keyspace, chunk keys per read transaction.
func (x *Index) walk(ctx context.Context, ks []byte, fn func(k, v []byte) error) error {
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		done := true
		err := x.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(ks).Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for n := 0; k != nil; k, v = c.Next() {
				if n == chunk {
					done = false
					return nil
				}
				if err := fn(k, v); err != nil {
					return err
				}
				after = append(after[:0], k...)
				n++
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// CollectTombstones removes tombstones written before the HLC before: by then every
// owner has seen the delete, and no older record can come back to life. It returns how
// many it removed.
func (x *Index) CollectTombstones(ctx context.Context, before uint64) (int, error) {
	return x.CollectTombstonesFunc(ctx, func(int) uint64 { return before })
}

// CollectTombstonesFunc removes the version tombstones and upload tombstones of each
// partition p written before the HLC before(p) (0 keeps them all). The caller chooses
// a cutoff by which every owner of p holds the tombstone. It returns how many it
// removed.
func (x *Index) CollectTombstonesFunc(ctx context.Context, before func(p int) uint64) (int, error) {
	cutoffs := map[uint16]uint64{}
	cutoff := func(k []byte) uint64 {
		p := binary.BigEndian.Uint16(k)
		c, ok := cutoffs[p]
		if !ok {
			c = before(int(p))
			cutoffs[p] = c
		}
		return c
	}
	var oldVersions, oldUploads [][]byte
	err := x.walk(ctx, versionsBucket, func(k, v []byte) error {
		if !recordIsTombstone(v) {
			return nil
		}
		_, key, hlc, ok := splitAnyVersionKey(k)
		if !ok || key == "" {
			return nil
		}
		// A tombstone was written at its slot's HLC (a null one) or at Changed (the
		// removal of an older version): the later of the two.
		_, _, _, changed, err := recordStamp(v)
		if err == nil && max(hlc, changed) < cutoff(k) {
			oldVersions = append(oldVersions, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	err = x.walk(ctx, uploadsBucket, func(k, v []byte) error {
		if d := uploadDeleted(v); d != 0 && len(k) >= 2 && d < cutoff(k) {
			oldUploads = append(oldUploads, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, job := range []struct {
		ks   []byte
		keys [][]byte
		tomb func(v []byte) bool
	}{
		{versionsBucket, oldVersions, recordIsTombstone},
		{uploadsBucket, oldUploads, func(v []byte) bool { return uploadDeleted(v) != 0 }},
	} {
		old := job.keys
		for len(old) > 0 {
			batch := old[:min(chunk, len(old))]
			old = old[len(batch):]
			n := 0
			err := x.update(ctx, func(tx *bolt.Tx) error {
				n = 0
				b := tx.Bucket(job.ks)
				for _, k := range batch {
					// Still a tombstone? (A version key holds the HLC but not the node.)
					if v := b.Get(k); v == nil || !job.tomb(v) {
						continue
					}
					if err := b.Delete(k); err != nil {
						return err
					}
					n++
				}
				return nil
			})
			if err != nil {
				return removed, err
			}
			removed += n
		}
	}
	return removed, nil
}
