package blob

import (
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// uniqueBlocks generates size bytes whose every block differs (no deduplication), and
// samples the heap as it is read.
type uniqueBlocks struct {
	left, off  int64
	blockSize  int64
	reads      int
	base, peak uint64
}

func (u *uniqueBlocks) Read(p []byte) (int, error) {
	if u.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), u.left)
	clear(p[:n])
	// Stamp the block number at each block start within p.
	for start := (u.off + u.blockSize - 1) / u.blockSize * u.blockSize; start+8 <= u.off+n; start += u.blockSize {
		binary.BigEndian.PutUint64(p[start-u.off:], uint64(start/u.blockSize))
	}
	u.off += n
	u.left -= n
	if u.reads++; u.reads%256 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		u.peak = max(u.peak, ms.HeapInuse)
	}
	return int(n), nil
}

func TestPutObjectMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GiB")
	}
	cfg := testConfig(t)
	cfg.BlockSize, cfg.InlineLimit = 1<<20, 16<<10
	s := openStore(t, cfg)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	body := &uniqueBlocks{left: 1 << 30, blockSize: 1 << 20, base: ms.HeapInuse}
	info, err := s.PutObject(context.Background(), PutInput{Bucket: "b", Key: "1GiB", Body: body})
	require.NoError(t, err)
	require.EqualValues(t, 1<<30, info.Size)
	growth := int64(body.peak) - int64(body.base)
	t.Logf("heap in use grew by at most %.1f MiB during a 1 GiB put", float64(growth)/(1<<20))
	require.Less(t, growth, int64(48<<20))
	require.EqualValues(t, 1024, blockCount(t, s))
}
