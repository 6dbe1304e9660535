package meta

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketVersioning(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", Owner: "alice", CreatedAt: t0}))
	b, _ := f.bucket("photos")
	require.Empty(t, b.Versioning, "a new bucket never had versioning")
	require.Nil(t, applyTo(t, f, 2, BucketVersioningSet{Bucket: "photos", Status: VersioningEnabled}))
	b, _ = f.bucket("photos")
	require.Equal(t, VersioningEnabled, b.Versioning)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")
	require.Nil(t, applyTo(t, f, 3, BucketVersioningSet{Bucket: "photos", Status: VersioningSuspended}))
	require.Nil(t, applyTo(t, f, 4, BucketVersioningSet{Bucket: "photos", Status: VersioningSuspended}), "a retry")
	b, _ = f.bucket("photos")
	require.Equal(t, VersioningSuspended, b.Versioning)
	requireRejected(t, applyTo(t, f, 5, BucketVersioningSet{Bucket: "photos", Status: ""}), ErrInvalid)
	requireRejected(t, applyTo(t, f, 6, BucketVersioningSet{Bucket: "nowhere", Status: VersioningEnabled}), ErrNoSuchBucket)
	b, _ = f.bucket("photos")
	require.Equal(t, VersioningSuspended, b.Versioning, "a bucket never returns to unversioned")

	// The state survives a snapshot and restore.
	g := restoredCopy(t, f)
	b, _ = g.bucket("photos")
	require.Equal(t, VersioningSuspended, b.Versioning)
}
