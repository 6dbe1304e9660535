package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/admin"
)

// ownerPolicy may only switch the bucket "data"'s replication on and off: the
// bucket owner's tier of site sync's permissions.
const ownerPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetReplicationConfiguration","s3:PutReplicationConfiguration"],"Resource":["arn:aws:s3:::*"]}]}`

// TestSiteSyncPages: the site sync page and its forms go through the console's
// gate and the admin API's authorization as the signed-in user. Anonymous callers
// are sent to sign in (page) or refused (forms); a read-only user sees the page
// with the API's refusal and is refused every change; a bucket owner with only
// s3:PutReplicationConfiguration may pause and resume the bucket's rule but not
// make connections or rules or delete them; root makes a connection (whose secret
// the page never shows), a rule, and pauses, resumes and deletes it. Each call is
// in the audit log as the console's.
func TestSiteSyncPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	require.NoError(t, err)
	ac := e.adminClient(t)
	_, err = ac.PutPolicy(ctx, "bucket-owner", []byte(ownerPolicy))
	require.NoError(t, err)
	_, err = ac.CreateUser(ctx, admin.CreateUserRequest{Name: "owner", Policies: []string{"bucket-owner"}})
	require.NoError(t, err)
	ok, err := ac.CreateAccessKey(ctx, "owner")
	require.NoError(t, err)

	anon, ro, owner, root := e.browser(t), e.browser(t), e.browser(t), e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	require.Equal(t, http.StatusSeeOther, owner.signIn(ok.AccessKeyID, ok.SecretKey).StatusCode)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)

	const secret = "peer-secret-never-shown-1234567890"
	conn := url.Values{"name": {"eu"}, "endpoint": {"http://127.0.0.1:1"}, "accessKey": {"AKPEER"}, "secretKey": {secret}}.Encode()
	rule := url.Values{"bucket": {"data"}, "id": {"to-eu"}, "connection": {"eu"}, "targetBucket": {"data-eu"}, "mode": {"all"},
		"replicateDeletes": {"on"}, "syncBucket": {"on"}}.Encode()
	const pause, resume, del = "/sync/rules/data/to-eu/pause", "/sync/rules/data/to-eu/resume", "/sync/rules/data/to-eu/delete"

	resp, _ := anon.do(http.MethodGet, "/sync", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, p := range []string{"/sync/connections", "/sync/rules", pause} {
		resp, _ = anon.do(http.MethodPost, p, conn, nil)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, p)
	}

	// The reader sees the page, with the refusal, and may change nothing.
	resp, body := ro.do(http.MethodGet, "/sync", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	resp, body = ro.do(http.MethodPost, "/sync/connections", conn, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)

	// Root makes the connection and the rule.
	resp, body = root.do(http.MethodPost, "/sync/connections", conn, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err := ac.Connection(ctx, "eu")
	require.NoError(t, err)
	require.True(t, c.HasSecret)
	require.Equal(t, "AKPEER", c.Credentials.AccessKeyID)
	resp, body = ro.do(http.MethodPost, "/sync/rules", rule, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = owner.do(http.MethodPost, "/sync/rules", rule, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a bucket owner made a rule: %s", body)
	resp, body = root.do(http.MethodPost, "/sync/rules", rule, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	r, err := ac.ReplicationRule(ctx, "data", "to-eu")
	require.NoError(t, err)
	require.True(t, r.SyncBucket && r.ReplicateDeletes && !r.Paused)
	require.Equal(t, "all", r.Mode)

	resp, body = root.do(http.MethodGet, "/sync", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `data-rule="data/to-eu"`)
	require.Contains(t, body, "http://127.0.0.1:1")
	require.NotContains(t, body, secret, "the page shows a connection's secret")

	// Pause and resume: refused to the reader, allowed to the bucket's owner.
	resp, body = ro.do(http.MethodPost, pause, "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = owner.do(http.MethodPost, pause, "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	r, err = ac.ReplicationRule(ctx, "data", "to-eu")
	require.NoError(t, err)
	require.True(t, r.Paused)
	_, body = root.do(http.MethodGet, "/sync", "", nil)
	require.Contains(t, body, `action="`+resume+`"`)
	resp, body = owner.do(http.MethodPost, resume, "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	r, err = ac.ReplicationRule(ctx, "data", "to-eu")
	require.NoError(t, err)
	require.False(t, r.Paused)

	// Resync: refused to the reader, allowed to the bucket's owner; it starts the
	// rule's backfill again (a new epoch).
	const resync = "/sync/rules/data/to-eu/resync"
	_, body = root.do(http.MethodGet, "/sync", "", nil)
	require.Contains(t, body, `action="`+resync+`"`)
	resp, body = ro.do(http.MethodPost, resync, "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Zero(t, e.n.Meta().ReplicationProgress("data", "to-eu").BackfillEpoch)
	resp, body = owner.do(http.MethodPost, resync, "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.NotZero(t, e.n.Meta().ReplicationProgress("data", "to-eu").BackfillEpoch)

	// Delete: not the owner's, root's.
	resp, body = owner.do(http.MethodPost, del, "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = root.do(http.MethodPost, del, "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	_, err = ac.ReplicationRule(ctx, "data", "to-eu")
	require.Error(t, err)
	resp, _ = root.do(http.MethodPost, "/sync/rules/data/to-eu/explode", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	// A form without the session's CSRF token is refused before any call.
	resp, _ = root.do(http.MethodPost, "/sync/connections", conn, map[string]string{"X-CSRF-Token": ""})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"user":"owner"`, `"result":"deny"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"user":"owner"`, `"result":"allow"`))
}
