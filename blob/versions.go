package blob

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// The version model (docs/object-layer.md): a key holds any number of versions, each
// in its own slot (creation HLC, writer node) of the index, and at most one null
// version. Owners reconcile them as a union, slot by slot; a version removed for good
// leaves a tombstone in its slot until every owner has it.

// Versioning is a bucket's versioning state as the object layer needs it.
type Versioning uint8

const (
	// Unversioned buckets keep only the null version of a key; a delete removes it.
	Unversioned Versioning = iota
	// VersioningEnabled makes every write a new version with its own id, and a delete
	// without a version id a new delete marker.
	VersioningEnabled
	// VersioningSuspended writes replace the null version (a delete: with a null
	// delete marker); the versions written while Enabled stay.
	VersioningSuspended
)

// VersioningOf maps a bucket's versioning state as the cluster metadata names it
// ("", "Enabled" or "Suspended") to the object layer's.
func VersioningOf(state string) Versioning {
	switch state {
	case "Enabled":
		return VersioningEnabled
	case "Suspended":
		return VersioningSuspended
	}
	return Unversioned
}

// Errors of versioned reads and deletes.
var (
	// ErrNoSuchVersion is a version id that names no version of the key.
	ErrNoSuchVersion = errors.New("blob: no such version")
	// ErrInvalidVersionID is a version id that Cairn never hands out.
	ErrInvalidVersionID = errors.New("blob: invalid version id")
)

// DeleteMarkerError is the error of a read that met a delete marker: the key's newest
// version (errors.Is ErrNoSuchKey), or the version asked for by id (errors.Is
// ErrMethodNotAllowed).
type DeleteMarkerError struct {
	VersionID string
	ByID      bool
	// LastModified is when the marker was written (S3 returns it as Last-Modified).
	LastModified time.Time
	// Origin is where site sync brought the delete marker from; zero if made here.
	Origin Origin
	// HLC is the delete marker's creation time.
	HLC hlc.Timestamp
	// Lifecycle is set when a lifecycle rule's expiration made the marker.
	Lifecycle bool
}

// deleteMarkerError returns the *DeleteMarkerError of a read that met the marker e.
func deleteMarkerError(e *index.Entry, byID bool) *DeleteMarkerError {
	return &DeleteMarkerError{VersionID: entryVersionID(e), ByID: byID, LastModified: hlc.Timestamp(e.HLC).Time(),
		Origin: originOf(e.Meta), HLC: hlc.Timestamp(e.HLC), Lifecycle: madeByLifecycle(e.Meta)}
}

// DeletedError is the error of a read of a key whose newest null record is the
// tombstone of an unversioned DELETE (errors.Is ErrNoSuchKey): when it was
// deleted, and, for a delete site sync brought, from where (docs/site-sync.md).
type DeletedError struct {
	HLC    hlc.Timestamp
	Origin Origin
	// Lifecycle is set when a lifecycle rule's expiration removed the key.
	Lifecycle bool
}

func (e *DeletedError) Error() string { return "blob: the key was deleted" }

// Is makes errors.Is find ErrNoSuchKey.
func (e *DeletedError) Is(target error) bool { return target == ErrNoSuchKey }

// ErrMethodNotAllowed is a GET or HEAD of a delete marker by its version id.
var ErrMethodNotAllowed = errors.New("blob: a delete marker cannot be read")

func (e *DeleteMarkerError) Error() string {
	return fmt.Sprintf("blob: version %s is a delete marker", e.VersionID)
}

// Is makes errors.Is find ErrNoSuchKey or ErrMethodNotAllowed.
func (e *DeleteMarkerError) Is(target error) bool {
	if e.ByID {
		return target == ErrMethodNotAllowed
	}
	return target == ErrNoSuchKey
}

// versionIDLen is the length of a version id: 16 hex digits of the creation HLC and 8
// of a hash of the writer node.
const versionIDLen = 24

// EncodeVersionID returns the version id of the version created at hlc by node: hex,
// so URL-safe, and in creation order when compared as strings.
func EncodeVersionID(ts uint64, node string) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], ts)
	copy(b[8:], nodeTag(node))
	return hex.EncodeToString(b[:])
}

