package blob

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/index"
)

func TestObjectLockMetaRoundTrip(t *testing.T) {
	until := time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.UTC)
	for _, l := range []ObjectLock{
		{},
		{LegalHold: true},
		{Mode: Governance, RetainUntil: until},
		{Mode: Compliance, RetainUntil: until, LegalHold: true},
		{LegalHoldOff: true}, // a hold taken off is kept apart from none ever set
		{Mode: Governance, RetainUntil: until, LegalHoldOff: true},
	} {
		m := objectMeta{Headers: Headers{ContentType: "x"}, Tags: map[string]string{"a": "b"}, Lock: l}
		got, err := decodeObjectMeta(encodeObjectMeta(m))
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	bad := append(encodeObjectMeta(objectMeta{}), metaLockUntil, 3, 'x', 'y', 'z')
	_, err := decodeObjectMeta(bad)
	require.Error(t, err)
}

func TestLockedAt(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Second), now.Add(-time.Second)
	cases := []struct {
		name             string
		lock             ObjectLock
		locked, byBypass bool // LockedAt; blocks a removal that bypasses governance
	}{
		{"none", ObjectLock{}, false, false},
		{"governance running", ObjectLock{Mode: Governance, RetainUntil: later}, true, false},
		{"governance passed", ObjectLock{Mode: Governance, RetainUntil: earlier}, false, false},
		{"governance ends now", ObjectLock{Mode: Governance, RetainUntil: now}, false, false},
		{"compliance running", ObjectLock{Mode: Compliance, RetainUntil: later}, true, true},
		{"compliance passed", ObjectLock{Mode: Compliance, RetainUntil: earlier}, false, false},
		{"legal hold", ObjectLock{LegalHold: true}, true, true},
		{"legal hold, retention passed", ObjectLock{Mode: Compliance, RetainUntil: earlier, LegalHold: true}, true, true},
		{"date without mode", ObjectLock{RetainUntil: later}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.locked, c.lock.LockedAt(now))
			require.Equal(t, c.locked, c.lock.blocksRemoval(now, false))
			require.Equal(t, c.byBypass, c.lock.blocksRemoval(now, true))
			info := ObjectInfo{Lock: c.lock}
			require.Equal(t, c.locked, info.LockedAt(now))
			e := index.Entry{Meta: encodeObjectMeta(objectMeta{Lock: c.lock})}
			got, err := EntryLockedAt(&e, now)
			require.NoError(t, err)
			require.Equal(t, c.locked, got)
		})
	}
	marker := ObjectInfo{DeleteMarker: true, Lock: ObjectLock{LegalHold: true}}
	require.False(t, marker.LockedAt(now))
	_, err := EntryLockedAt(&index.Entry{Meta: []byte{9}}, now)
	require.Error(t, err)
}

// putLocked writes a new version of bucket/key with lock l.
func putLocked(t testing.TB, s *Store, bucket, key string, l ObjectLock) ObjectInfo {
	t.Helper()
	info, err := s.PutObject(context.Background(), PutInput{Bucket: bucket, Key: key,
		Body: bytes.NewReader([]byte("locked " + key)), Versioning: VersioningEnabled, Lock: l})
	require.NoError(t, err)
	require.Equal(t, l, info.Lock)
	return info
}

