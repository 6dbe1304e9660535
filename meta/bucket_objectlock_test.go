package meta

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketObjectLock(t *testing.T) {
	f := newFSM()
	create := BucketCreate{Name: "vault", Owner: "alice", CreatedAt: t0}
	on := ObjectLockConfig{Enabled: true}
	require.Nil(t, applyTo(t, f, 1, BucketObjectLockSet{Bucket: "vault", Config: on, Create: &create}))
	require.Nil(t, applyTo(t, f, 2, BucketObjectLockSet{Bucket: "vault", Config: on, Create: &create}), "a retry")
	b, _ := f.bucket("vault")
	require.Equal(t, VersioningEnabled, b.Versioning, "object lock turns versioning on")
	require.True(t, b.ObjectLock.Enabled)
	requireRejected(t, applyTo(t, f, 3, BucketVersioningSet{Bucket: "vault", Status: VersioningSuspended}), ErrInvalidBucketState)
	require.Nil(t, applyTo(t, f, 4, BucketVersioningSet{Bucket: "vault", Status: VersioningEnabled}))

	// A default retention, then another, then none.
	gov := ObjectLockConfig{Enabled: true, Mode: RetentionGovernance, Days: 3}
	require.Nil(t, applyTo(t, f, 5, BucketObjectLockSet{Bucket: "vault", Config: gov}))
	b, _ = f.bucket("vault")
	require.Equal(t, gov, b.ObjectLock)
	comp := ObjectLockConfig{Enabled: true, Mode: RetentionCompliance, Years: 1}
	require.Nil(t, applyTo(t, f, 6, BucketObjectLockSet{Bucket: "vault", Config: comp}))
	b, _ = f.bucket("vault")
	require.Equal(t, comp, b.ObjectLock)

	for i, bad := range []ObjectLockConfig{
		{},
		{Enabled: true, Days: 1},
		{Enabled: true, Mode: "SOMETIMES", Days: 1},
		{Enabled: true, Mode: RetentionGovernance},
		{Enabled: true, Mode: RetentionGovernance, Days: 1, Years: 1},
		{Enabled: true, Mode: RetentionGovernance, Days: -1},
	} {
		requireRejected(t, applyTo(t, f, uint64(10+i), BucketObjectLockSet{Bucket: "vault", Config: bad}), ErrInvalid)
	}
	b, _ = f.bucket("vault")
	require.Equal(t, comp, b.ObjectLock, "a rejected configuration changes nothing")

	// An existing bucket needs versioning Enabled first.
	require.Nil(t, applyTo(t, f, 20, BucketCreate{Name: "plain", Owner: "alice", CreatedAt: t0}))
	requireRejected(t, applyTo(t, f, 21, BucketObjectLockSet{Bucket: "plain", Config: on}), ErrInvalidBucketState)
	require.Nil(t, applyTo(t, f, 22, BucketVersioningSet{Bucket: "plain", Status: VersioningSuspended}))
	requireRejected(t, applyTo(t, f, 23, BucketObjectLockSet{Bucket: "plain", Config: on}), ErrInvalidBucketState)
	require.Nil(t, applyTo(t, f, 24, BucketVersioningSet{Bucket: "plain", Status: VersioningEnabled}))
	require.Nil(t, applyTo(t, f, 25, BucketObjectLockSet{Bucket: "plain", Config: on}))
	requireRejected(t, applyTo(t, f, 26, BucketObjectLockSet{Bucket: "nowhere", Config: on}), ErrNoSuchBucket)
	// A locked create of a name an unlocked bucket holds fails.
	f2 := newFSM()
	require.Nil(t, applyTo(t, f2, 1, BucketCreate{Name: "x", CreatedAt: t0}))
	requireRejected(t, applyTo(t, f2, 2, BucketObjectLockSet{Bucket: "x", Config: on, Create: &BucketCreate{Name: "x", CreatedAt: t0}}), ErrBucketExists)

	// The state survives a snapshot and restore.
	g := restoredCopy(t, f)
	b, _ = g.bucket("vault")
	require.Equal(t, comp, b.ObjectLock)
}