// nodeTag is the node part of the id of a version in a slot of node: a hash of
// the node id, or for a replica that kept its origin's version id, that id's
// (embeddedTag).
func nodeTag(node string) []byte {
	if tag, ok := embeddedTag(node); ok {
		return tag
	}
	h := sha256.Sum256([]byte(node))
	return h[:4]
}

// VersionIDTime returns the HLC a version id names (its slot's time); false for
// NullVersion or an id that is not one. Site sync matches a version across Cairn
// sites by it, since a two-way replica is stored at its original HLC.
func VersionIDTime(id string) (hlc.Timestamp, bool) {
	ts, _, err := parseVersionID(id)
	return hlc.Timestamp(ts), err == nil
}

// parseVersionID splits a version id into its HLC and node tag.
func parseVersionID(id string) (ts uint64, tag [4]byte, err error) {
	var b [12]byte
	if len(id) != versionIDLen {
		return 0, tag, ErrInvalidVersionID
	}
	if _, err := hex.Decode(b[:], []byte(id)); err != nil || id != hex.EncodeToString(b[:]) {
		return 0, tag, ErrInvalidVersionID
	}
	copy(tag[:], b[8:])
	ts = binary.BigEndian.Uint64(b[:8])
	if ts == 0 {
		return 0, tag, ErrInvalidVersionID
	}
	return ts, tag, nil
}

// CheckVersionID returns ErrInvalidVersionID for an id that is neither NullVersion
// nor one Cairn hands out.
func CheckVersionID(id string) error {
	if id == NullVersion {
		return nil
	}
	_, _, err := parseVersionID(id)
	return err
}

// entryVersionID returns the version id of a record.
func entryVersionID(e *index.Entry) string {
	if !e.Versioned {
		return NullVersion
	}
	return EncodeVersionID(e.HLC, e.Node)
}

