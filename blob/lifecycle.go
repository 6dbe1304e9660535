package blob

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
	"github.com/cairnstore/cairn/cluster/layout"
)

// What the lifecycle engine needs from the object layer: a cheap walk of this node's
// own copy of a partition (to find candidates without a round trip per key), and a
// quorum read of one key's versions (to confirm a candidate before acting on it,
// since a local copy may lag). Its actions go through Delete and AbortUpload, the
// quorum write paths the S3 API uses.

// KeyVersions is one key's versions as this node's copy of its partition holds them,
// newest first, tombstones and superseded null versions left out.
type KeyVersions struct {
	Key      string
	Versions []VersionInfo
}

// VersionInfo is what lifecycle rules look at in one version.
type VersionInfo struct {
	// HLC and Node are the version's slot: when and by which node it was made.
	HLC          uint64
	Node         string
	VersionID    string
	Versioned    bool // a version with its own id; false for the null version
	DeleteMarker bool
	Created      time.Time
	Size         int64
	Tags         map[string]string
	// Lock is the version's object lock state; a version whose metadata does not
	// decode counts as held (LegalHold), so nothing removes it unproven.
	Lock ObjectLock
}

// LockedAt reports whether object lock forbids removing the version at now (see
// ObjectLock.LockedAt): what lifecycle, which never bypasses governance, obeys.
func (v *VersionInfo) LockedAt(now time.Time) bool {
	return !v.DeleteMarker && v.Lock.LockedAt(now)
}

// ScanLocalVersions returns keys of bucket in partition p that come after the key
// after, with their live versions as this node's index holds them: at most about
// limit records (1000 when 0), but always whole keys. more reports whether keys
// remain (resume after the last key returned). It reads only the local index: a
// caller confirms with Versions before acting.
func (s *Store) ScanLocalVersions(ctx context.Context, p int, bucket, after string, limit int) (keys []KeyVersions, more bool, err error) {
	if err := s.enter(); err != nil {
		return nil, false, err
	}
	defer s.leave()
	batches, err := s.idx.List(ctx, []int{p}, index.ListQuery{Bucket: bucket, Versions: true, Pos: index.Position{After: after}, Limit: limit})
	if err != nil {
		return nil, false, err
	}
	es, more := batches[0].Entries, batches[0].More
	if more && len(es) > 0 {
		// The last key's records may go on in the next batch: leave it to the next
		// call, unless it is the only key here; then read all of it.
		last := es[len(es)-1].Key
		cut := len(es)
		for cut > 0 && es[cut-1].Key == last {
			cut--
		}
		if cut > 0 {
			es = es[:cut]
		} else if es, err = s.idx.Versions(ctx, p, bucket, last, index.VersionsQuery{All: true}); err != nil {
			return nil, false, err
		}
		for i := range es {
			if es[i].Key == "" {
				es[i].Key = last
			}
		}
	}
	for i := 0; i < len(es); {
		j := i
		for j < len(es) && es[j].Key == es[i].Key {
			j++
		}
		keys = append(keys, KeyVersions{Key: es[i].Key, Versions: versionInfos(es[i:j])})
		i = j
	}
	return keys, more, nil
}

// versionInfos turns one key's records, newest first, into its live versions. A
// record whose metadata does not decode keeps no tags (so no tag filter matches it)
// and counts as locked.
func versionInfos(es []index.Entry) []VersionInfo {
	live := liveVersions(es)
	out := make([]VersionInfo, 0, len(live))
	for i := range live {
		e := &live[i]
		v := VersionInfo{HLC: e.HLC, Node: e.Node, VersionID: entryVersionID(e), Versioned: e.Versioned, DeleteMarker: e.DeleteMarker,
			Created: hlc.Timestamp(e.HLC).Time(), Size: e.Size}
		if !e.DeleteMarker {
			if m, err := decodeObjectMeta(e.Meta); err == nil {
				v.Tags, v.Lock = m.Tags, m.Lock
			} else {
				v.Lock.LegalHold = true
			}
		}
		out = append(out, v)
	}
	return out
}

