package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
)

// TestSiteSyncConnectionForms: root makes connections with each kind of
// credentials source the admin API takes (static typed, static in the endpoint
// URL, shared file and profile, environment, instance metadata, the default chain)
// and TLS settings, and edits them; no page (lists, edit forms, a refused form
// shown again) nor the audit log ever holds a secret typed; the stored secret is
// shown only as set; a replace is whole, so a static source without its secret
// again is refused under the form and changes nothing; a read-only user is refused
// and changes nothing; every call is audited as the console's.
func TestSiteSyncConnectionForms(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ac := e.adminClient(t)
	ro, root := e.browser(t), e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)

	const typedSecret, urlSecret, token = "typed-secret-0123456789abcdef", "url-secret-0123456789abcdef", "session-token-0123456789abcdef"
	var pages []string // every page root and the reader saw
	post := func(b *browser, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		resp, body := b.do(http.MethodPost, path, form.Encode(), map[string]string{"X-CSRF-Token": ""}) // as a form: the token in the body
		pages = append(pages, body)
		return resp, body
	}
	get := func(b *browser, path string) string {
		t.Helper()
		resp, body := b.do(http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		pages = append(pages, body)
		return body
	}
	withCSRF := func(b *browser, f url.Values) url.Values {
		f.Set("csrf", b.csrf)
		return f
	}

	// The short form on the sync page: a typed static key.
	resp, body := post(root, "/sync/connections", withCSRF(root, url.Values{"name": {"typed"}, "endpoint": {"http://127.0.0.1:1"},
		"accessKey": {"AKTYPED"}, "secretKey": {typedSecret}, "sessionToken": {token}}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err := ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, meta.CredentialsStatic, c.Credentials.Source)
	require.True(t, c.HasSecret)

	// The full form: the key in the endpoint URL.
	resp, body = post(root, "/sync/connections", withCSRF(root, url.Values{"name": {"inurl"}, "endpoint": {"https://AKURL:" + urlSecret + "@127.0.0.1:1"},
		"region": {"eu-west-1"}, "source": {""}, "serverName": {"peer.example"}}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err = ac.Connection(ctx, "inurl")
	require.NoError(t, err)
	require.Equal(t, "https://127.0.0.1:1", c.Endpoint)
	require.Equal(t, "AKURL", c.Credentials.AccessKeyID)
	require.Equal(t, "eu-west-1", c.Region)
	require.Equal(t, "peer.example", c.TLS.ServerName)
	require.True(t, c.HasSecret)

	// A refused create (the name is taken) shows the form again, with the error and
	// the endpoint without its key.
	resp, body = post(root, "/sync/connections", withCSRF(root, url.Values{"name": {"inurl"}, "endpoint": {"https://AKURL:" + urlSecret + "@127.0.0.1:1"}}))
	require.Equal(t, http.StatusConflict, resp.StatusCode, body)
	require.Contains(t, body, `id="connection-error"`)
	require.Contains(t, body, "ConnectionAlreadyExists")
	require.Contains(t, body, `value="https://127.0.0.1:1"`)

	// The other sources.
	for _, f := range []url.Values{
		{"name": {"files"}, "source": {"shared"}, "profile": {"peer"}, "credentialsFile": {"/etc/cairn/aws-credentials"}, "configFile": {"/etc/cairn/aws-config"}},
		{"name": {"environ"}, "source": {"env"}, "insecureSkipVerify": {"on"}},
		{"name": {"metadata"}, "source": {"imds"}, "imdsEndpoint": {"http://169.254.169.254"}},
		{"name": {"chain"}, "source": {"default"}, "profile": {"peer"}},
	} {
		f.Set("endpoint", "https://127.0.0.1:1")
		resp, body = post(root, "/sync/connections", withCSRF(root, f))
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
		c, err = ac.Connection(ctx, f.Get("name"))
		require.NoError(t, err)
		require.Equal(t, f.Get("source"), c.Credentials.Source)
		require.Equal(t, f.Get("profile"), c.Credentials.Profile)
		require.Equal(t, f.Get("credentialsFile"), c.Credentials.CredentialsFile)
		require.Equal(t, f.Get("configFile"), c.Credentials.ConfigFile)
		require.Equal(t, f.Get("imdsEndpoint"), c.Credentials.IMDSEndpoint)
		require.Equal(t, f.Get("insecureSkipVerify") == "on", c.TLS.InsecureSkipVerify)
		require.False(t, c.HasSecret)
	}

	// The edit form is filled in, the secret shown only as set.
	body = get(root, "/sync/connections/typed")
	require.Contains(t, body, `value="AKTYPED"`)
	require.Contains(t, body, `id="secret-set"`)
	require.Contains(t, body, `<option value="static" selected>`)
	body = get(root, "/sync/connections/files")
	require.Contains(t, body, `value="/etc/cairn/aws-credentials"`)
	require.Contains(t, body, `<option value="shared" selected>`)
	require.NotContains(t, body, `id="secret-set"`)
	body = get(root, "/sync")
	require.Contains(t, body, `href="/sync/connections/typed"`)

	// A replace of a static source without the secret, to another endpoint, is
	// refused under the form and changes nothing: the stored secret is kept only
	// for the same access key id and endpoint.
	before, err := ac.Connection(ctx, "typed")
	require.NoError(t, err)
	resp, body = post(root, "/sync/connections/typed", withCSRF(root, url.Values{"endpoint": {"http://127.0.0.1:2"}, "source": {"static"}, "accessKey": {"AKTYPED"}}))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	require.Contains(t, body, `id="connection-error"`)
	require.Contains(t, body, `id="secret-set"`)
	require.Contains(t, body, `value="http://127.0.0.1:2"`, "the form keeps what was typed")
	after, err := ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, before, after)

	// With the same key and endpoint, the stored secret (and token) is kept.
	resp, body = post(root, "/sync/connections/typed", withCSRF(root, url.Values{"endpoint": {"http://127.0.0.1:1"}, "region": {"eu-west-3"},
		"source": {"static"}, "accessKey": {"AKTYPED"}}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	kept, err := ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, "eu-west-3", kept.Region)
	require.True(t, kept.HasSecret)
	stored, err := e.n.Meta().ConnectionSecret(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, typedSecret, stored.SecretAccessKey)
	require.Equal(t, token, stored.SessionToken)
	before = kept

	// The reader is refused and changes nothing.
	resp, body = post(ro, "/sync/connections/typed", withCSRF(ro, url.Values{"endpoint": {"http://127.0.0.1:3"}, "source": {"env"}}))
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	after, err = ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, before, after)

	// Root replaces the static key with a shared profile (the secret goes), then
	// with a new static key.
	resp, body = post(root, "/sync/connections/typed", withCSRF(root, url.Values{"endpoint": {"http://127.0.0.1:4"}, "region": {"ap-south-1"},
		"source": {"shared"}, "profile": {"other"}}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err = ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:4", c.Endpoint)
	require.Equal(t, "ap-south-1", c.Region)
	require.Equal(t, meta.CredentialsShared, c.Credentials.Source)
	require.Equal(t, "other", c.Credentials.Profile)
	require.False(t, c.HasSecret)
	resp, body = post(root, "/sync/connections/typed", withCSRF(root, url.Values{"endpoint": {"http://127.0.0.1:4"},
		"source": {"static"}, "accessKey": {"AKNEW"}, "secretKey": {typedSecret}}))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	c, err = ac.Connection(ctx, "typed")
	require.NoError(t, err)
	require.Equal(t, "AKNEW", c.Credentials.AccessKeyID)
	require.True(t, c.HasSecret)

	for _, p := range []string{"/sync", "/sync/new-connection", "/sync/connections/typed", "/sync/connections/inurl"} {
		get(root, p)
	}
	for _, p := range pages {
		for _, s := range []string{typedSecret, urlSecret, token} {
			require.NotContains(t, p, s, "a page holds a secret")
		}
	}
	for _, s := range []string{typedSecret, urlSecret, token} {
		require.Empty(t, e.auditLines(t, s), "the audit log holds a secret")
	}
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"UpdateConnection"`, `"user":"root"`, `"result":"allow"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"UpdateConnection"`, `"user":"reader"`, `"result":"deny"`))
}

// TestSiteSyncRuleEdit: the rule's edit form is filled in from the rule; root's
// edit of target, mode, prefix, tags, deletes and bucket settings is applied and
// audited as the console's; a read-only user is refused and nothing changes; a
// refusal by the admin API shows the form again with the error under it.
func TestSiteSyncRuleEdit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	require.NoError(t, err)
	ac := e.adminClient(t)
	ro, root := e.browser(t), e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)

	for _, name := range []string{"eu", "us"} {
		resp, body := root.do(http.MethodPost, "/sync/connections", url.Values{"name": {name}, "endpoint": {"http://127.0.0.1:1"}, "source": {"env"}}.Encode(), nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	}
	resp, body := root.do(http.MethodPost, "/sync/rules", url.Values{"bucket": {"data"}, "id": {"out"}, "connection": {"eu"}, "targetBucket": {"data-eu"},
		"mode": {"new_only"}, "tags": {"class=gold\nteam = ops"}, "paused": {"on"}}.Encode(), nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	r, err := ac.ReplicationRule(ctx, "data", "out")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"class": "gold", "team": "ops"}, r.Tags)
	require.True(t, r.Paused)

	resp, body = root.do(http.MethodGet, "/sync", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `href="/sync/rules/data/out"`)
	resp, body = root.do(http.MethodGet, "/sync/rules/data/out", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `action="/sync/rules/data/out"`)
	require.Contains(t, body, `<option selected>eu</option>`)
	require.Contains(t, body, `<option selected>new_only</option>`)
	require.Contains(t, body, `value="data-eu"`)
	require.Contains(t, body, "class=gold\nteam=ops")
	require.Contains(t, body, `name="paused" checked`)
	require.NotContains(t, body, `name="replicateDeletes" checked`)

	edit := url.Values{"connection": {"us"}, "targetBucket": {"data-us"}, "mode": {"all"}, "prefix": {"logs/"}, "tags": {"class=silver"},
		"replicateDeletes": {"on"}, "syncBucket": {"on"}}.Encode()
	resp, body = ro.do(http.MethodPost, "/sync/rules/data/out", edit, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	unchanged, err := ac.ReplicationRule(ctx, "data", "out")
	require.NoError(t, err)
	require.Equal(t, r, unchanged)

	// A refusal by the admin API (an unknown mode) is shown under the form, as
	// typed, and changes nothing.
	bad := url.Values{"csrf": {root.csrf}, "connection": {"us"}, "targetBucket": {"data-us"}, "mode": {"sideways"}, "prefix": {"logs/"}}
	resp, body = root.do(http.MethodPost, "/sync/rules/data/out", bad.Encode(), map[string]string{"X-CSRF-Token": ""})
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	require.Contains(t, body, `id="rule-error"`)
	require.Contains(t, body, `value="logs/"`)
	unchanged, err = ac.ReplicationRule(ctx, "data", "out")
	require.NoError(t, err)
	require.Equal(t, r, unchanged)

	resp, body = root.do(http.MethodPost, "/sync/rules/data/out", edit, nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	r, err = ac.ReplicationRule(ctx, "data", "out")
	require.NoError(t, err)
	require.Equal(t, "us", r.Connection)
	require.Equal(t, "data-us", r.TargetBucket)
	require.Equal(t, meta.ModeAll, r.Mode)
	require.Equal(t, "logs/", r.Prefix)
	require.Equal(t, map[string]string{"class": "silver"}, r.Tags)
	require.True(t, r.ReplicateDeletes && r.SyncBucket && !r.Paused)

	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"UpdateReplicationRule"`, `"user":"root"`, `"result":"allow"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"UpdateReplicationRule"`, `"user":"reader"`, `"result":"deny"`))
}
