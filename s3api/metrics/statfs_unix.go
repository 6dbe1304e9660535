//go:build unix

package metrics

import "golang.org/x/sys/unix"

// statDisk reads the usage of the file system holding dir.
func statDisk(dir string) (diskUsage, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return diskUsage{}, err
	}
	bsize := uint64(st.Bsize)
	total := uint64(st.Blocks) * bsize
	return diskUsage{
		total: total,
		free:  uint64(st.Bavail) * bsize,
		used:  total - uint64(st.Bfree)*bsize,
	}, nil
}
