package index

import "errors"

// Errors returned by the index.
var (
	// ErrNotFound is returned for a record, upload or part the index does not hold.
	ErrNotFound = errors.New("index: not found")
	// ErrInvalidKey is returned for a bucket or object key the key encoding cannot
	// hold: empty, or containing NUL (the separator), or a partition above 65535.
	ErrInvalidKey = errors.New("index: invalid key")
	// ErrCorruptRecord is returned for a stored value that does not decode.
	ErrCorruptRecord = errors.New("index: corrupt record")
	// ErrCorruptInline is returned for a version record whose inline bytes fail their
	// checksum (see inline.go). The caller should read the record from another owner,
	// whose good copy then replaces this one.
	ErrCorruptInline = errors.New("index: inline bytes of a record fail their checksum")
	// ErrClosed is returned by writes after Close.
	ErrClosed = errors.New("index: closed")
)
