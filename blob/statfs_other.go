//go:build !unix

package blob

import "errors"

// statDisk is not implemented off Unix: Usage leaves the disk figures out.
func statDisk(string) (total, free, used uint64, err error) {
	return 0, 0, 0, errors.New("blob: file system usage is not supported on this platform")
}
