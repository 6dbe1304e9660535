package admin_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/s3api/admin"
)

func TestUnsignedRequestsAreRefusedWithAJSONError(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/admin/v1/cluster", "/admin/v1/users", "/admin/v1/whoami"} {
		status, h, body := e.raw(http.MethodGet, path, "", false, "")
		requireJSONError(t, status, h, body, http.StatusForbidden, admin.AccessDenied)
	}
	status, h, body := e.raw(http.MethodPost, "/admin/v1/users", `{"name":"mallory"}`, false, "")
	requireJSONError(t, status, h, body, http.StatusForbidden, admin.AccessDenied)
	_, err := e.root.User(e.ctx, "mallory")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
}

func TestWronglySignedRequestsAreRefused(t *testing.T) {
	e := newEnv(t)
	ak, _ := e.node.RootCredentials()
	_, err := newClient(t, e.node, ak, "not-the-secret-key-at-all").Cluster(e.ctx)
	requireError(t, err, http.StatusForbidden, "SignatureDoesNotMatch")
	_, err = newClient(t, e.node, "NOSUCHACCESSKEY00000", "whatever-secret").Cluster(e.ctx)
	requireError(t, err, http.StatusForbidden, "InvalidAccessKeyId")

	// A body that is not the one signed.
	sum := sha256.Sum256([]byte(`{"name":"alice"}`))
	status, h, body := e.raw(http.MethodPost, "/admin/v1/users", `{"name":"mallory"}`, true, hex.EncodeToString(sum[:]))
	requireJSONError(t, status, h, body, http.StatusBadRequest, "XAmzContentSHA256Mismatch")
	// A body whose hash is not signed at all.
	status, h, body = e.raw(http.MethodPost, "/admin/v1/users", `{"name":"mallory"}`, true, "UNSIGNED-PAYLOAD")
	requireJSONError(t, status, h, body, http.StatusBadRequest, admin.InvalidRequest)
	_, err = e.root.User(e.ctx, "mallory")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)

	// Signed correctly, by hand: accepted.
	sum = sha256.Sum256([]byte(`{"name":"alice"}`))
	status, _, body = e.raw(http.MethodPost, "/admin/v1/users", `{"name":"alice"}`, true, hex.EncodeToString(sum[:]))
	require.Equal(t, http.StatusCreated, status, string(body))
}

func TestNonAdminKeysAreRefused(t *testing.T) {
	e := newEnv(t)
	s3only, _ := e.user("app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	nothing, _ := e.user("nobody", "")

	for _, c := range []struct {
		name string
		call func() error
	}{
		{"cluster", func() error { _, err := s3only.Cluster(e.ctx); return err }},
		{"nodes", func() error { _, err := s3only.Nodes(e.ctx); return err }},
		{"users", func() error { _, err := s3only.Users(e.ctx); return err }},
		{"create key for self", func() error { _, err := s3only.CreateAccessKey(e.ctx, "app"); return err }},
		{"policies", func() error { _, err := nothing.Policies(e.ctx); return err }},
		{"put policy", func() error { _, err := nothing.PutPolicy(e.ctx, "mine", []byte(adminAll)); return err }},
	} {
		requireError(t, c.call(), http.StatusForbidden, admin.AccessDenied)
	}
	// Whoever holds a valid key may ask who they are, and nothing more.
	id, err := nothing.WhoAmI(e.ctx)
	require.NoError(t, err)
	require.Equal(t, "nobody", id.User)
	require.False(t, id.Root)
}

func TestAPolicyGrantsOnlyTheAdminActionsItNames(t *testing.T) {
	e := newEnv(t)
	lister, _ := e.user("lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:ListUsers","Resource":"arn:cairn:admin:::*"}]}`)
	users, err := lister.Users(e.ctx)
	require.NoError(t, err)
	require.Len(t, users, 1)
	require.Equal(t, "lister", users[0].Name)

	_, err = lister.CreateUser(e.ctx, admin.CreateUserRequest{Name: "bob"})
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	require.Contains(t, err.Error(), "admin:CreateUser")
	_, err = lister.User(e.ctx, "lister")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)

	// Attaching a policy needs AttachPolicy on the user and on the policy: a user who
	// may manage users but not attach every policy cannot hand itself more rights.
	manager, _ := e.user("manager", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["admin:CreateUser","admin:GetUser"],"Resource":"arn:cairn:admin:::user/*"},
		{"Effect":"Allow","Action":"admin:AttachPolicy","Resource":["arn:cairn:admin:::user/*","arn:cairn:admin:::policy/readonly"]}]}`)
	_, err = e.root.PutPolicy(e.ctx, "readonly", []byte(`[{"bucket":"*","actions":["read"]}]`))
	require.NoError(t, err)
	_, err = manager.CreateUser(e.ctx, admin.CreateUserRequest{Name: "reader", Policies: []string{"readonly"}})
	require.NoError(t, err)
	_, err = manager.AttachUserPolicy(e.ctx, "manager", "manager-policy")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = manager.CreateUser(e.ctx, admin.CreateUserRequest{Name: "boss", Policies: []string{"lister-policy"}})
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
}

