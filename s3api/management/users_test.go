package management

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBucketUsersLifecycle(t *testing.T) {
	h := newFakeHarness(t)
	status, _, _ := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status)

	status, _, body := h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"app"}}`)
	require.Equal(t, http.StatusOK, status, body)
	var created CreateUserResponse
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	require.Equal(t, "app", created.User.UserName)
	require.Equal(t, "arn:aws:iam::cairn:user/app", created.User.Arn)
	require.Equal(t, "app", created.AccessKey.UserName)
	require.NotEmpty(t, created.AccessKey.SecretAccessKey)
	require.Equal(t, "Active", created.AccessKey.Status)

	status, _, body = h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"app"}}`)
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, Conflict, errorCode(t, body))
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{}}`)
	require.Equal(t, http.StatusBadRequest, status)
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"root"}}`)
	require.Equal(t, http.StatusBadRequest, status)
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets/nothere/users", `{"User":{"UserName":"x"}}`)
	require.Equal(t, http.StatusNotFound, status)

	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos/users/app", "")
	require.Equal(t, http.StatusOK, status, body)
	require.NotContains(t, body, created.AccessKey.SecretAccessKey)
	var info UserInfo
	require.NoError(t, json.Unmarshal([]byte(body), &info))
	require.Len(t, info.AccessKeys, 1)
	require.Equal(t, created.AccessKey.AccessKeyId, info.AccessKeys[0].AccessKeyId)
	require.Equal(t, "photos-BktAdmGrp", info.Groups[0].GroupName)
	require.Equal(t, []AttachedPolicy{{Arn: "arn:aws:iam::cairn:policy/photos-BktAdmPlc", PolicyName: "photos-BktAdmPlc"}}, info.Policies)

	status, _, body = h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos/users", "")
	require.Equal(t, http.StatusOK, status)
	var list []User
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list, 1)

	status, _, body = h.do(http.MethodPut, "/v1/s3/cairn/buckets/photos/users/app", "")
	require.Equal(t, http.StatusOK, status, body)
	var reset ResetKeysResponse
	require.NoError(t, json.Unmarshal([]byte(body), &reset))
	require.Equal(t, []string{created.AccessKey.AccessKeyId}, reset.DeletedKeyIds)
	require.NotEqual(t, created.AccessKey.AccessKeyId, reset.AccessKey.AccessKeyId)
	require.Len(t, h.meta.keys, 1)

	// A user that is not in the bucket's group is not this bucket's user.
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"docs"}}`)
	require.Equal(t, http.StatusAccepted, status)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		status, _, _ = h.do(m, "/v1/s3/cairn/buckets/docs/users/app", "")
		require.Equal(t, http.StatusNotFound, status, m)
	}

	status, _, body = h.do(http.MethodDelete, "/v1/s3/cairn/buckets/photos/users/app", "")
	require.Equal(t, http.StatusOK, status, body)
	require.Empty(t, h.meta.users)
	require.Empty(t, h.meta.keys)
	status, _, _ = h.do(http.MethodDelete, "/v1/s3/cairn/buckets/photos/users/app", "")
	require.Equal(t, http.StatusNotFound, status)
}

func TestDeleteBucketRemovesItsAccess(t *testing.T) {
	h := newFakeHarness(t)
	status, _, _ := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status)
	for _, u := range []string{"app", "shared"} {
		status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"`+u+`"}}`)
		require.Equal(t, http.StatusOK, status)
	}
	// "shared" also uses another bucket: deleting photos must keep it.
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"docs"}}`)
	require.Equal(t, http.StatusAccepted, status)
	require.NoError(t, h.meta.AddUserToGroup(t.Context(), "docs-BktAdmGrp", "shared"))

	h.objects.full["photos"] = true
	status, _, body := h.do(http.MethodDelete, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, Conflict, errorCode(t, body))
	require.Contains(t, h.meta.buckets, "photos")

	h.objects.full["photos"] = false
	status, _, body = h.do(http.MethodDelete, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusOK, status, body)
	require.JSONEq(t, `{"Bucket":"/photos","Users":["app"],"Policies":["photos-BktAdmPlc"],"Groups":["photos-BktAdmGrp"]}`, body)
	require.NotContains(t, h.meta.buckets, "photos")
	require.NotContains(t, h.meta.groups, "photos-BktAdmGrp")
	require.NotContains(t, h.meta.policies, "photos-BktAdmPlc")
	require.NotContains(t, h.meta.users, "app")
	require.Contains(t, h.meta.users, "shared")

	status, _, _ = h.do(http.MethodDelete, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = h.do(http.MethodHead, "/v1/s3/cairn/buckets/photos", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _, _ = h.do(http.MethodHead, "/v1/s3/cairn/buckets/docs", "")
	require.Equal(t, http.StatusOK, status)
	// The name is free again.
	status, _, _ = h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status)
}

func TestBucketNotMadeHereHasNoUsers(t *testing.T) {
	h := newFakeHarness(t)
	require.NoError(t, h.meta.CreateBucket(t.Context(), bucketNamed("plain")))
	status, _, body := h.do(http.MethodGet, "/v1/s3/cairn/buckets/plain/users", "")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "not created through the management API")
}

func TestUnknownPathsAndMethodsAnswerJSON(t *testing.T) {
	h := newFakeHarness(t)
	for _, c := range []struct {
		method, path, token string
		status              int
	}{
		{http.MethodPatch, "/v1/s3/cairn/buckets/photos", testToken, http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/s3/cairn/websites", testToken, http.StatusNotFound},
		{http.MethodGet, "/v1/s3/cairn/websites", "-", http.StatusNotFound},
		{http.MethodPost, "/v1/s3/ping", "-", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/s3/nothing", "-", http.StatusNotFound},
	} {
		status, _, body := h.do(c.method, c.path, "", c.token)
		require.Equal(t, c.status, status, "%s %s", c.method, c.path)
		require.NotEmpty(t, errorCode(t, body))
	}
}
