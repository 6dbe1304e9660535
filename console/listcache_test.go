package console

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestListCache: pages are per access key, expire after the lifetime, go when their
// bucket is written, and a full cache makes room; a zero lifetime caches nothing.
func TestListCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	lc := newListCache(3*time.Second, 3, func() time.Time { return now })
	page := &s3.ListObjectsV2Output{KeyCount: aws.Int32(1)}
	a := listKey{accessKey: "A", bucket: "b", prefix: "p/", size: 50}
	lc.put(a, page)
	require.Same(t, page, lc.get(a))
	require.Nil(t, lc.get(listKey{accessKey: "B", bucket: "b", prefix: "p/", size: 50}), "another user's page is not shared")
	now = now.Add(3 * time.Second)
	require.Nil(t, lc.get(a), "expired")

	lc.put(a, page)
	other := listKey{accessKey: "A", bucket: "c", size: 50}
	lc.put(other, page)
	lc.invalidate("b")
	require.Nil(t, lc.get(a))
	require.Same(t, page, lc.get(other))

	for i := 0; i < 5; i++ {
		lc.put(listKey{accessKey: "A", bucket: "d", size: i}, page)
	}
	require.LessOrEqual(t, len(lc.entries), 3)

	off := newListCache(0, 3, time.Now)
	off.put(a, page)
	require.Nil(t, off.get(a))
}