func TestUsersCanManageTheirOwnKeysWithAPolicyVariable(t *testing.T) {
	e := newEnv(t)
	self, key := e.user("carol", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["admin:ListAccessKeys","admin:CreateAccessKey","admin:DeleteAccessKey"],
		"Resource":"arn:cairn:admin:::user/${aws:username}"}]}`)
	_, _ = e.user("dave", "")
	keys, err := self.AccessKeys(e.ctx, "carol")
	require.NoError(t, err)
	require.Len(t, keys, 1)
	_, err = self.AccessKeys(e.ctx, "dave")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)

	rotated, err := self.RotateAccessKey(e.ctx, key.AccessKeyID)
	require.NoError(t, err)
	require.Equal(t, key.AccessKeyID, rotated.Replaces)

	// A key id that does not exist looks the same as one of another user to a caller
	// who may not see every user: ids cannot be probed.
	daveKeys, err := e.root.AccessKeys(e.ctx, "dave")
	require.NoError(t, err)
	self = newClient(t, e.node, rotated.AccessKeyID, rotated.SecretKey)
	requireError(t, self.DeleteAccessKey(e.ctx, daveKeys[0].AccessKeyID), http.StatusForbidden, admin.AccessDenied)
	requireError(t, self.DeleteAccessKey(e.ctx, "NOSUCHKEY00000000000"), http.StatusForbidden, admin.AccessDenied)
	requireError(t, e.root.DeleteAccessKey(e.ctx, "NOSUCHKEY00000000000"), http.StatusNotFound, admin.NoSuchAccessKey)
}

func TestDisabledAndExpiredUsersAreRefused(t *testing.T) {
	e := newEnv(t)
	c, _ := e.user("eve", adminAll)
	_, err := c.Cluster(e.ctx)
	require.NoError(t, err)

	u, err := e.root.DisableUser(e.ctx, "eve")
	require.NoError(t, err)
	require.Equal(t, "disabled", u.Status)
	_, err = c.WhoAmI(e.ctx)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	require.Contains(t, err.Error(), "disabled")

	_, err = e.root.EnableUser(e.ctx, "eve")
	require.NoError(t, err)
	_, err = c.Cluster(e.ctx)
	require.NoError(t, err)

	past := mustTime(t, "2001-01-01T00:00:00Z")
	u, err = e.root.SetUserExpiry(e.ctx, "eve", &past)
	require.NoError(t, err)
	require.True(t, u.Expired)
	_, err = c.Cluster(e.ctx)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	require.Contains(t, err.Error(), "expired")

	u, err = e.root.SetUserExpiry(e.ctx, "eve", nil)
	require.NoError(t, err)
	require.Nil(t, u.Expiry)
	_, err = c.Cluster(e.ctx)
	require.NoError(t, err)
}

func TestUnknownEndpointsAndMethodsAnswerJSON(t *testing.T) {
	e := newEnv(t)
	status, h, body := e.raw(http.MethodGet, "/admin/v1/nope", "", false, "")
	requireJSONError(t, status, h, body, http.StatusNotFound, admin.NoSuchEndpoint)
	status, h, body = e.raw(http.MethodPatch, "/admin/v1/cluster", "", false, "")
	requireJSONError(t, status, h, body, http.StatusMethodNotAllowed, admin.MethodNotAllowed)
	// The health endpoints stay open.
	status, _, _ = e.raw(http.MethodGet, "/health/ready", "", false, "")
	require.Equal(t, http.StatusOK, status)
}

func TestRepeatedBadSignaturesLockTheSourceOut(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.AuthLockout.MaxFailures = 3 })
	ak, _ := e.node.RootCredentials()
	bad := newClient(t, e.node, ak, "wrong-secret-wrong-secret")
	for range 3 {
		_, err := bad.Cluster(e.ctx)
		requireError(t, err, http.StatusForbidden, "SignatureDoesNotMatch")
	}
	_, err := bad.Cluster(e.ctx)
	requireError(t, err, http.StatusServiceUnavailable, admin.SlowDown)
	// The right secret is refused too while the lockout lasts: it tells nothing.
	_, err = e.root.Cluster(e.ctx)
	requireError(t, err, http.StatusServiceUnavailable, admin.SlowDown)
}
