package index

// Hash is the SHA-256 name of a block.
type Hash = [32]byte

// BlockRef is one block of an object or part, in order.
type BlockRef struct {
	Hash Hash
	Size int64 // bytes
}

// Record is one object version as the index keeps it. The index reads only what it
// needs for ordering, reconciliation and listing; Meta and Parts are opaque bytes the
// object layer owns.
//
// A version's identity is its slot (HLC, Node): the time and node of its creation,
// which never change. A key keeps every version (Versioned set) and at most one null
// version (Versioned clear): a null record supersedes only the key's older null
// records. A record from a release before versioning is a null version.
//
// Tombstone marks a version removed for good. For a versioned record it sits in the
// slot of the version it removes (Changed is when) and wins over it wherever they
// meet; for a null record it is a new null version that supersedes the older ones and
// is never shown. Both are kept until every owner has them (CollectTombstones).
type Record struct {
	Bucket    string
	Key       string // no NUL
	HLC       uint64 // hybrid logical clock creation time; newest first
	Node      string // the writer; breaks HLC ties
	Tombstone bool   // a removed version: skipped by listings and reads
	// Versioned is set for a version with its own id (written while the bucket's
	// versioning was Enabled); clear for the key's null version.
	Versioned bool
	// DeleteMarker is set for a delete marker: a version without data that makes the
	// key read as absent while it is the newest.
	DeleteMarker bool
	// Changed is the HLC of the last change to the version's mutable attributes
	// (tags; later retention and legal hold), or of its removal for a tombstone; 0 if
	// none. Between two copies of one slot, a tombstone wins, then the later Changed.
	Changed uint64
	Size    int64
	ETag    string
	Meta    []byte     // headers, user metadata, checksum; returned by listings
	Parts   []byte     // a multipart object's part list; not read by listings
	Inline  []byte     // the bytes of a small object, instead of Blocks
	Blocks  []BlockRef // the bytes of a larger object, in order
}

// Newer reports whether r was created after o: the later HLC, and on a tie the
// greater node id.
func (r *Record) Newer(o *Record) bool {
	return newer(r.HLC, r.Node, o.HLC, o.Node)
}

// SameSlot reports whether r and o are copies of one version.
func (r *Record) SameSlot(o *Record) bool { return r.HLC == o.HLC && r.Node == o.Node }

// Entry returns r's header as a listing returns it.
func (r *Record) Entry() Entry {
	return Entry{Key: r.Key, HLC: r.HLC, Node: r.Node, Tombstone: r.Tombstone, Versioned: r.Versioned,
		DeleteMarker: r.DeleteMarker, Changed: r.Changed, Size: r.Size, ETag: r.ETag, Meta: r.Meta}
}

// copyWins reports whether a copy of a slot with (tomb, changed) replaces a stored
// copy with (otomb, ochanged): a tombstone wins, then the later attribute change.
func copyWins(tomb bool, changed uint64, otomb bool, ochanged uint64) bool {
	if tomb != otomb {
		return tomb
	}
	return changed > ochanged
}

func newer(hlc uint64, node string, ohlc uint64, onode string) bool {
	if hlc != ohlc {
		return hlc > ohlc
	}
	return node > onode
}

// Entry is a version record as a listing returns it: its header without parts,
// inline bytes or blocks.
type Entry struct {
	Key          string
	HLC          uint64
	Node         string
	Tombstone    bool
	Versioned    bool
	DeleteMarker bool
	Changed      uint64
	Size         int64
	ETag         string
	Meta         []byte
}

// Newer reports whether e was created after o.
func (e *Entry) Newer(o *Entry) bool {
	return newer(e.HLC, e.Node, o.HLC, o.Node)
}

// SameSlot reports whether e and o are copies of one version.
func (e *Entry) SameSlot(o *Entry) bool { return e.HLC == o.HLC && e.Node == o.Node }

// Wins reports whether e, a copy of o's slot, wins over o: a tombstone, then the later
// attribute change.
func (e *Entry) Wins(o *Entry) bool {
	return copyWins(e.Tombstone, e.Changed, o.Tombstone, o.Changed)
}

// EntryBatch is one partition's batch of a listing.
type EntryBatch struct {
	Partition int
	Entries   []Entry
	More      bool // more entries follow in this partition
}

// UploadBatch is one partition's batch of an upload listing.
type UploadBatch struct {
	Partition int
	Uploads   []Upload
	More      bool // more uploads follow in this partition
}

// Position is where a listing resumes.
type Position struct {
	// After starts the listing after this key; "" starts at the beginning.
	After string
	// Under skips every key that starts with After as well (After is a common prefix
	// already returned).
	Under bool
	// HLC and Node, for version listings only (ListQuery.Versions), resume among
	// After's own versions just after the one in this slot, or, with Node "", at the
	// first created at HLC; with HLC 0, After's versions are skipped.
	HLC  uint64
	Node string
	// UploadID, for upload listings only, resumes among After's own uploads just after
	// this one (in initiation order) before going on to later keys. An id After does
	// not have skips all of After's uploads.
	UploadID string
}

// ListQuery asks for one batch of a partition's records or uploads in key order.
type ListQuery struct {
	Bucket string
	Prefix string // only keys that start with it
	// Versions lists every record of each key (a version listing; Limit counts
	// records). Without it a listing returns, per key, the newest records down to the
	// first that is not a tombstone: what decides the key's current version (Limit
	// counts keys).
	Versions bool
	Pos      Position
	Limit    int // at most this many; 0 means 1000
}

func (q ListQuery) limit() int {
	if q.Limit <= 0 {
		return 1000
	}
	return q.Limit
}

// Upload is a multipart upload in progress, or the tombstone of one that was aborted
// or completed (Deleted set). The tombstone keeps anti-entropy from bringing an upload
// back from an owner that missed its end; it is collected like a version tombstone.
type Upload struct {
	Bucket    string
	Key       string
	ID        string // no NUL
	Initiated uint64 // HLC; uploads of one key list in this order
	Meta      []byte // opaque to the index; nil in a tombstone
	// Deleted is the HLC at which the upload was aborted or completed; 0 while it is
	// in progress. A tombstone wins over the upload it ends, whatever the order they
	// arrive in.
	Deleted uint64
}

// Part is one uploaded part of a multipart upload. A later part with the same number
// replaces it (the later HLC wins).
type Part struct {
	Bucket   string
	Key      string
	UploadID string
	Number   int
	HLC      uint64
	Size     int64
	ETag     string
	Meta     []byte // opaque to the index
	Blocks   []BlockRef
}

// Stats counts the records in an index.
type Stats struct {
	Versions   int // version records, tombstones included
	Tombstones int
	Uploads    int // in progress
	Parts      int
	// UploadTombstones counts the ended uploads kept until every owner has seen the
	// end.
	UploadTombstones int
	// Usage is what each bucket holds in each partition, from the same walk.
	Usage PartitionUsage
}
