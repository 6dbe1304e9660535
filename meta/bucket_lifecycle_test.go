package meta

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketLifecycle(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "logs", Owner: "alice", CreatedAt: t0}))
	cfg := &LifecycleConfig{Rules: []LifecycleRule{
		{ID: "a", Enabled: true, ExpirationDays: 30, Filter: LifecycleFilter{Form: FilterAnd, Prefix: "tmp/", Tags: []LifecycleTag{{Key: "k", Value: "v"}}, SizeGreaterThan: 5}},
		{ID: "b", Enabled: false, ExpirationDate: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), NoncurrentDays: 3, NewerNoncurrentVersions: 2, AbortDays: 1},
	}}
	require.Nil(t, applyTo(t, f, 2, BucketLifecycleSet{Bucket: "logs", Config: cfg}))
	b, _ := f.bucket("logs")
	require.Equal(t, cfg, b.Lifecycle)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")
	b.Lifecycle.Rules[0].Filter.Tags[0].Value = "changed"
	again, _ := f.bucket("logs")
	require.Equal(t, "v", again.Lifecycle.Rules[0].Filter.Tags[0].Value, "a reader's copy shares nothing with the state")

	requireRejected(t, applyTo(t, f, 3, BucketLifecycleSet{Bucket: "nowhere", Config: cfg}), ErrNoSuchBucket)
	tooMany := &LifecycleConfig{Rules: make([]LifecycleRule, MaxLifecycleRules+1)}
	requireRejected(t, applyTo(t, f, 4, BucketLifecycleSet{Bucket: "logs", Config: tooMany}), ErrInvalid)

	// The state survives a snapshot and restore.
	snap, err := f.Snapshot()
	require.NoError(t, err)
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	b, _ = g.bucket("logs")
	require.Equal(t, cfg, b.Lifecycle)

	require.Nil(t, applyTo(t, f, 5, BucketLifecycleSet{Bucket: "logs"}))
	b, _ = f.bucket("logs")
	require.Nil(t, b.Lifecycle, "a nil configuration removes it")
}
