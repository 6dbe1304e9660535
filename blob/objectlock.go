package blob

import (
	"context"
	"errors"
	"time"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
)

// Object lock (docs/object-lock.md): a version may carry a retention (a mode and a
// date until which it may not be removed) and a legal hold (no removal until it is
// lifted). Both live in the version record's Meta and change like tags do (SetLock):
// the record's Changed orders the changes, so every owner keeps the latest.

// RetentionMode is a version's retention mode, as S3 names it; "" is none.
type RetentionMode string

// The retention modes. GOVERNANCE may be bypassed by a caller who asks to and is
// allowed to (s3:BypassGovernanceRetention); COMPLIANCE by no one, for as long as it
// runs.
const (
	Governance RetentionMode = "GOVERNANCE"
	Compliance RetentionMode = "COMPLIANCE"
)

// ObjectLock is a version's object lock state.
type ObjectLock struct {
	Mode        RetentionMode // "" for no retention
	RetainUntil time.Time     // zero for no retention
	LegalHold   bool
	// LegalHoldOff is a legal hold set to OFF, as opposed to none ever set (S3
	// answers GetObjectLegalHold of such a version NoSuchObjectLockConfiguration).
	// At most one of LegalHold and LegalHoldOff is true.
	LegalHoldOff bool
}

// LegalHoldApplied reports whether a legal hold, ON or OFF, was ever set on the
// version.
func (l ObjectLock) LegalHoldApplied() bool { return l.LegalHold || l.LegalHoldOff }

// ErrObjectLocked is the refusal to remove, or to shorten the retention of, a version
// that its object lock protects. The S3 layer answers AccessDenied.
var ErrObjectLocked = errors.New("blob: version protected by object lock")

// Retained reports whether the retention runs at now: a mode is set and its date is
// still ahead.
func (l ObjectLock) Retained(now time.Time) bool {
	return l.Mode != "" && l.RetainUntil.After(now)
}

// LockedAt reports whether the version may NOT be removed at now by anything that
// does not bypass governance: a legal hold is on, or a retention of either mode runs
// until after now. Lifecycle expiration and every other removal without a caller's
// explicit bypass must leave a version for which it is true. A version whose
// retention has passed and which has no legal hold may be removed.
func (l ObjectLock) LockedAt(now time.Time) bool {
	return l.LegalHold || l.Retained(now)
}

// blocksRemoval reports whether the lock refuses a removal at now; bypassGovernance
// is a caller allowed to, and asking to, bypass GOVERNANCE retention.
func (l ObjectLock) blocksRemoval(now time.Time, bypassGovernance bool) bool {
	if l.LegalHold {
		return true
	}
	if !l.Retained(now) {
		return false
	}
	return l.Mode == Compliance || !bypassGovernance
}

// LockedAt reports whether the version may not be removed at now (see
// ObjectLock.LockedAt). A delete marker is never locked.
func (o *ObjectInfo) LockedAt(now time.Time) bool {
	return !o.DeleteMarker && o.Lock.LockedAt(now)
}

// EntryLockedAt is ObjectInfo.LockedAt for an index entry of a listing, as a
// background job (lifecycle) sees versions; an error if its metadata is corrupt, in
// which case the caller must treat the version as locked.
func EntryLockedAt(e *index.Entry, now time.Time) (bool, error) {
	if e.DeleteMarker || e.Tombstone {
		return false, nil
	}
	l, err := decodeLock(e.Meta)
	if err != nil {
		return true, err
	}
	return l.LockedAt(now), nil
}

// checkRemovable returns ErrObjectLocked if rec's object lock refuses its removal at
// now (the clock's time when zero).
func (s *Store) checkRemovable(rec *index.Record, now time.Time, bypassGovernance bool) error {
	if rec.DeleteMarker {
		return nil
	}
	m, err := decodeObjectMeta(rec.Meta)
	if err != nil {
		return err // unreadable: never removed on a guess
	}
	if now.IsZero() {
		now = s.cfg.Clock.Now().Time()
	}
	if m.Lock.blocksRemoval(now, bypassGovernance) {
		return ErrObjectLocked
	}
	return nil
}

// LockChange is one change to a version's object lock: its retention, its legal
// hold, or both.
type LockChange struct {
	Bucket    string
	Key       string
	VersionID string // "" for the current version
	// Retention, when set, replaces the version's retention (Mode and RetainUntil;
	// both zero removes it).
	Retention *ObjectLock
	// LegalHold, when set, puts the legal hold on or takes it off.
	LegalHold *bool
	// BypassGovernance is a caller who asked to bypass GOVERNANCE retention and may.
	BypassGovernance bool
	// Now is the time a running retention is judged at; zero is the clock's.
	Now time.Time
	// At is the HLC of a change site sync brought from another site, made there
	// then (zero: a change made here now); see changeAttributes.
	At hlc.Timestamp
}

// SetLock changes the object lock of the version that in names and returns the
// version as it now is. The version keeps its slot and bytes; its record carries a
// fresh Changed so that every owner keeps the latest lock state (changeAttributes).
//
// A running COMPLIANCE retention may only be kept or extended: its mode and a date
// no earlier than the current one, whoever asks (else ErrObjectLocked). A running
// GOVERNANCE retention may be extended as GOVERNANCE; shortening it, removing it or
// turning it into COMPLIANCE overrides it and needs BypassGovernance, as in S3 (ceph's
// s3-tests check the mode change). A retention that has passed
// may be replaced freely. Errors as OpenVersion (a delete marker is a
// *DeleteMarkerError).
func (s *Store) SetLock(ctx context.Context, in LockChange) (ObjectInfo, error) {
	now := in.Now
	if now.IsZero() {
		now = s.cfg.Clock.Now().Time()
	}
	return s.changeAttributes(ctx, in.Bucket, in.Key, in.VersionID, in.At, func(m *objectMeta) error {
		if in.Retention != nil {
			if !retentionChangeAllowed(m.Lock, *in.Retention, now, in.BypassGovernance) {
				return ErrObjectLocked
			}
			m.Lock.Mode, m.Lock.RetainUntil = in.Retention.Mode, in.Retention.RetainUntil
			if m.Lock.Mode == "" {
				m.Lock.RetainUntil = time.Time{}
			}
		}
		if in.LegalHold != nil {
			m.Lock.LegalHold, m.Lock.LegalHoldOff = *in.LegalHold, !*in.LegalHold
		}
		return nil
	})
}

// retentionChangeAllowed reports whether a version's retention old may become new at
// now (see SetLock).
func retentionChangeAllowed(old, new ObjectLock, now time.Time, bypassGovernance bool) bool {
	if !old.Retained(now) {
		return true
	}
	kept := new.Mode != "" && !new.RetainUntil.Before(old.RetainUntil)
	switch old.Mode {
	case Compliance:
		return kept && new.Mode == Compliance
	default: // Governance: extended as GOVERNANCE; any other change overrides it
		return kept && new.Mode == Governance || bypassGovernance
	}
}