// TestDeleteRefusesLockedVersion: each lock refuses the removal of its version by id;
// GOVERNANCE gives way to a bypass, COMPLIANCE and a legal hold do not; a delete
// marker may always be written, and a retention that has passed refuses nothing.
func TestDeleteRefusesLockedVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	until := time.Now().Add(time.Hour).UTC()
	gov := putLocked(t, s, "bk", "gov", ObjectLock{Mode: Governance, RetainUntil: until})
	comp := putLocked(t, s, "bk", "comp", ObjectLock{Mode: Compliance, RetainUntil: until})
	hold := putLocked(t, s, "bk", "hold", ObjectLock{LegalHold: true})
	del := func(key, id string, bypass bool, now time.Time) error {
		_, err := s.Delete(ctx, DeleteInput{Bucket: "bk", Key: key, VersionID: id, Versioning: VersioningEnabled,
			BypassGovernance: bypass, Now: now})
		return err
	}
	for _, bypass := range []bool{false, true} {
		require.ErrorIs(t, del("comp", comp.VersionID, bypass, time.Time{}), ErrObjectLocked)
		require.ErrorIs(t, del("hold", hold.VersionID, bypass, time.Time{}), ErrObjectLocked)
	}
	require.ErrorIs(t, del("gov", gov.VersionID, false, time.Time{}), ErrObjectLocked)

	// A delete marker on top is allowed: the locked version stays, readable by id.
	res, err := s.Delete(ctx, DeleteInput{Bucket: "bk", Key: "comp", Versioning: VersioningEnabled})
	require.NoError(t, err)
	require.True(t, res.DeleteMarker)
	data, err := readVersion(t, s, "bk", "comp", comp.VersionID)
	require.NoError(t, err)
	require.Equal(t, "locked comp", string(data))
	require.NoError(t, del("comp", res.VersionID, false, time.Time{}), "the marker itself is never locked")

	require.NoError(t, del("gov", gov.VersionID, true, time.Time{}), "GOVERNANCE gives way to a bypass")
	_, err = readVersion(t, s, "bk", "gov", gov.VersionID)
	require.ErrorIs(t, err, ErrNoSuchVersion)

	// Once the date has passed, COMPLIANCE refuses nothing; a legal hold still does.
	later := until.Add(time.Second)
	require.NoError(t, del("comp", comp.VersionID, false, later))
	require.ErrorIs(t, del("hold", hold.VersionID, false, later), ErrObjectLocked)
	off := false
	_, err = s.SetLock(ctx, LockChange{Bucket: "bk", Key: "hold", VersionID: hold.VersionID, LegalHold: &off})
	require.NoError(t, err)
	require.NoError(t, del("hold", hold.VersionID, false, time.Time{}), "the hold lifted, the version goes")
}

// TestSetLockRules: COMPLIANCE is only ever kept or extended, whoever asks; GOVERNANCE
// is shortened or removed only with a bypass; the tags and bytes of the version stay.
func TestSetLockRules(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	comp := putLocked(t, s, "bk", "c", ObjectLock{Mode: Compliance, RetainUntil: until})
	set := func(key, id string, r ObjectLock, bypass bool) (ObjectInfo, error) {
		return s.SetLock(ctx, LockChange{Bucket: "bk", Key: key, VersionID: id, Retention: &r, BypassGovernance: bypass})
	}
	for _, r := range []ObjectLock{
		{}, // removal
		{Mode: Compliance, RetainUntil: until.Add(-time.Second)},
		{Mode: Governance, RetainUntil: until.Add(time.Hour)},
	} {
		for _, bypass := range []bool{false, true} {
			_, err := set("c", comp.VersionID, r, bypass)
			require.ErrorIs(t, err, ErrObjectLocked, "%+v bypass %v", r, bypass)
		}
	}
	info, err := set("c", comp.VersionID, ObjectLock{Mode: Compliance, RetainUntil: until.Add(time.Hour)}, false)
	require.NoError(t, err)
	require.Equal(t, until.Add(time.Hour), info.Lock.RetainUntil, "COMPLIANCE can be extended")

	gov := putLocked(t, s, "bk", "g", ObjectLock{Mode: Governance, RetainUntil: until})
	_, err = set("g", gov.VersionID, ObjectLock{Mode: Governance, RetainUntil: until.Add(-time.Minute)}, false)
	require.ErrorIs(t, err, ErrObjectLocked)
	_, err = set("g", gov.VersionID, ObjectLock{}, false)
	require.ErrorIs(t, err, ErrObjectLocked)
	info, err = set("g", gov.VersionID, ObjectLock{Mode: Governance, RetainUntil: until.Add(time.Minute)}, false)
	require.NoError(t, err, "GOVERNANCE can be extended without a bypass")
	require.Equal(t, until.Add(time.Minute), info.Lock.RetainUntil)
	_, err = set("g", gov.VersionID, ObjectLock{Mode: Compliance, RetainUntil: until.Add(time.Minute)}, false)
	require.ErrorIs(t, err, ErrObjectLocked, "GOVERNANCE -> COMPLIANCE overrides GOVERNANCE: it needs a bypass")
	info, err = set("g", gov.VersionID, ObjectLock{}, true)
	require.NoError(t, err)
	require.Equal(t, ObjectLock{}, info.Lock, "removed with a bypass")
	gov2 := putLocked(t, s, "bk", "g2", ObjectLock{Mode: Governance, RetainUntil: until})
	info, err = set("g2", gov2.VersionID, ObjectLock{Mode: Compliance, RetainUntil: until}, true)
	require.NoError(t, err, "GOVERNANCE -> COMPLIANCE with a bypass")
	require.Equal(t, Compliance, info.Lock.Mode)

	// The lock state reads back through OpenVersion, with the version's data.
	on := true
	_, err = s.SetTags(ctx, "bk", "c", comp.VersionID, map[string]string{"t": "1"})
	require.NoError(t, err)
	_, err = s.SetLock(ctx, LockChange{Bucket: "bk", Key: "c", VersionID: comp.VersionID, LegalHold: &on})
	require.NoError(t, err)
	o, err := s.OpenVersion(ctx, "bk", "c", comp.VersionID)
	require.NoError(t, err)
	require.Equal(t, ObjectLock{Mode: Compliance, RetainUntil: until.Add(time.Hour), LegalHold: true}, o.Info.Lock)
	require.Equal(t, map[string]string{"t": "1"}, o.Info.Tags, "tags survive a lock change")
	data, err := readVersion(t, s, "bk", "c", comp.VersionID)
	require.NoError(t, err)
	require.Equal(t, "locked c", string(data))

	_, err = s.SetLock(ctx, LockChange{Bucket: "bk", Key: "nothing", LegalHold: &on})
	require.ErrorIs(t, err, ErrNoSuchKey)
}