// mergeSlots merges owners' lists of one key's records (each newest first) into one
// list, newest first, with one copy per slot: the winning one (a tombstone, then the
// later attribute change).
func mergeSlots(lists ...[]index.Entry) []index.Entry {
	var all []index.Entry
	for _, l := range lists {
		all = append(all, l...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Newer(&all[j]) })
	out := all[:0]
	for _, e := range all {
		if n := len(out); n > 0 && out[n-1].SameSlot(&e) {
			if e.Wins(&out[n-1]) {
				out[n-1] = e
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

// nullFilter drops, from a key's records newest first, the null records that a newer
// null record supersedes. Feed it each record of one key in order.
type nullFilter struct{ seen bool }

// keep reports whether e stands.
func (f *nullFilter) keep(e *index.Entry) bool {
	if e.Versioned {
		return true
	}
	if f.seen {
		return false
	}
	f.seen = true
	return true
}

// liveVersions returns a key's versions from its merged records: null records a newer
// one supersedes, and tombstones, dropped. The first is the current version.
func liveVersions(merged []index.Entry) []index.Entry {
	var f nullFilter
	var out []index.Entry
	for _, e := range merged {
		if f.keep(&e) && !e.Tombstone {
			out = append(out, e)
		}
	}
	return out
}

// versionsRead is one quorum read of a key's records.
type versionsRead struct {
	rs      readSet
	answers []reply[[]index.Entry]
	merged  []index.Entry
}

// readVersions reads a key's records as q asks from a read quorum of its owners in
// every layout version in flight, and merges them.
func (s *Store) readVersions(ctx context.Context, pl placement, p int, bucket, key string, q index.VersionsQuery) (versionsRead, error) {
	rs := s.readSet(pl, p)
	answers, err := readQuorum(ctx, s.cfg.RPCTimeout, rs, func(ctx context.Context, rep Replica) ([]index.Entry, error) {
		return rep.Versions(ctx, p, bucket, key, q)
	})
	if err != nil {
		return versionsRead{}, err
	}
	lists := make([][]index.Entry, len(answers))
	for i, a := range answers {
		lists[i] = a.val
	}
	vr := versionsRead{rs: rs, answers: answers, merged: mergeSlots(lists...)}
	for _, e := range vr.merged {
		// A record another node wrote may be ahead of this node's clock: later local
		// writes of the key must still order after it.
		s.cfg.Clock.Observe(hlc.Timestamp(max(e.HLC, e.Changed)))
	}
	return vr, nil
}

// holds reports whether an owner's answer holds slot e in e's state.
func holds(list []index.Entry, e *index.Entry) bool {
	for i := range list {
		if list[i].SameSlot(e) {
			return !e.Wins(&list[i])
		}
	}
	return false
}

// fetchVersion reads the whole record of slot e from the read set's owners: those
// whose answer held it in e's state first, then the others that answered, then those
// that had not answered yet (the quorum may have been met without them); in read-set
// order within each group (the local node first, so that a bad local copy is found,
// and repaired, by the read itself).
func (s *Store) fetchVersion(ctx context.Context, vr *versionsRead, p int, bucket, key string, e *index.Entry) (index.Record, error) {
	rank := make([]int, len(vr.rs.nodes)) // 0: holds e, 1: answered, 2: did not answer
	for i := range rank {
		rank[i] = 2
	}
	for _, a := range vr.answers {
		rank[a.node] = 1
		if holds(a.val, e) {
			rank[a.node] = 0
		}
	}
	order := make([]int, len(vr.rs.nodes))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return rank[order[x]] < rank[order[y]] })
	var errs []error
	var bad []Replica // owners whose copy failed its check
	for _, i := range order {
		o := vr.rs.nodes[i]
		if o.err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", o.id, o.err))
			continue
		}
		rec, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) (index.Record, error) {
			return o.rep.GetVersion(ctx, p, bucket, key, e.HLC, e.Node)
		})
		if err == nil && rec.Tombstone == e.Tombstone && rec.Changed >= e.Changed {
			// An owner with a bad copy gets the good one (putRecordTx replaces a
			// copy of the same state whose inline bytes fail their check).
			for _, rep := range bad {
				s.repair(ctx, "record", func(ctx context.Context) error { return rep.PutRecord(ctx, 0, p, rec) })
			}
			return rec, nil
		}
		if errors.Is(err, index.ErrCorruptInline) {
			bad = append(bad, o.rep)
		}
		if err == nil {
			err = errors.New("holds an older copy")
		}
		errs = append(errs, fmt.Errorf("node %s: %w", o.id, err))
		if ctx.Err() != nil {
			return index.Record{}, ctx.Err()
		}
	}
	if len(bad) > 0 && allCorruptOrMissing(errs) {
		// Every copy read was damaged (or absent): the data is there but bad, not an
		// outage.
		return index.Record{}, fmt.Errorf("%w: record %s/%s: %w", ErrCorrupt, bucket, key, errors.Join(errs...))
	}
	return index.Record{}, fmt.Errorf("%w: version %s of %s/%s: %w", ErrNoQuorum, entryVersionID(e), bucket, key, errors.Join(errs...))
}

// allCorruptOrMissing reports whether every owner's error says its copy is damaged
// or absent, none that it could not be reached.
func allCorruptOrMissing(errs []error) bool {
	for _, err := range errs {
		if !errors.Is(err, index.ErrCorruptInline) && !errors.Is(err, index.ErrNotFound) {
			return false
		}
	}
	return true
}

// repairVersions brings the newest layout's owners that answered vr up to date, in
// the background, with the records in recs (whole records, tombstones included) that
// they lack or hold in a losing state.
func (s *Store) repairVersions(ctx context.Context, vr *versionsRead, p int, recs []index.Record) {
	for _, a := range vr.answers {
		if !vr.rs.newest[a.node] {
			continue
		}
		rep := vr.rs.nodes[a.node].rep
		for _, r := range recs {
			e := r.Entry()
			if holds(a.val, &e) {
				continue
			}
			s.repair(ctx, "record", func(ctx context.Context) error { return rep.PutRecord(ctx, 0, p, r) })
		}
	}
}

// tombstoneRecord builds the record of a tombstone from its header.
func tombstoneRecord(bucket string, e *index.Entry) index.Record {
	return index.Record{Bucket: bucket, Key: e.Key, HLC: e.HLC, Node: e.Node, Tombstone: true,
		Versioned: e.Versioned, Changed: e.Changed}
}

// getVersion reads the record of bucket/key that versionID names ("" for the current
// version), with read repair; found false if there is none. A tombstone is never
// returned.
func (s *Store) getVersion(ctx context.Context, pl placement, bucket, key, versionID string) (index.Record, bool, error) {
	rec, found, _, err := s.lookupVersion(ctx, pl, bucket, key, versionID)
	return rec, found, err
}

