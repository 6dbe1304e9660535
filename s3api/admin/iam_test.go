package admin_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/admin"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	_, err := e.root.PutPolicy(e.ctx, "readers", []byte(`[{"bucket":"photos","actions":["read","list"]}]`))
	require.NoError(t, err)
	expiry := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	u, err := e.root.CreateUser(e.ctx, admin.CreateUserRequest{Name: "alice", Policies: []string{"readers"}, Expiry: &expiry})
	require.NoError(t, err)
	require.Equal(t, "alice", u.Name)
	require.Equal(t, "enabled", u.Status)
	require.Equal(t, []string{"readers"}, u.Policies)
	require.True(t, expiry.Equal(*u.Expiry))

	_, err = e.root.CreateUser(e.ctx, admin.CreateUserRequest{Name: "alice"})
	requireError(t, err, http.StatusConflict, admin.UserAlreadyExists)
	_, err = e.root.CreateUser(e.ctx, admin.CreateUserRequest{Name: "root"})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	_, err = e.root.CreateUser(e.ctx, admin.CreateUserRequest{Name: "bob", Policies: []string{"missing"}})
	requireError(t, err, http.StatusNotFound, admin.NoSuchPolicy)
	err = e.root.Do(e.ctx, http.MethodPost, "/users", []byte(`{"name":"bob","polices":["readers"]}`), nil)
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)

	users, err := e.root.Users(e.ctx)
	require.NoError(t, err)
	require.Len(t, users, 1)

	u, err = e.root.DisableUser(e.ctx, "alice")
	require.NoError(t, err)
	require.Equal(t, "disabled", u.Status)
	u, err = e.root.EnableUser(e.ctx, "alice")
	require.NoError(t, err)
	require.Equal(t, "enabled", u.Status)

	u, err = e.root.DetachUserPolicy(e.ctx, "alice", "readers")
	require.NoError(t, err)
	require.Empty(t, u.Policies)
	_, err = e.root.DetachUserPolicy(e.ctx, "alice", "readers")
	requireError(t, err, http.StatusNotFound, admin.PolicyNotAttached)
	u, err = e.root.AttachUserPolicy(e.ctx, "alice", "readers")
	require.NoError(t, err)
	require.Equal(t, []string{"readers"}, u.Policies)

	require.NoError(t, e.root.DeleteUser(e.ctx, "alice"))
	_, err = e.root.User(e.ctx, "alice")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
	requireError(t, e.root.DeleteUser(e.ctx, "alice"), http.StatusNotFound, admin.NoSuchUser)
}

func TestAccessKeySecretsAreShownOnlyOnCreateAndRotate(t *testing.T) {
	e := newEnv(t)
	_, err := e.root.CreateUser(e.ctx, admin.CreateUserRequest{Name: "app"})
	require.NoError(t, err)
	k1, err := e.root.CreateAccessKey(e.ctx, "app")
	require.NoError(t, err)
	k2, err := e.root.CreateAccessKey(e.ctx, "app")
	require.NoError(t, err)
	require.Len(t, k1.SecretKey, 40)
	require.NotEqual(t, k1.AccessKeyID, k2.AccessKeyID)

	rotated, err := e.root.RotateAccessKey(e.ctx, k1.AccessKeyID)
	require.NoError(t, err)
	require.NotEmpty(t, rotated.SecretKey)
	require.Equal(t, k1.AccessKeyID, rotated.Replaces)

	secrets := []string{k1.SecretKey, k2.SecretKey, rotated.SecretKey}
	for _, path := range []string{"/users/app/keys", "/users/app", "/users", "/whoami"} {
		var raw json.RawMessage
		require.NoError(t, e.root.Do(e.ctx, http.MethodGet, path, nil, &raw))
		for _, s := range secrets {
			require.NotContains(t, string(raw), s, path)
		}
		require.NotContains(t, strings.ToLower(string(raw)), "secret", path)
	}
	keys, err := e.root.AccessKeys(e.ctx, "app")
	require.NoError(t, err)
	var ids []string
	for _, k := range keys {
		require.Empty(t, k.SecretKey)
		ids = append(ids, k.AccessKeyID)
	}
	require.ElementsMatch(t, []string{k2.AccessKeyID, rotated.AccessKeyID}, ids)

	require.NoError(t, e.root.DeleteAccessKey(e.ctx, k2.AccessKeyID))
	requireError(t, e.root.DeleteAccessKey(e.ctx, k2.AccessKeyID), http.StatusNotFound, admin.NoSuchAccessKey)
	_, err = e.root.CreateAccessKey(e.ctx, "nobody")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
}

func TestTheRootKeyCannotBeDeletedOrRotatedHere(t *testing.T) {
	e := newEnv(t)
	ak, _ := e.node.RootCredentials()
	requireError(t, e.root.DeleteAccessKey(e.ctx, ak), http.StatusBadRequest, admin.RootUserKey)
	_, err := e.root.RotateAccessKey(e.ctx, ak)
	requireError(t, err, http.StatusBadRequest, admin.RootUserKey)
	_, err = e.root.CreateAccessKey(e.ctx, "root")
	requireError(t, err, http.StatusBadRequest, admin.RootUserKey)
	id, err := e.root.WhoAmI(e.ctx)
	require.NoError(t, err)
	require.True(t, id.Root)
	require.Equal(t, ak, id.AccessKeyID)
}

