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

// PartUsage is one bucket's usage in one partition of one index, with the time of
// the newest change that index holds there.
type PartUsage struct {
	BucketUsage
	// Latest is the greatest HLC among the bucket's records in the partition,
	// tombstones included: a record's slot time, or the time of its last attribute
	// change or removal. Of the owners of a partition, the one with the greatest
	// Latest has seen the most recent change (blob.ClusterBucketUsage).
	Latest uint64 `json:"latest,omitempty"`
}

// PartitionUsage is one index's usage by bucket and partition:
// PartitionUsage[bucket][partition].
type PartitionUsage map[string]map[int]PartUsage

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
	sum   PartUsage
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
	flags, size, changed, err := recordUsage(v)
	_, hlc, okKey := splitVersionKey(k, bp)
	if err != nil || !okKey {
		w.skipped++
		return
	}
	if !bytes.Equal(k[:bp], w.group) {
		w.flush()
		w.group = append(w.group[:0], k[:bp]...)
	}
	w.sum.Latest = max(w.sum.Latest, hlc, changed)
	if flags&flagTombstone != 0 {
		return
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
		byPart = map[int]PartUsage{}
		w.out[bucket] = byPart
	}
	p := int(binary.BigEndian.Uint16(w.group))
	u := byPart[p]
	u.Add(w.sum.BucketUsage)
	u.Latest = max(u.Latest, w.sum.Latest)
	byPart[p] = u
	w.group, w.sum = w.group[:0], PartUsage{}
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

// recordUsage returns a version record's flags, size and attribute-change time,
// reading no further.
func recordUsage(v []byte) (flags byte, size int64, changed uint64, err error) {
	d := decoder{b: v}
	f := d.recordFormat()
	flags = d.byte()
	changed = d.changed(f)
	d.raw() // node
	size = d.varint()
	return flags, size, changed, d.err
}
