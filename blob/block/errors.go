package block

import "errors"

// Errors returned by the block store.
var (
	// ErrNotFound is returned for a block this store does not hold.
	ErrNotFound = errors.New("block: not found")
	// ErrCorrupt is returned when a block's bytes no longer hash to its name. The
	// caller should fetch a good copy from another owner and Repair this one.
	ErrCorrupt = errors.New("block: corrupt")
)