func TestRotationInvalidatesTheOldKeyForS3(t *testing.T) {
	e := newEnv(t)
	_, key := e.user("app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	old := e.s3Client(key.AccessKeyID, key.SecretKey)
	_, err := old.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)

	rotated, err := e.root.RotateAccessKey(e.ctx, key.AccessKeyID)
	require.NoError(t, err)

	_, err = old.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "InvalidAccessKeyId", apiErr.ErrorCode())
	_, err = e.s3Client(rotated.AccessKeyID, rotated.SecretKey).ListBuckets(e.ctx, &s3.ListBucketsInput{})
	require.NoError(t, err)
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	_, err := e.root.PutPolicy(e.ctx, "ops", []byte(adminAll))
	require.NoError(t, err)
	member, _ := e.user("frank", "")
	_, err = member.Cluster(e.ctx)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)

	g, err := e.root.CreateGroup(e.ctx, admin.CreateGroupRequest{Name: "operators", Policies: []string{"ops"}, Members: []string{"frank"}})
	require.NoError(t, err)
	require.Equal(t, []string{"frank"}, g.Members)
	require.Equal(t, []string{"ops"}, g.Policies)
	_, err = e.root.CreateGroup(e.ctx, admin.CreateGroupRequest{Name: "operators"})
	requireError(t, err, http.StatusConflict, admin.GroupAlreadyExists)

	// Members get the group's policies at once.
	_, err = member.Cluster(e.ctx)
	require.NoError(t, err)
	id, err := member.WhoAmI(e.ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"operators"}, id.Groups)
	require.Equal(t, []string{"ops"}, id.Policies)
	u, err := e.root.User(e.ctx, "frank")
	require.NoError(t, err)
	require.Equal(t, []string{"operators"}, u.Groups)

	requireError(t, e.root.DeleteGroup(e.ctx, "operators"), http.StatusConflict, admin.GroupNotEmpty)
	requireError(t, e.root.DeletePolicy(e.ctx, "ops"), http.StatusConflict, admin.PolicyInUse)
	p, err := e.root.Policy(e.ctx, "ops")
	require.NoError(t, err)
	require.Equal(t, []string{"operators"}, p.Groups)

	g, err = e.root.DetachGroupPolicy(e.ctx, "operators", "ops")
	require.NoError(t, err)
	require.Empty(t, g.Policies)
	_, err = member.Cluster(e.ctx)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	g, err = e.root.AttachGroupPolicy(e.ctx, "operators", "ops")
	require.NoError(t, err)
	require.Equal(t, []string{"ops"}, g.Policies)

	g, err = e.root.RemoveUserFromGroup(e.ctx, "operators", "frank")
	require.NoError(t, err)
	require.Empty(t, g.Members)
	g, err = e.root.AddUserToGroup(e.ctx, "operators", "frank")
	require.NoError(t, err)
	require.Equal(t, []string{"frank"}, g.Members)
	_, err = e.root.AddUserToGroup(e.ctx, "operators", "nobody")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
	_, err = e.root.RemoveUserFromGroup(e.ctx, "operators", "frank")
	require.NoError(t, err)

	groups, err := e.root.Groups(e.ctx)
	require.NoError(t, err)
	require.Len(t, groups, 1)
	require.NoError(t, e.root.DeleteGroup(e.ctx, "operators"))
	_, err = e.root.Group(e.ctx, "operators")
	requireError(t, err, http.StatusNotFound, admin.NoSuchGroup)
}

func TestPolicies(t *testing.T) {
	e := newEnv(t)
	full := `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"]}]}`
	p, err := e.root.PutPolicy(e.ctx, "photos-read", []byte(full))
	require.NoError(t, err)
	require.JSONEq(t, full, string(p.Document))
	require.False(t, p.CreatedAt.IsZero())

	// The short form is stored converted to the full one.
	p, err = e.root.PutPolicy(e.ctx, "short", []byte(`[{"bucket":"photos","actions":["list"],"prefix":"2024/"}]`))
	require.NoError(t, err)
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal(p.Document, &doc))
	require.NotEmpty(t, doc.Statement)
	require.Contains(t, string(p.Document), "s3:ListBucket")

	_, err = e.root.PutPolicy(e.ctx, "bad", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:Nope","Resource":"*"}]}`))
	requireError(t, err, http.StatusBadRequest, admin.MalformedPolicy)
	require.Contains(t, err.Error(), "admin:Nope")
	_, err = e.root.PutPolicy(e.ctx, "bad", []byte(`{not json`))
	requireError(t, err, http.StatusBadRequest, admin.MalformedPolicy)
	_, err = e.root.PutPolicy(e.ctx, "bad/name", []byte(full))
	require.Error(t, err)

	list, err := e.root.Policies(e.ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Empty(t, list[0].Document, "lists leave the documents out")

	require.NoError(t, e.root.DeletePolicy(e.ctx, "short"))
	_, err = e.root.Policy(e.ctx, "short")
	requireError(t, err, http.StatusNotFound, admin.NoSuchPolicy)
}

func TestBuckets(t *testing.T) {
	e := newEnv(t)
	ak, sk := e.node.RootCredentials()
	_, err := e.s3Client(ak, sk).CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: ptr("photos")})
	require.NoError(t, err)
	bs, err := e.root.Buckets(e.ctx)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	require.Equal(t, "photos", bs[0].Name)
	b, err := e.root.Bucket(e.ctx, "photos")
	require.NoError(t, err)
	require.NotNil(t, b.HasPolicy)
	require.False(t, *b.HasPolicy)
	_, err = e.root.Bucket(e.ctx, "nope")
	requireError(t, err, http.StatusNotFound, admin.NoSuchBucket)
}

func ptr[T any](v T) *T { return &v }
