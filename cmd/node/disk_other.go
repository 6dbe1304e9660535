//go:build !unix

package node

import "errors"

// diskUsage is not implemented on this platform: nodes are listed without disk figures.
func diskUsage(string) (total, free, used uint64, err error) {
	return 0, 0, 0, errors.New("node: disk usage is not implemented on this platform")
}
