package meta

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketEncryption(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "state", Owner: "alice", CreatedAt: t0}))
	b, _ := f.bucket("state")
	require.Zero(t, b.Encryption, "a new bucket has no default encryption")
	on := BucketEncryption{Algorithm: EncryptionAES256, BucketKeyEnabled: true}
	require.Nil(t, applyTo(t, f, 2, BucketEncryptionSet{Bucket: "state", Encryption: on}))
	require.Nil(t, applyTo(t, f, 3, BucketEncryptionSet{Bucket: "state", Encryption: on}), "a retry")
	b, _ = f.bucket("state")
	require.Equal(t, on, b.Encryption)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")
	requireRejected(t, applyTo(t, f, 4, BucketEncryptionSet{Bucket: "state", Encryption: BucketEncryption{Algorithm: "aws:kms"}}), ErrInvalid)
	requireRejected(t, applyTo(t, f, 5, BucketEncryptionSet{Bucket: "nowhere", Encryption: on}), ErrNoSuchBucket)

	// The state survives a snapshot and restore.
	g := restoredCopy(t, f)
	b, _ = g.bucket("state")
	require.Equal(t, on, b.Encryption)

	require.Nil(t, applyTo(t, f, 6, BucketEncryptionSet{Bucket: "state"}))
	b, _ = f.bucket("state")
	require.Zero(t, b.Encryption, "removed")
}