// lookupVersion is getVersion, also reporting, for a version id, whether another
// version of the key is at the same HLC (tied).
func (s *Store) lookupVersion(ctx context.Context, pl placement, bucket, key, versionID string) (rec index.Record, found, tied bool, err error) {
	if versionID == "" {
		rec, found, err = s.getCurrent(ctx, pl, bucket, key)
		return rec, found, false, err
	}
	p := pl.l.ObjectPartition(bucket, key)
	var q index.VersionsQuery
	var tag [4]byte
	switch versionID {
	case "":
	case NullVersion:
		q.All = true
	default:
		ts, t, err := parseVersionID(versionID)
		if err != nil {
			return index.Record{}, false, false, err
		}
		q.HLC, tag = ts, t
	}
	vr, err := s.readVersions(ctx, pl, p, bucket, key, q)
	if err != nil {
		return index.Record{}, false, false, err
	}
	var want *index.Entry
	var tombs []index.Record // tombstones newer than want, to spread
	var f nullFilter
	for i := range vr.merged {
		e := &vr.merged[i]
		if !f.keep(e) {
			continue
		}
		match := versionID == "" && !e.Tombstone ||
			versionID == NullVersion && !e.Versioned ||
			q.HLC != 0 && e.Versioned && string(nodeTag(e.Node)) == string(tag[:])
		if match {
			want = e
			break
		}
		if e.Tombstone && versionID == "" {
			tombs = append(tombs, tombstoneRecord(bucket, e))
		}
	}
	if want == nil || want.Tombstone {
		s.repairVersions(ctx, &vr, p, tombs)
		return index.Record{}, false, false, nil
	}
	for i := range vr.merged {
		// Another slot at the version's HLC, in any state (a removed one
		// too: its id here may have been the other site's).
		e := &vr.merged[i]
		tied = tied || q.HLC != 0 && e.Versioned && e.HLC == q.HLC && !e.SameSlot(want)
	}
	rec, err = s.fetchVersion(ctx, &vr, p, bucket, key, want)
	if err != nil {
		return index.Record{}, false, false, err
	}
	rec.Bucket, rec.Key = bucket, key
	s.repairVersions(ctx, &vr, p, append(tombs, rec))
	return rec, true, tied, nil
}

// deleteOf returns, of a key's merged records newest first, the unversioned
// DELETE's tombstone that is its newest null record, with its metadata (a site
// sync origin); the zero Record if that is not what the newest null record is.
func deleteOf(bucket string, merged []index.Entry) index.Record {
	for i := range merged {
		e := &merged[i]
		if e.Versioned {
			continue
		}
		if !e.Tombstone {
			return index.Record{}
		}
		r := tombstoneRecord(bucket, e)
		r.Meta = e.Meta
		return r
	}
	return index.Record{}
}

// getCurrent reads the current version of bucket/key (a delete marker included) in
// one round (when there is none, the record returned is deleteOf's): each owner of a read quorum answers its records down to its first that
// is not a tombstone, whole, so the winner's bytes come with the answers. found false
// if there is none. An owner whose copy fails its check counts as failed (the quorum
// waits for another); if every failure was a bad copy, ErrCorrupt.
func (s *Store) getCurrent(ctx context.Context, pl placement, bucket, key string) (index.Record, bool, error) {
	p := pl.l.ObjectPartition(bucket, key)
	return s.currentFrom(ctx, s.readSet(pl, p), p, bucket, key, readQuorum[[]index.Record], func(ctx context.Context, rep Replica) ([]index.Record, error) {
		return rep.Current(ctx, p, bucket, key)
	})
}

// recordsQuorum gathers a read quorum of owners' answers, as readQuorum does.
type recordsQuorum func(ctx context.Context, timeout time.Duration, rs readSet,
	fn func(context.Context, Replica) ([]index.Record, error)) ([]reply[[]index.Record], error)

