package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/meta"
)

// stopAfter is the node's object store, but its deletes cancel the run after n: a
// run cut short, as by a restart.
type stopAfter struct {
	*blob.Store
	n      int64
	cancel context.CancelFunc
}

func (s *stopAfter) Delete(ctx context.Context, in blob.DeleteInput) (blob.DeleteResult, error) {
	if atomic.AddInt64(&s.n, -1) < 0 {
		s.cancel()
		return blob.DeleteResult{}, context.Canceled
	}
	return s.Store.Delete(ctx, in)
}

// versionedBucket creates a versioned bucket with rules, and n objects in it.
func versionedBucket(t testing.TB, n *node.Node, bucket string, objects int, rules ...meta.LifecycleRule) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, n.Meta().CreateBucket(ctx, meta.Bucket{Name: bucket, Owner: meta.RootUser, Region: "us-east-1", CreatedAt: time.Now()}))
	require.NoError(t, n.Meta().PutBucketVersioning(ctx, bucket, meta.VersioningEnabled))
	for i := range objects {
		_, err := n.Store().PutObject(ctx, blob.PutInput{Bucket: bucket, Key: fmt.Sprintf("obj/%05d", i),
			Body: strings.NewReader("data"), Versioning: blob.VersioningEnabled})
		require.NoError(t, err)
	}
	if len(rules) > 0 {
		require.NoError(t, n.Meta().PutBucketLifecycle(ctx, bucket, &meta.LifecycleConfig{Rules: rules}))
	}
}

// A run cut short resumes from its checkpoint: the next engine on the same data
// directory does not walk again what the first finished, and every object is
// expired exactly once.
func TestRunResumesFromCheckpoint(t *testing.T) {
	const objects = 300
	n := nodetest.Start(t, func(c *node.Config) { c.LifecycleInterval = -1 })
	versionedBucket(t, n, "resume", objects,
		meta.LifecycleRule{ID: "all", Enabled: true, ExpirationDays: 1, Filter: meta.LifecycleFilter{Form: meta.FilterSingle}})
	dir := t.TempDir()
	cfg := lifecycle.Config{Interval: time.Hour, Day: time.Millisecond, Dir: dir}
	written := time.Now()
	nodetest.WaitFor(t, "two lifecycle days (of 1ms) have passed", func() bool { return time.Since(written) > 2*time.Millisecond })

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first, err := lifecycle.New(cfg, &stopAfter{Store: n.Store(), n: objects / 2, cancel: cancel}, n.Meta())
	require.NoError(t, err)
	r1, err := first.RunNow(ctx)
	require.Error(t, err, "the run was cut short")
	require.Positive(t, r1.Expired)
	require.LessOrEqual(t, r1.Expired, objects/2)

	second, err := lifecycle.New(cfg, n.Store(), n.Meta())
	require.NoError(t, err)
	r2, err := second.RunNow(t.Context())
	require.NoError(t, err)
	// Actions in flight when the run was cut may have landed uncounted.
	require.InDelta(t, objects, r1.Expired+r2.Expired, 8, "each object expired once over the two runs")
	require.Less(t, r2.Scanned, objects+objects/2, "the second run skipped the partitions the first finished")

	vs, err := n.Store().ListObjectVersions(t.Context(), blob.ListVersionsInput{Bucket: "resume", Limit: 1000})
	require.NoError(t, err)
	markers := 0
	for _, v := range vs.Versions {
		if v.DeleteMarker {
			markers++
			require.True(t, v.IsLatest)
		}
	}
	require.Equal(t, objects, markers, "one delete marker per object")

	// A new run (the last one finished) changes nothing: every key's current
	// version is a delete marker now.
	r3, err := second.RunNow(t.Context())
	require.NoError(t, err)
	require.Zero(t, r3.Expired)
	require.Equal(t, 2*objects, r3.Scanned)
}

// The removal of a null version the engine decided on leaves current a write that
// landed between its read and its write, in an unversioned bucket (a tombstone) as
// in a Suspended one (a null delete marker).
func TestRemoveNullSparesALaterWrite(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) { c.LifecycleInterval = -1 })
	ctx := t.Context()
	st := n.Store()
	for _, marker := range []bool{false, true} {
		bucket := fmt.Sprintf("null-%t", marker)
		require.NoError(t, n.Meta().CreateBucket(ctx, meta.Bucket{Name: bucket, Owner: meta.RootUser, Region: "us-east-1", CreatedAt: time.Now()}))
		put := func(body string) {
			_, err := st.PutObject(ctx, blob.PutInput{Bucket: bucket, Key: "k", Body: strings.NewReader(body)})
			require.NoError(t, err)
		}
		put("old")
		vs, err := st.Versions(ctx, bucket, "k")
		require.NoError(t, err)
		require.Len(t, vs, 1)
		require.NoError(t, st.RemoveNull(ctx, bucket, "k", vs[0], marker))
		_, err = st.OpenObject(ctx, bucket, "k")
		require.ErrorIs(t, err, blob.ErrNoSuchKey, "the version decided on is gone")

		put("old again")
		vs, err = st.Versions(ctx, bucket, "k")
		require.NoError(t, err)
		put("new") // lands after the decision, before the write
		require.NoError(t, st.RemoveNull(ctx, bucket, "k", vs[0], marker))
		obj, err := st.OpenObject(ctx, bucket, "k")
		require.NoError(t, err, "the later write stays current")
		require.Equal(t, int64(len("new")), obj.Info.Size)
	}
}
