//go:build unix

package node

import "syscall"

// diskUsage returns the size of the file system holding dir, the bytes free to an
// unprivileged user, and the bytes in use, as df reports them.
func diskUsage(dir string) (total, free, used uint64, err error) {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(fs.Bsize)
	return fs.Blocks * bs, fs.Bavail * bs, (fs.Blocks - fs.Bfree) * bs, nil
}