// currentFrom is getCurrent asking the owners of rs with fetch, which answers as
// Replica.Current does, gathered by gather (readQuorum, or leaseInOrder).
func (s *Store) currentFrom(ctx context.Context, rs readSet, p int, bucket, key string, gather recordsQuorum,
	fetch func(context.Context, Replica) ([]index.Record, error)) (index.Record, bool, error) {
	var mu sync.Mutex
	var corrupt []Replica
	failed := 0
	answers, err := gather(ctx, s.cfg.RPCTimeout, rs, func(ctx context.Context, rep Replica) ([]index.Record, error) {
		recs, err := fetch(ctx, rep)
		if err != nil {
			mu.Lock()
			if errors.Is(err, index.ErrCorruptInline) {
				corrupt = append(corrupt, rep)
			} else {
				failed++
			}
			mu.Unlock()
		}
		return recs, err
	})
	mu.Lock()
	bad := append([]Replica(nil), corrupt...)
	onlyCorrupt := len(corrupt) > 0 && failed == 0
	mu.Unlock()
	if err != nil {
		if onlyCorrupt && ctx.Err() == nil {
			return index.Record{}, false, fmt.Errorf("%w: record %s/%s: %w (%v)", ErrCorrupt, bucket, key, index.ErrCorruptInline, err)
		}
		return index.Record{}, false, err
	}
	vr := versionsRead{rs: rs, answers: make([]reply[[]index.Entry], len(answers))}
	lists := make([][]index.Entry, len(answers))
	for i, a := range answers {
		es := make([]index.Entry, len(a.val))
		for j := range a.val {
			es[j] = a.val[j].Entry()
		}
		vr.answers[i], lists[i] = reply[[]index.Entry]{node: a.node, val: es}, es
	}
	vr.merged = mergeSlots(lists...)
	var want *index.Entry
	var tombs []index.Record // tombstones newer than the current version, to spread
	var f nullFilter
	for i := range vr.merged {
		e := &vr.merged[i]
		s.cfg.Clock.Observe(hlc.Timestamp(max(e.HLC, e.Changed)))
		if !f.keep(e) {
			continue
		}
		if !e.Tombstone {
			want = e
			break
		}
		tombs = append(tombs, tombstoneRecord(bucket, e))
	}
	if want == nil {
		s.repairVersions(ctx, &vr, p, tombs)
		return deleteOf(bucket, vr.merged), false, nil
	}
	var rec index.Record
	found := false
	for _, a := range answers {
		for _, r := range a.val {
			if r.SameSlot(&index.Record{HLC: want.HLC, Node: want.Node}) && r.Tombstone == want.Tombstone && r.Changed == want.Changed {
				rec, found = r, true
			}
		}
	}
	if !found { // cannot happen: want is one of the answers' records
		return index.Record{}, false, fmt.Errorf("blob: current version of %s/%s not among the answers", bucket, key)
	}
	rec.Bucket, rec.Key = bucket, key
	s.repairVersions(ctx, &vr, p, append(tombs, rec))
	for _, rep := range bad {
		s.repair(ctx, "record", func(ctx context.Context) error { return rep.PutRecord(ctx, 0, p, rec) })
	}
	return rec, true, nil
}

// OpenVersion returns the version of bucket/key that versionID names, or the current
// version for "". Errors: ErrNoSuchKey (no current version), ErrNoSuchVersion,
// ErrInvalidVersionID, and a *DeleteMarkerError when the version is a delete marker.
func (s *Store) OpenVersion(ctx context.Context, bucket, key, versionID string) (*Object, error) {
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
	rec, found, err := s.getVersion(ctx, pl, bucket, key, versionID)
	if err != nil {
		return nil, err
	}
	if !found {
		if versionID == "" && rec.Tombstone {
			return nil, &DeletedError{HLC: hlc.Timestamp(rec.HLC), Origin: originOf(rec.Meta), Lifecycle: madeByLifecycle(rec.Meta)}
		}
		if versionID == "" {
			return nil, ErrNoSuchKey
		}
		return nil, ErrNoSuchVersion
	}
	if rec.DeleteMarker {
		e := rec.Entry()
		return nil, deleteMarkerError(&e, versionID != "")
	}
	return s.objectFromRecord(&rec)
}