// TestCompleteAppliesDefaultRetention: a multipart upload keeps the lock it was
// created with, and gets the bucket's default retention when it named none.
func TestCompleteAppliesDefaultRetention(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	def := ObjectLock{Mode: Governance, RetainUntil: until}
	for _, c := range []struct {
		key  string
		lock ObjectLock
		want ObjectLock
	}{
		{"default", ObjectLock{}, def},
		{"hold", ObjectLock{LegalHold: true}, ObjectLock{Mode: Governance, RetainUntil: until, LegalHold: true}},
		{"own", ObjectLock{Mode: Compliance, RetainUntil: until.Add(time.Hour)}, ObjectLock{Mode: Compliance, RetainUntil: until.Add(time.Hour)}},
	} {
		up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "bk", Key: c.key, Lock: c.lock})
		require.NoError(t, err)
		require.Equal(t, c.lock, up.Lock)
		part, err := s.UploadPart(ctx, UploadPartInput{Bucket: "bk", Key: c.key, UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader([]byte("p"))})
		require.NoError(t, err)
		info, err := s.Complete(ctx, CompleteInput{Bucket: "bk", Key: c.key, UploadID: up.UploadID,
			Parts: []CompletePart{{PartNumber: 1, ETag: part.ETag}}, Versioning: VersioningEnabled, DefaultRetention: def})
		require.NoError(t, err)
		require.Equal(t, c.want, info.Lock, c.key)
	}
}

// BenchmarkEntryLockedAt is the cost of the lock check a background job (lifecycle)
// makes per listed version: one decode of the entry's metadata.
func BenchmarkEntryLockedAt(b *testing.B) {
	now := time.Now()
	e := index.Entry{Meta: encodeObjectMeta(objectMeta{
		Headers:  Headers{ContentType: "application/octet-stream"},
		UserMeta: map[string]string{"owner": "backup", "host": "db-1"},
		Tags:     map[string]string{"class": "daily"},
		Lock:     ObjectLock{Mode: Compliance, RetainUntil: now.Add(time.Hour)},
	})}
	for b.Loop() {
		if ok, err := EntryLockedAt(&e, now); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
