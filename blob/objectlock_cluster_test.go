package blob

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// lockOn returns the lock state of the version in slot hlc that nd's own index holds.
func (c *rpcCluster) lockOn(nd *rpcNode, bucket, key string, hlc uint64) (ObjectLock, bool) {
	c.t.Helper()
	for _, e := range c.localVersions(nd, bucket, key) {
		if e.HLC == hlc && !e.Tombstone {
			m, err := decodeObjectMeta(e.Meta)
			require.NoError(c.t, err)
			return m.Lock, true
		}
	}
	return ObjectLock{}, false
}

// TestClusterRetentionOnEveryOwner: a version's retention reaches every owner, an
// extension made while one owner is away reaches it through anti-entropy (the newer
// change wins on every owner, whatever it held), and a removal of the version through
// any node is refused.
func TestClusterRetentionOnEveryOwner(t *testing.T) {
	c := newRPCCluster(t, 3, clusterOptions{})
	ctx := context.Background()
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	v := putLocked(t, c.nodes[0].store, "bk", "k", ObjectLock{Mode: Compliance, RetainUntil: until})
	c.syncAll(ctx)
	for _, nd := range c.nodes {
		l, ok := c.lockOn(nd, "bk", "k", uint64(v.HLC))
		require.True(t, ok, nd.id)
		require.Equal(t, Compliance, l.Mode, nd.id)
	}

	// The record as it is before the extension, to deliver late below.
	p := c.currentLayouts()[0].ObjectPartition("bk", "k")
	stale, err := c.nodes[0].store.idx.GetVersion(ctx, p, "bk", "k", uint64(v.HLC), c.nodes[0].id)
	require.NoError(t, err)
	away := c.nodes[2]
	c.stop(away)
	later := until.Add(24 * time.Hour)
	on := true
	_, err = c.nodes[1].store.SetLock(ctx, LockChange{Bucket: "bk", Key: "k", VersionID: v.VersionID,
		Retention: &ObjectLock{Mode: Compliance, RetainUntil: later}, LegalHold: &on})
	require.NoError(t, err)
	c.start(away)
	l, _ := c.lockOn(away, "bk", "k", uint64(v.HLC))
	require.Equal(t, until, l.RetainUntil, "the owner that was away still holds the old state")
	c.syncAll(ctx)
	for _, nd := range c.nodes {
		l, ok := c.lockOn(nd, "bk", "k", uint64(v.HLC))
		require.True(t, ok, nd.id)
		require.Equal(t, ObjectLock{Mode: Compliance, RetainUntil: later, LegalHold: true}, l, "on %s", nd.id)
	}
	// The state before the extension, delivered late to an owner, changes nothing.
	applied, err := c.nodes[0].store.idx.PutRecord(ctx, p, stale)
	require.NoError(t, err)
	require.False(t, applied, "an older lock state does not replace a newer one")
	l, _ = c.lockOn(c.nodes[0], "bk", "k", uint64(v.HLC))
	require.Equal(t, later, l.RetainUntil)

	// A removal through each node is refused, a bypass changes nothing, and the
	// version stays on every owner.
	for _, nd := range c.nodes {
		_, err := nd.store.Delete(ctx, DeleteInput{Bucket: "bk", Key: "k", VersionID: v.VersionID,
			Versioning: VersioningEnabled, BypassGovernance: true})
		require.ErrorIs(t, err, ErrObjectLocked, "through %s", nd.id)
	}
	// The legal hold lifted through node-2, COMPLIANCE still refuses.
	off := false
	_, err = away.store.SetLock(ctx, LockChange{Bucket: "bk", Key: "k", VersionID: v.VersionID, LegalHold: &off})
	require.NoError(t, err)
	_, err = c.nodes[0].store.Delete(ctx, DeleteInput{Bucket: "bk", Key: "k", VersionID: v.VersionID, Versioning: VersioningEnabled})
	require.ErrorIs(t, err, ErrObjectLocked)
	c.syncAll(ctx)
	for _, nd := range c.nodes {
		l, ok := c.lockOn(nd, "bk", "k", uint64(v.HLC))
		require.True(t, ok, "the version is still on %s", nd.id)
		require.Equal(t, ObjectLock{Mode: Compliance, RetainUntil: later, LegalHoldOff: true}, l, "on %s", nd.id)
		data, err := readVersion(t, nd.store, "bk", "k", v.VersionID)
		require.NoError(t, err)
		require.Equal(t, "locked k", string(data))
	}
}