// DeleteInput is one DELETE of an object or of one of its versions.
type DeleteInput struct {
	Bucket     string
	Key        string
	VersionID  string // "" deletes the key (a delete marker where versioning is on)
	Versioning Versioning
	// BypassGovernance is a caller who asked to bypass GOVERNANCE retention
	// (x-amz-bypass-governance-retention) and may (s3:BypassGovernanceRetention).
	BypassGovernance bool
	// Now is the time the version's retention is judged at; zero is the clock's.
	Now time.Time
	// Origin is set by a delete of site sync's: the delete marker (or the
	// unversioned key's tombstone) keeps it. With VersionID, a removal site sync
	// brought: it removes nothing when another version of the key here has the
	// same HLC (the two sites' ids might not name the same write).
	Origin Origin
	// Cond, if not nil, makes the delete conditional on the key's current version
	// (If-Match, x-amz-if-match-last-modified-time, x-amz-if-match-size), whichever
	// version the delete removes.
	Cond *Condition
	// Lifecycle marks a lifecycle rule's delete: the tombstone of a removal by
	// VersionID, or the delete marker of an expiration, says so, and site sync
	// does not replicate it, as S3's replication replicates no lifecycle action
	// (RemovedByLifecycle, DeleteMarkerError.Lifecycle).
	Lifecycle bool
}

// DeleteResult is what a DELETE did.
type DeleteResult struct {
	// VersionID is the delete marker's id (a DELETE without a version id in a bucket
	// with versioning on), or the id of the version removed.
	VersionID string
	// DeleteMarker is set when a delete marker was made, or the version removed was
	// one.
	DeleteMarker bool
}

// Delete deletes as S3 does. Without a version id: in an unversioned bucket the null
// version is removed; with versioning Enabled a new delete marker is written;
// Suspended, a null delete marker replaces the null version. With a version id, that
// version is removed for good (a tombstone in its slot, kept until every owner has
// it) and the previous one becomes current; removing a version that does not exist
// is not an error. A version that its object lock protects is not removed:
// ErrObjectLocked (a legal hold, a COMPLIANCE retention, or a GOVERNANCE one without
// BypassGovernance); a delete marker is never locked.
func (s *Store) Delete(ctx context.Context, in DeleteInput) (DeleteResult, error) {
	if err := s.enter(); err != nil {
		return DeleteResult{}, err
	}
	defer s.leave()
	if err := checkNames(in.Bucket, in.Key); err != nil {
		return DeleteResult{}, err
	}
	if err := CheckVersionID(in.VersionID); in.VersionID != "" && err != nil {
		return DeleteResult{}, err
	}
	pl, err := s.placement()
	if err != nil {
		return DeleteResult{}, err
	}
	p := pl.l.ObjectPartition(in.Bucket, in.Key)
	now := uint64(s.cfg.Clock.Now())
	rec := index.Record{Bucket: in.Bucket, Key: in.Key, HLC: now, Node: s.cfg.NodeID}
	if !in.Origin.IsZero() && in.VersionID == "" {
		rec.Meta = encodeObjectMeta(objectMeta{Origin: in.Origin})
		now = uint64(s.writeTime(in.Origin))
		node, err := s.replicaSlot(ctx, pl, p, in.Bucket, in.Key, in.Origin, "", in.Versioning == VersioningEnabled)
		if err != nil {
			return DeleteResult{}, err
		}
		rec.HLC, rec.Node = now, node
	}
	var res DeleteResult
	switch {
	case in.VersionID == "" && in.Versioning == Unversioned:
		rec.Tombstone = true
	case in.VersionID == "" && in.Versioning == VersioningEnabled:
		rec.Versioned, rec.DeleteMarker = true, true
		if in.Lifecycle {
			rec.Meta = lifecycleMeta() // an expiration's marker
		}
		res = DeleteResult{VersionID: EncodeVersionID(now, rec.Node), DeleteMarker: true}
	case in.VersionID == "":
		rec.DeleteMarker = true
		res = DeleteResult{VersionID: NullVersion, DeleteMarker: true}
	default:
		old, found, tied, err := s.lookupVersion(ctx, pl, in.Bucket, in.Key, in.VersionID)
		if err != nil {
			return DeleteResult{}, err
		}
		res = DeleteResult{VersionID: in.VersionID}
		if !found || tied && !in.Origin.IsZero() {
			// A removal site sync brought is applied only to a version that
			// no other version here shares the HLC of: at such a tie the ids
			// of the two sites may not name the same write (replicaSlot).
			return res, nil
		}
		res.DeleteMarker = old.DeleteMarker
		if err := s.checkRemovable(&old, in.Now, in.BypassGovernance); err != nil {
			return DeleteResult{}, err
		}
		if old.Versioned {
			// The tombstone takes the version's own slot.
			rec = index.Record{Bucket: in.Bucket, Key: in.Key, HLC: old.HLC, Node: old.Node,
				Versioned: true, Tombstone: true, Changed: now}
			if in.Lifecycle {
				rec.Meta = lifecycleMeta()
			}
		} else {
			rec.Tombstone = true // a newer null record supersedes the null version
		}
	}
	if err := s.commit(ctx, pl, p, &rec, in.Cond); err != nil {
		return DeleteResult{}, err
	}
	if res.DeleteMarker && in.VersionID == "" && in.Versioning == VersioningEnabled {
		res.VersionID = EncodeVersionID(rec.HLC, rec.Node) // commit may have restamped it
	}
	return res, nil
}

