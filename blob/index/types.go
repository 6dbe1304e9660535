package index

// Hash is the SHA-256 name of a block.
type Hash = [32]byte

// BlockRef is one block of an object or part, in order.
type BlockRef struct {
	Hash Hash
	Size int64 // bytes
}

// Record is one object version as the index keeps it. The index reads only what it
// needs for ordering, last-write-wins and listing; Meta and Parts are opaque bytes the
// object layer owns.
type Record struct {
	Bucket    string
	Key       string // no NUL
	HLC       uint64 // hybrid logical clock write time; newest wins
	Node      string // the writer; breaks HLC ties
	Tombstone bool   // a delete: hides older versions, skipped by listings
	Size      int64
	ETag      string
	Meta      []byte     // headers, user metadata, checksum; returned by listings
	Parts     []byte     // a multipart object's part list; not read by listings
	Inline    []byte     // the bytes of a small object, instead of Blocks
	Blocks    []BlockRef // the bytes of a larger object, in order
}

// Newer reports whether r wins over o by last write wins: the later HLC, and on a tie
// the greater node id.
func (r *Record) Newer(o *Record) bool {
	return newer(r.HLC, r.Node, o.HLC, o.Node)
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
	Key       string
	HLC       uint64
	Node      string
	Tombstone bool
	Size      int64
	ETag      string
	Meta      []byte
}

// Newer reports whether e wins over o by last write wins.
func (e *Entry) Newer(o *Entry) bool {
	return newer(e.HLC, e.Node, o.HLC, o.Node)
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
	// UploadID, for upload listings only, resumes among After's own uploads just after
	// this one (in initiation order) before going on to later keys. An id After does
	// not have skips all of After's uploads.
	UploadID string
}

// ListQuery asks for one batch of a partition's records or uploads in key order.
type ListQuery struct {
	Bucket string
	Prefix string // only keys that start with it
	Pos    Position
	Limit  int // at most this many; 0 means 1000
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
}
