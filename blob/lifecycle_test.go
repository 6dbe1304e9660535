package blob

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A write that lands in the same millisecond right after the null version the
// lifecycle engine decided to remove takes the next HLC (v's + 1); the removal must
// not take that slot, or its tombstone would replace an acknowledged write. The
// frozen clock makes every write of the test share one millisecond.
func TestRemoveNullSparesAWriteInTheNextSlot(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	cfg := testConfig(t)
	cfg.Now = clock.Now
	s := openStore(t, cfg)
	ctx := t.Context()
	for _, marker := range []bool{false, true} {
		key := "k-" + map[bool]string{false: "tombstone", true: "marker"}[marker]
		_, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: key, Body: strings.NewReader("old")})
		require.NoError(t, err)
		vs, err := s.Versions(ctx, "b", key)
		require.NoError(t, err)
		require.Len(t, vs, 1)
		_, err = s.PutObject(ctx, PutInput{Bucket: "b", Key: key, Body: strings.NewReader("new")})
		require.NoError(t, err)
		after, err := s.Versions(ctx, "b", key)
		require.NoError(t, err)
		require.Len(t, after, 1)
		require.Equal(t, vs[0].HLC+1, after[0].HLC, "the later write holds the next slot")

		require.NoError(t, s.RemoveNull(ctx, "b", key, vs[0], marker))
		obj, err := s.OpenObject(ctx, "b", key)
		require.NoError(t, err, "the later write stays current")
		require.Equal(t, int64(3), obj.Info.Size)
	}
}

func TestValidNodeID(t *testing.T) {
	for _, id := range []string{"node-1", "cairn-0.cairn.svc", "ünïcode", strings.Repeat("n", 128)} {
		require.True(t, ValidNodeID(id), id)
	}
	for _, id := range []string{"", "a\x00", "a\x01b", "tab\there", "del\x7f", "\xffnot-utf8", strings.Repeat("n", 129)} {
		require.False(t, ValidNodeID(id), "%q", id)
	}
}
