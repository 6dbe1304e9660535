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
)
