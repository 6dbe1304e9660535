package s3api_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/require"
)

// TestObjectLockMinio drives object lock through minio-go with its defaults: a
// locked bucket with a default retention, retention and legal hold per version, and
// each removal of a locked version refused.
func TestObjectLockMinio(t *testing.T) {
	e := newEnv(t)
	mc := minioClient(t, e)
	ctx := context.Background()
	const b = "minio-lock"
	require.NoError(t, mc.MakeBucket(ctx, b, minio.MakeBucketOptions{ObjectLocking: true}))
	state, mode, validity, unit, err := mc.GetObjectLockConfig(ctx, b)
	require.NoError(t, err)
	require.Equal(t, "Enabled", state)
	require.Nil(t, mode)
	gov, days, one := minio.Governance, minio.Days, uint(1)
	require.NoError(t, mc.SetObjectLockConfig(ctx, b, &gov, &one, &days))
	_, mode, validity, unit, err = mc.GetObjectLockConfig(ctx, b)
	require.NoError(t, err)
	require.Equal(t, minio.Governance, *mode)
	require.Equal(t, uint(1), *validity)
	require.Equal(t, minio.Days, *unit)

	put := func(key string, opts minio.PutObjectOptions) string {
		info, err := mc.PutObject(ctx, b, key, bytes.NewReader([]byte("data "+key)), 5+int64(len(key)), opts)
		require.NoError(t, err)
		require.NotEmpty(t, info.VersionID)
		return info.VersionID
	}
	// The default retention.
	dflt := put("default", minio.PutObjectOptions{})
	m, until, err := mc.GetObjectRetention(ctx, b, "default", dflt)
	require.NoError(t, err)
	require.Equal(t, minio.Governance, *m)
	require.WithinDuration(t, time.Now().Add(24*time.Hour), *until, time.Minute)

	// Its own retention and legal hold, returned by a stat.
	comp := minio.Compliance
	hour := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	locked := put("locked", minio.PutObjectOptions{Mode: comp, RetainUntilDate: hour, LegalHold: minio.LegalHoldEnabled})
	st, err := mc.StatObject(ctx, b, "locked", minio.StatObjectOptions{VersionID: locked})
	require.NoError(t, err)
	require.Equal(t, "COMPLIANCE", st.Metadata.Get("X-Amz-Object-Lock-Mode"))
	require.Equal(t, "ON", st.Metadata.Get("X-Amz-Object-Lock-Legal-Hold"))
	hold, err := mc.GetObjectLegalHold(ctx, b, "locked", minio.GetObjectLegalHoldOptions{VersionID: locked})
	require.NoError(t, err)
	require.Equal(t, minio.LegalHoldEnabled, *hold)

	// Every removal is refused: by id, with the bypass, in a batch.
	for _, bypass := range []bool{false, true} {
		err := mc.RemoveObject(ctx, b, "locked", minio.RemoveObjectOptions{VersionID: locked, GovernanceBypass: bypass})
		require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code)
	}
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(mc.RemoveObject(ctx, b, "default", minio.RemoveObjectOptions{VersionID: dflt})).Code)
	objs := make(chan minio.ObjectInfo, 2)
	objs <- minio.ObjectInfo{Key: "locked", VersionID: locked}
	objs <- minio.ObjectInfo{Key: "default", VersionID: dflt}
	close(objs)
	n := 0
	for rerr := range mc.RemoveObjects(ctx, b, objs, minio.RemoveObjectsOptions{}) {
		require.Equal(t, "AccessDenied", minio.ToErrorResponse(rerr.Err).Code)
		n++
	}
	require.Equal(t, 2, n)
	require.Equal(t, "BucketNotEmpty", minio.ToErrorResponse(mc.RemoveBucket(ctx, b)).Code)

	// COMPLIANCE is not shortened, even with the bypass; it is extended.
	earlier := hour.Add(-time.Minute)
	err = mc.PutObjectRetention(ctx, b, "locked", minio.PutObjectRetentionOptions{VersionID: locked, Mode: &comp, RetainUntilDate: &earlier, GovernanceBypass: true})
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code)
	later := hour.Add(time.Hour)
	require.NoError(t, mc.PutObjectRetention(ctx, b, "locked", minio.PutObjectRetentionOptions{VersionID: locked, Mode: &comp, RetainUntilDate: &later}))
	_, until, err = mc.GetObjectRetention(ctx, b, "locked", locked)
	require.NoError(t, err)
	require.True(t, later.Equal(*until))

	// GOVERNANCE gives way to root's bypass; the legal hold is lifted, but COMPLIANCE
	// still holds.
	require.NoError(t, mc.RemoveObject(ctx, b, "default", minio.RemoveObjectOptions{VersionID: dflt, GovernanceBypass: true}))
	off := minio.LegalHoldDisabled
	require.NoError(t, mc.PutObjectLegalHold(ctx, b, "locked", minio.PutObjectLegalHoldOptions{VersionID: locked, Status: &off}))
	err = mc.RemoveObject(ctx, b, "locked", minio.RemoveObjectOptions{VersionID: locked, GovernanceBypass: true})
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code)
}

// TestObjectLockPostObject: a browser form upload's object lock fields (under the
// policy's conditions) lock the version it writes; in a bucket without object lock
// they are refused.
func TestObjectLockPostObject(t *testing.T) {
	e := newEnv(t)
	locked := e.lockedBucket("post-lock")
	plain := e.bucket("post-plain")
	mc := minioClient(t, e)
	until := time.Now().Add(time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	post := func(bucket string) *http.Response {
		policy := minio.NewPostPolicy()
		require.NoError(t, policy.SetBucket(bucket))
		require.NoError(t, policy.SetKey("k"))
		require.NoError(t, policy.SetExpires(time.Now().Add(time.Hour)))
		require.NoError(t, policy.SetUserData("object-lock-mode", "COMPLIANCE"))
		require.NoError(t, policy.SetUserData("object-lock-retain-until-date", until))
		require.NoError(t, policy.SetUserData("object-lock-legal-hold", "ON"))
		target, fields, err := mc.PresignedPostPolicy(context.Background(), policy)
		require.NoError(t, err)
		return postForm(t, target.String(), fields, []byte("posted"))
	}
	resp := post(locked)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	vid := resp.Header.Get("x-amz-version-id")
	require.NotEmpty(t, vid)
	m, got, err := mc.GetObjectRetention(context.Background(), locked, "k", vid)
	require.NoError(t, err)
	require.Equal(t, minio.Compliance, *m)
	require.Equal(t, until, got.UTC().Format(time.RFC3339))
	err = mc.RemoveObject(context.Background(), locked, "k", minio.RemoveObjectOptions{VersionID: vid, GovernanceBypass: true})
	require.Equal(t, "AccessDenied", minio.ToErrorResponse(err).Code)

	resp = post(plain)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "InvalidRequest", errorCode(t, resp))
}
