package index

import (
	"bytes"
	"encoding/binary"
)

// BucketUsage is what one bucket holds in one partition of an index (or, summed, in a
// whole cluster).
type BucketUsage struct {
	// Objects and Bytes are the keys a listing shows: those whose current version
	// (the newest record that is not a tombstone) holds data, and that version's size.
	Objects int64 `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Versions and VersionBytes are every version that holds data, current and
	// noncurrent: what the bucket keeps on disk (before block deduplication).
	Versions     int64 `json:"versions"`
	VersionBytes int64 `json:"versionBytes"`
	// DeleteMarkers are the delete markers kept, current or not.
	DeleteMarkers int64 `json:"deleteMarkers"`
}

// Add adds o to u.
func (u *BucketUsage) Add(o BucketUsage) {
	u.Objects += o.Objects
	u.Bytes += o.Bytes
	u.Versions += o.Versions
	u.VersionBytes += o.VersionBytes
	u.DeleteMarkers += o.DeleteMarkers
}

// Max raises each of u's figures to o's where o's is greater.
func (u *BucketUsage) Max(o BucketUsage) {
	u.Objects = max(u.Objects, o.Objects)
	u.Bytes = max(u.Bytes, o.Bytes)
	u.Versions = max(u.Versions, o.Versions)
	u.VersionBytes = max(u.VersionBytes, o.VersionBytes)
	u.DeleteMarkers = max(u.DeleteMarkers, o.DeleteMarkers)
}

// PartitionUsage is one index's usage by bucket and partition:
// PartitionUsage[bucket][partition].
type PartitionUsage map[string]map[int]BucketUsage

// usageWalk accumulates PartitionUsage from the version records in key order, one
// record at a time (see Stats): a key's records come together, newest first, so the
// first record of a key that is not a tombstone is its current version.
type usageWalk struct {
	out     PartitionUsage
	lastKey []byte // p | bucket | 0 | key | 0 of the key being read
	current bool   // the key's current version has been seen
	skipped int    // records that did not decode
	// group is the prefix (p | bucket | 0) of the records being summed in sum: the
	// keys are ordered by partition, then bucket, so each group is contiguous and
	// reaches out once (flush), not once per record.
	group []byte
	sum   BucketUsage
}

// add counts the version record k, v. A record that does not decode is left out
// (and counted in skipped): usage is a report, and the integrity scanner is what
// finds and reports such records.
func (w *usageWalk) add(k, v []byte) {
	bp, kp, ok := splitRecordKey(k)
	if !ok {
		w.skipped++
		return
	}
	if !bytes.Equal(k[:kp], w.lastKey) {
		w.lastKey = append(w.lastKey[:0], k[:kp]...)
		w.current = false
	}
	flags, size, err := recordUsage(v)
	if err != nil {
		w.skipped++
		return
	}
	if flags&flagTombstone != 0 {
		return
	}
	if !bytes.Equal(k[:bp], w.group) {
		w.flush()
		w.group = append(w.group[:0], k[:bp]...)
	}
	if flags&flagDeleteMarker != 0 {
		w.sum.DeleteMarkers++
	} else {
		w.sum.Versions++
		w.sum.VersionBytes += size
		if !w.current {
			w.sum.Objects++
			w.sum.Bytes += size
		}
	}
	w.current = true
}

// flush adds the group's sum to out; call it once more after the last record.
func (w *usageWalk) flush() {
	if len(w.group) == 0 {
		return
	}
	bucket := string(w.group[2 : len(w.group)-1])
	byPart := w.out[bucket]
	if byPart == nil {
		byPart = map[int]BucketUsage{}
		w.out[bucket] = byPart
	}
	p := int(binary.BigEndian.Uint16(w.group))
	u := byPart[p]
	u.Add(w.sum)
	byPart[p] = u
	w.group, w.sum = w.group[:0], BucketUsage{}
}

// splitRecordKey returns the lengths of a version key's bucket prefix
// (p | bucket | 0) and object prefix (p | bucket | 0 | key | 0).
func splitRecordKey(k []byte) (bp, kp int, ok bool) {
	if len(k) < 2 {
		return 0, 0, false
	}
	b := bytes.IndexByte(k[2:], 0)
	if b < 1 {
		return 0, 0, false
	}
	bp = 2 + b + 1
	o := bytes.IndexByte(k[bp:], 0)
	if o < 1 {
		return 0, 0, false
	}
	return bp, bp + o + 1, true
}

// recordUsage returns a version record's flags and size, reading no further.
func recordUsage(v []byte) (flags byte, size int64, err error) {
	d := decoder{b: v}
	f := d.recordFormat()
	flags = d.byte()
	d.changed(f)
	d.raw() // node
	size = d.varint()
	return flags, size, d.err
}