// SetTags replaces the tags of the version of bucket/key that versionID names (the
// current one for ""), and returns that version's id. The version keeps its slot,
// bytes and everything else (see changeAttributes). Errors as OpenVersion.
func (s *Store) SetTags(ctx context.Context, bucket, key, versionID string, tags map[string]string) (string, error) {
	return s.SetTagsAt(ctx, bucket, key, versionID, tags, 0)
}

// SetTagsAt is SetTags of a change site sync brought from another site, made
// there at the HLC at (zero: a change made here now); see changeAttributes.
func (s *Store) SetTagsAt(ctx context.Context, bucket, key, versionID string, tags map[string]string, at hlc.Timestamp) (string, error) {
	info, err := s.changeAttributes(ctx, bucket, key, versionID, at, func(m *objectMeta) error {
		m.Tags = tags
		return nil
	})
	return info.VersionID, err
}

// changeAttributes changes the mutable attributes (tags, object lock) of the version
// of bucket/key that versionID names (the current one for "") with change, and returns
// the version as it now is. The version keeps its slot, bytes and everything else;
// its new record carries Changed, a fresh HLC, so that every owner keeps the latest
// attribute state whatever order updates reach it in (a removal of the version still
// wins). An error from change is returned and nothing is written. Errors as
// OpenVersion; a delete marker is a *DeleteMarkerError.
//
// A change site sync brought from another site carries at, the HLC it was made at
// there: the record carries it as Changed (the clock observes it), so that both
// sites order the version's attribute changes alike (last change wins); one no
// newer than the version's last change is not applied (the index keeps the first
// of two records of one slot with the same Changed), and the version is returned
// as it is.
func (s *Store) changeAttributes(ctx context.Context, bucket, key, versionID string, at hlc.Timestamp, change func(*objectMeta) error) (ObjectInfo, error) {
	if err := s.enter(); err != nil {
		return ObjectInfo{}, err
	}
	defer s.leave()
	if err := checkNames(bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	pl, err := s.placement()
	if err != nil {
		return ObjectInfo{}, err
	}
	rec, found, err := s.getVersion(ctx, pl, bucket, key, versionID)
	if err != nil {
		return ObjectInfo{}, err
	}
	switch {
	case !found && versionID == "":
		return ObjectInfo{}, ErrNoSuchKey
	case !found:
		return ObjectInfo{}, ErrNoSuchVersion
	}
	if rec.DeleteMarker {
		e := rec.Entry()
		return ObjectInfo{}, deleteMarkerError(&e, true)
	}
	if at != 0 && uint64(at) <= rec.Changed {
		return infoFromRecord(&rec) // a newer change stands
	}
	m, err := decodeObjectMeta(rec.Meta)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := change(&m); err != nil {
		return ObjectInfo{}, err
	}
	// Changed here, the version is this site's now: site sync sends it on, even
	// to the site it came from.
	m.Origin = Origin{}
	rec.Meta = encodeObjectMeta(m)
	rec.Changed = uint64(s.cfg.Clock.Now())
	if at != 0 {
		s.cfg.Clock.Observe(at)
		rec.Changed = uint64(at)
	}
	if err := s.putRecord(ctx, pl, pl.l.ObjectPartition(bucket, key), rec); err != nil {
		return ObjectInfo{}, err
	}
	return infoFromRecord(&rec)
}
