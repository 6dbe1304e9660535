package blob

import (
	"errors"
	"fmt"
)

// Errors returned by the object layer. The S3 layer maps each to its S3 error code.
var (
	ErrNoSuchKey        = errors.New("blob: no such key")
	ErrNoSuchUpload     = errors.New("blob: no such upload")
	ErrInvalidPart      = errors.New("blob: invalid part")
	ErrInvalidPartOrder = errors.New("blob: parts not in ascending order")
	ErrEntityTooSmall   = errors.New("blob: part smaller than the minimum")
	ErrNoQuorum         = errors.New("blob: not enough owners answered")
	ErrClosed           = errors.New("blob: store closed")
	// ErrBadDigest: a checksum the client gave for the data does not match it.
	ErrBadDigest = errors.New("blob: checksum mismatch")
	// ErrSizeMismatch: the size the client said a completed object has is not its size.
	ErrSizeMismatch = errors.New("blob: object size mismatch")
	// ErrCorrupt is returned when every owner that answered holds a copy of the data a
	// read needs (inline bytes or a block) that fails its checksum, and none is
	// unreachable: no good copy can be had. The S3 layer answers InternalError.
	ErrCorrupt = errors.New("blob: no intact copy of the data")
	// ErrInvalidKey is returned for an empty object key or one containing NUL, which the
	// version index uses as its separator.
	ErrInvalidKey = errors.New("blob: invalid object key")
	// ErrInvalidArgument is returned for an argument out of range, such as a part number
	// outside 1..10000.
	ErrInvalidArgument = errors.New("blob: invalid argument")
	// ErrInvalidRange is returned by NewReader for an offset outside the object.
	ErrInvalidRange = errors.New("blob: range not satisfiable")
	// ErrStaleLayout is an owner's refusal of a write placed under a layout version
	// older than the newest it knows (see fence.go). It reaches callers wrapped in
	// ErrNoQuorum: the client retries once the coordinator has caught up with the
	// layout.
	ErrStaleLayout = errors.New("blob: write placed under a superseded layout version")
	// ErrPreconditionFailed: a conditional write's or delete's condition does not hold
	// of the key's current version (S3's 412 PreconditionFailed).
	ErrPreconditionFailed = errors.New("blob: precondition failed")
	// ErrConditionalConflict: a conditional write could not get the key from the other
	// conditional writers in time, or lost it before its write (S3's 409
	// ConditionalRequestConflict); nothing was written and the client may retry.
	ErrConditionalConflict = errors.New("blob: conflicting conditional write")
	// ErrLeaseHeld is an owner's refusal of a lease on a key another conditional
	// write holds (lease.go).
	ErrLeaseHeld = errors.New("blob: the key is leased to another conditional write")
	// ErrLeaseLost is an owner's refusal of a leased write whose lease it no longer
	// holds (released, expired or never granted).
	ErrLeaseLost = errors.New("blob: the key's lease is not held")
	// ErrStoredUnleased is an owner's answer to a leased write it stored though the
	// writer held no lease there (no one did): an extra copy, which does not count
	// towards the write's quorum (lease.go).
	ErrStoredUnleased = errors.New("blob: stored without the key's lease")
)

// QuorumError is the ErrNoQuorum of an operation that fewer owners answered than it
// needed: errors.Is(err, ErrNoQuorum) holds, and each owner's error stays reachable.
type QuorumError struct {
	Reached, Needed int   // owners that succeeded, and how many had to
	Err             error // the failed owners' errors, joined
}

func (e *QuorumError) Error() string {
	return fmt.Sprintf("%v (%d of %d needed): %v", ErrNoQuorum, e.Reached, e.Needed, e.Err)
}

// Is makes errors.Is(e, ErrNoQuorum) true.
func (e *QuorumError) Is(target error) bool { return target == ErrNoQuorum }

// Unwrap returns the owners' errors.
func (e *QuorumError) Unwrap() error { return e.Err }
