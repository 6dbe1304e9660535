package blob

import "errors"

// Errors returned by the object layer. The S3 layer maps each to its S3 error code.
var (
	ErrNoSuchKey        = errors.New("blob: no such key")
	ErrNoSuchUpload     = errors.New("blob: no such upload")
	ErrInvalidPart      = errors.New("blob: invalid part")
	ErrInvalidPartOrder = errors.New("blob: parts not in ascending order")
	ErrEntityTooSmall   = errors.New("blob: part smaller than the minimum")
	ErrNoQuorum         = errors.New("blob: not enough owners answered")
	ErrClosed           = errors.New("blob: store closed")
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
)