// Versions reads every live version of bucket/key from a read quorum of its owners in
// every layout version in flight, newest first (with read repair of the key's
// records, as any read).
func (s *Store) Versions(ctx context.Context, bucket, key string) ([]VersionInfo, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := checkNames(bucket, key); err != nil {
		return nil, err
	}
	pl, err := s.placement()
	if err != nil {
		return nil, err
	}
	p := pl.l.ObjectPartition(bucket, key)
	vr, err := s.readVersions(ctx, pl, p, bucket, key, index.VersionsQuery{All: true})
	if err != nil {
		return nil, err
	}
	return versionInfos(vr.merged), nil
}

// RemoveNull removes the null version v of bucket/key, as a quorum read just showed
// it, through the quorum write path: with a null record placed right after v, a
// tombstone, or with deleteMarker a null delete marker (a Suspended bucket's
// expiration), marked as lifecycle's (site sync does not replicate it). A null
// record supersedes every older null one, so a record stamped now
// would also drop a null version written between the caller's read and this write,
// an acknowledged PUT; placed right after v, it supersedes v and leaves any later
// write current. "Right after" is v's own HLC with the node id that follows v's
// (successorNode): v's HLC + 1 is a slot a real write can hold (the next write in the
// same millisecond), and a tombstone in a write's slot replaces it. A version object
// lock holds (as read) is refused with ErrObjectLocked, as Delete refuses it.
func (s *Store) RemoveNull(ctx context.Context, bucket, key string, v VersionInfo, deleteMarker bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := checkNames(bucket, key); err != nil {
		return err
	}
	if v.Versioned || v.HLC == 0 {
		return fmt.Errorf("%w: %s is not a null version", ErrInvalidArgument, v.VersionID)
	}
	if v.LockedAt(s.cfg.Now()) {
		return ErrObjectLocked // as Delete refuses it
	}
	pl, err := s.placement()
	if err != nil {
		return err
	}
	rec := index.Record{Bucket: bucket, Key: key, HLC: v.HLC, Node: successorNode(v.Node), Tombstone: !deleteMarker, DeleteMarker: deleteMarker,
		Meta: lifecycleMeta()} // only lifecycle removes a null version this way
	return s.putRecord(ctx, pl, pl.l.ObjectPartition(bucket, key), rec)
}

// successorNode returns the smallest node id after node that no node can have: node
// ids hold no control characters (ValidNodeID), so every real id greater than node
// is greater than node + "\x01" too. A record in slot (hlc, successorNode(node)) is
// newer than (hlc, node) and older than every slot a node can write.
func successorNode(node string) string { return node + "\x01" }

// ValidNodeID reports whether id can name a node: 1 to 128 bytes of UTF-8, no
// control characters (successorNode and replicaNode rely on it; ids also travel
// in headers and logs).
func ValidNodeID(id string) bool {
	if id == "" || len(id) > 128 || !utf8.ValidString(id) {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] == 0x7f {
			return false
		}
	}
	return true
}

// LocalUpload is a multipart upload in progress as this node's index holds it.
type LocalUpload struct {
	Key       string
	UploadID  string
	Initiated time.Time
}

// ScanLocalUploads returns the uploads in progress of bucket in partition p after
// (key, uploadID), at most limit (1000 when 0), from the local index only; more
// reports whether others follow. AbortUpload confirms an upload with a quorum.
func (s *Store) ScanLocalUploads(ctx context.Context, p int, bucket, afterKey, afterID string, limit int) (ups []LocalUpload, more bool, err error) {
	if err := s.enter(); err != nil {
		return nil, false, err
	}
	defer s.leave()
	pos := index.Position{After: afterKey, UploadID: afterID}
	batches, err := s.idx.ListUploads(ctx, []int{p}, index.ListQuery{Bucket: bucket, Pos: pos, Limit: limit})
	if err != nil {
		return nil, false, err
	}
	for _, u := range batches[0].Uploads {
		if u.Deleted != 0 {
			continue
		}
		ups = append(ups, LocalUpload{Key: u.Key, UploadID: u.ID, Initiated: hlc.Timestamp(u.Initiated).Time()})
	}
	return ups, batches[0].More, nil
}

// CurrentLayout returns the newest layout version (where writes go), or nil before
// the cluster has one.
func (s *Store) CurrentLayout() *layout.Layout {
	ls := s.cfg.Layouts()
	if len(ls) == 0 {
		return nil
	}
	return ls[0]
}

// NodeID returns this node's id.
func (s *Store) NodeID() string { return s.cfg.NodeID }
