package admin_test

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"encoding/json"
	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/audit"
)

func TestEveryAdminRequestIsAudited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	e := newEnv(t, func(c *node.Config) { c.AuditLog = path })
	_, err := e.root.Users(e.ctx)
	require.NoError(t, err)
	k, err := e.root.CreateAccessKey(e.ctx, "nobody")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
	require.Empty(t, k.SecretKey)
	status, _, _ := e.raw(http.MethodGet, "/admin/v1/cluster", "", false, "")
	require.Equal(t, http.StatusForbidden, status)
	require.NoError(t, e.node.Close())

	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var got []audit.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r audit.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		if r.API == "admin" {
			got = append(got, r)
		}
	}
	require.Len(t, got, 3)
	ak, _ := e.node.RootCredentials()
	require.Equal(t, "ListUsers", got[0].Action)
	require.Equal(t, audit.ResultAllow, got[0].Result)
	require.Equal(t, "root", got[0].User)
	require.Equal(t, ak, got[0].AccessKey)
	require.Equal(t, http.StatusOK, got[0].Status)
	require.NotEmpty(t, got[0].RequestID)
	require.Equal(t, "test-node", got[0].Node)

	require.Equal(t, "CreateAccessKey", got[1].Action)
	require.Equal(t, audit.ResultError, got[1].Result)
	require.Equal(t, "NoSuchUser", got[1].ErrorCode)
	require.Equal(t, http.StatusNotFound, got[1].Status)

	require.Equal(t, "GetCluster", got[2].Action)
	require.Equal(t, audit.ResultDeny, got[2].Result)
	require.Equal(t, "AccessDenied", got[2].ErrorCode)
	require.Empty(t, got[2].User)
}

// TestGetAuditLog: GET /audit answers the node's latest records, newest first,
// filtered; it needs admin:GetAuditLog; a bad limit is InvalidRequest.
func TestGetAuditLog(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.AuditLog = filepath.Join(t.TempDir(), "audit.log") })
	_, err := e.root.Users(e.ctx)
	require.NoError(t, err)
	_, err = e.root.CreateAccessKey(e.ctx, "nobody")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
	reader, _ := e.user("auditor", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:GetAuditLog","Resource":"arn:cairn:admin:::cluster"}]}`)
	other, _ := e.user("other", "")

	got, err := reader.AuditLog(e.ctx, url.Values{"api": {"admin"}, "user": {"root"}, "limit": {"2"}})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "CreateAccessKey", got[0].Action, "the latest first: the key of auditor, made by root")
	got, err = reader.AuditLog(e.ctx, url.Values{"action": {"CreateAccessKey"}, "result": {"error"}})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "NoSuchUser", got[0].ErrorCode)

	_, err = other.AuditLog(e.ctx, nil)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = reader.AuditLog(e.ctx, url.Values{"limit": {"0"}})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	got, err = other.AuditLog(e.ctx, nil)
	require.Error(t, err)
	got, err = reader.AuditLog(e.ctx, url.Values{"user": {"other"}, "action": {"GetAuditLog"}})
	require.NoError(t, err)
	require.Len(t, got, 2, "the refusals are there")
	require.Equal(t, audit.ResultDeny, got[0].Result)
}
