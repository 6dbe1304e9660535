//go:build !unix

package metrics

import "errors"

// statDisk is not implemented off Unix; the disk gauges are left out there.
func statDisk(string) (diskUsage, error) {
	return diskUsage{}, errors.New("metrics: disk usage is not supported on this platform")
}
