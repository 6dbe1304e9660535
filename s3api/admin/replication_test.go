package admin_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
)

// The admin API implements site sync's configuration through meta.
var _ admin.Replication = (*meta.Meta)(nil)

func TestConnectionsNeverReturnTheSecret(t *testing.T) {
	e := newEnv(t)
	const secret = "the-peer-secret-42"
	c, err := e.root.CreateConnection(e.ctx, admin.ConnectionRequest{Name: "eu", Endpoint: "https://AKEU:" + secret + "@eu.example:9000", Region: "eu-west-1"})
	require.NoError(t, err)
	require.Equal(t, "https://eu.example:9000", c.Endpoint)
	require.Equal(t, meta.CredentialsStatic, c.Credentials.Source)
	require.Equal(t, "AKEU", c.Credentials.AccessKeyID)
	require.True(t, c.HasSecret)

	for _, path := range []string{"/admin/v1/connections", "/admin/v1/connections/eu"} {
		status, _, body := e.raw(http.MethodGet, path, "", true, emptySHA256)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, string(body), secret)
		require.Contains(t, string(body), "AKEU")
	}

	_, err = e.root.CreateConnection(e.ctx, admin.ConnectionRequest{Name: "eu", Endpoint: "https://x.example"})
	requireError(t, err, http.StatusConflict, admin.ConnectionAlreadyExists)
	_, err = e.root.CreateConnection(e.ctx, admin.ConnectionRequest{Name: "bad", Endpoint: "https://x.example",
		Credentials: admin.ConnectionCredentials{ConnectionCredentials: meta.ConnectionCredentials{Source: "magic"}}})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	_, err = e.root.Connection(e.ctx, "nowhere")
	requireError(t, err, http.StatusNotFound, admin.NoSuchConnection)

	c, err = e.root.UpdateConnection(e.ctx, "eu", admin.ConnectionRequest{Endpoint: "https://eu.example:9000",
		Credentials: admin.ConnectionCredentials{ConnectionCredentials: meta.ConnectionCredentials{Source: meta.CredentialsShared, Profile: "backup"}}})
	require.NoError(t, err)
	require.False(t, c.HasSecret)
	require.Equal(t, "backup", c.Credentials.Profile)
	require.NoError(t, e.root.DeleteConnection(e.ctx, "eu"))
	requireError(t, e.root.DeleteConnection(e.ctx, "eu"), http.StatusNotFound, admin.NoSuchConnection)
}

func TestReplicationRulesAndTheirPermissions(t *testing.T) {
	e := newEnv(t)
	ak, sk := e.node.RootCredentials()
	s3c := e.s3Client(ak, sk)
	for _, b := range []string{"photos", "logs"} {
		_, err := s3c.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	_, err := e.root.CreateConnection(e.ctx, admin.ConnectionRequest{Name: "eu", Endpoint: "https://AK:SK@eu.example"})
	require.NoError(t, err)

	req := admin.ReplicationRuleRequest{ID: "to-eu", Connection: "eu", TargetBucket: "photos-eu", Prefix: "2024/", ReplicateDeletes: true}
	r, err := e.root.CreateReplicationRule(e.ctx, "photos", req)
	require.NoError(t, err)
	require.Equal(t, meta.ModeNewOnly, r.Mode, "new_only is the default mode")
	require.NotZero(t, r.Since)
	_, err = e.root.CreateReplicationRule(e.ctx, "logs", admin.ReplicationRuleRequest{ID: "to-eu", Connection: "eu", TargetBucket: "logs-eu", Mode: meta.ModeAll})
	require.NoError(t, err)
	_, err = e.root.CreateReplicationRule(e.ctx, "photos", req)
	requireError(t, err, http.StatusConflict, admin.ReplicationRuleExists)
	_, err = e.root.CreateReplicationRule(e.ctx, "photos", admin.ReplicationRuleRequest{ID: "x", Connection: "nowhere", TargetBucket: "t"})
	requireError(t, err, http.StatusNotFound, admin.NoSuchConnection)
	_, err = e.root.CreateReplicationRule(e.ctx, "nowhere", admin.ReplicationRuleRequest{ID: "x", Connection: "eu", TargetBucket: "t"})
	requireError(t, err, http.StatusNotFound, admin.NoSuchBucket)
	_, err = e.root.CreateReplicationRule(e.ctx, "photos", admin.ReplicationRuleRequest{ID: "x", Connection: "eu", TargetBucket: "t", Mode: "sometimes"})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	all, err := e.root.ReplicationRules(e.ctx, "")
	require.NoError(t, err)
	require.Len(t, all, 2)
	requireError(t, e.root.DeleteConnection(e.ctx, "eu"), http.StatusConflict, admin.ConnectionInUse)

	// A user with the bucket's replication permission only: reads the bucket's
	// rules and pauses and resumes them, and nothing else.
	owner, _ := e.user("owner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["s3:GetReplicationConfiguration","s3:PutReplicationConfiguration"],"Resource":"arn:aws:s3:::photos"}]}`)
	rules, err := owner.ReplicationRules(e.ctx, "photos")
	require.NoError(t, err)
	require.Len(t, rules, 1)
	r, err = owner.PauseReplicationRule(e.ctx, "photos", "to-eu")
	require.NoError(t, err)
	require.True(t, r.Paused)
	r, err = e.root.ReplicationRule(e.ctx, "photos", "to-eu")
	require.NoError(t, err)
	require.True(t, r.Paused, "the pause is stored")
	r, err = owner.ResumeReplicationRule(e.ctx, "photos", "to-eu")
	require.NoError(t, err)
	require.False(t, r.Paused)

	_, err = owner.ResyncReplicationRule(e.ctx, "photos", "to-eu")
	require.NoError(t, err, "the bucket's owner may resync its rule")
	_, err = owner.ResyncReplicationRule(e.ctx, "photos", "nowhere")
	requireError(t, err, http.StatusNotFound, admin.NoSuchReplicationRule)

	_, err = owner.PauseReplicationRule(e.ctx, "logs", "to-eu")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = owner.ResyncReplicationRule(e.ctx, "logs", "to-eu")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = owner.ReplicationRules(e.ctx, "logs")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = owner.CreateReplicationRule(e.ctx, "photos", admin.ReplicationRuleRequest{ID: "mine", Connection: "eu", TargetBucket: "t"})
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = owner.UpdateReplicationRule(e.ctx, "photos", "to-eu", req)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	requireError(t, owner.DeleteReplicationRule(e.ctx, "photos", "to-eu"), http.StatusForbidden, admin.AccessDenied)
	_, err = owner.Connections(e.ctx)
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)
	_, err = owner.Connection(e.ctx, "eu")
	requireError(t, err, http.StatusForbidden, admin.AccessDenied)

	// Replace, delete; a deleted bucket takes its rules with it.
	req.Prefix = ""
	r, err = e.root.UpdateReplicationRule(e.ctx, "photos", "to-eu", req)
	require.NoError(t, err)
	require.Empty(t, r.Prefix)
	require.NoError(t, e.root.DeleteReplicationRule(e.ctx, "photos", "to-eu"))
	_, err = e.root.ReplicationRule(e.ctx, "photos", "to-eu")
	requireError(t, err, http.StatusNotFound, admin.NoSuchReplicationRule)
	_, err = s3c.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String("logs")})
	require.NoError(t, err)
	all, err = e.root.ReplicationRules(e.ctx, "")
	require.NoError(t, err)
	require.Empty(t, all)
	require.NoError(t, e.root.DeleteConnection(e.ctx, "eu"))
}
