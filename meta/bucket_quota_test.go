package meta

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketQuota(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "photos", Owner: "alice", CreatedAt: t0}))
	b, _ := f.bucket("photos")
	require.True(t, b.Quota.IsZero(), "a new bucket has no quota")

	q := BucketQuota{Bytes: 10 << 20, Objects: 5}
	require.Nil(t, applyTo(t, f, 2, BucketQuotaSet{Bucket: "photos", Quota: q}))
	require.Nil(t, applyTo(t, f, 3, BucketQuotaSet{Bucket: "photos", Quota: q}), "a retry")
	b, _ = f.bucket("photos")
	require.Equal(t, q, b.Quota)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")

	// The snapshot carries it.
	g := restoredCopy(t, f)
	b, _ = g.bucket("photos")
	require.Equal(t, q, b.Quota)

	requireRejected(t, applyTo(t, f, 4, BucketQuotaSet{Bucket: "photos", Quota: BucketQuota{Bytes: -1}}), ErrInvalid)
	requireRejected(t, applyTo(t, f, 5, BucketQuotaSet{Bucket: "nowhere", Quota: q}), ErrNoSuchBucket)
	b, _ = f.bucket("photos")
	require.Equal(t, q, b.Quota, "a rejected set changes nothing")

	require.Nil(t, applyTo(t, f, 6, BucketQuotaSet{Bucket: "photos"}), "the zero quota clears it")
	b, _ = f.bucket("photos")
	require.True(t, b.Quota.IsZero())

	// It goes with the bucket.
	require.Nil(t, applyTo(t, f, 7, BucketQuotaSet{Bucket: "photos", Quota: q}))
	require.Nil(t, applyTo(t, f, 8, BucketDelete{Name: "photos"}))
	require.Nil(t, applyTo(t, f, 9, BucketCreate{Name: "photos", Owner: "bob", CreatedAt: t0}))
	b, _ = f.bucket("photos")
	require.True(t, b.Quota.IsZero())
}
