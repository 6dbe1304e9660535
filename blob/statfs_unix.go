//go:build unix

package blob

import "golang.org/x/sys/unix"

// statDisk returns the size of the file system holding dir, the bytes free to an
// unprivileged user, and the bytes in use, as df reports them.
func statDisk(dir string) (total, free, used uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, 0, err
	}
	bs := uint64(st.Bsize)
	return st.Blocks * bs, st.Bavail * bs, (st.Blocks - st.Bfree) * bs, nil
}
