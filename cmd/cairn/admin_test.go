package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// cli runs `cairn admin ARGS...` in-process with stdin and returns its output.
func cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := adminCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// mustCLI runs the CLI and fails the test on an error.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cli(t, "", args...)
	require.NoError(t, err, out)
	return out
}

// jsonCLI runs the CLI with --json and decodes its output into a T.
func jsonCLI[T any](t *testing.T, args ...string) T {
	t.Helper()
	var v T
	out := mustCLI(t, append(args, "--json")...)
	require.NoError(t, json.Unmarshal([]byte(out), &v), out)
	return v
}

// cleanCredentialEnv clears every variable the credential chain reads and points the
// AWS shared files at a fresh home, so that the machine's own ~/.aws never leaks in.
func cleanCredentialEnv(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, name := range []string{
		"CAIRN_ACCESS_KEY", "CAIRN_SECRET_KEY", "CAIRN_SESSION_TOKEN", envAdminEndpoint, envRegion,
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "no-credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "no-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return home
}

// whoami is the identity `cairn admin whoami` reports, with where the key came from.
type whoami struct {
	admin.Identity
	CredentialSource string `json:"credentialSource"`
}

// cliEnv is a live node with one user per credential source, each with its own key,
// so that the key the CLI used shows which source it read.
type cliEnv struct {
	node *node.Node
	url  string
	keys map[string]admin.AccessKey
}

func newCLIEnv(t *testing.T, users ...string) *cliEnv {
	t.Helper()
	cleanCredentialEnv(t)
	n := nodetest.Start(t)
	ak, sk := n.RootCredentials()
	e := &cliEnv{node: n, url: n.AdminURL(), keys: map[string]admin.AccessKey{}}
	for _, u := range users {
		mustCLI(t, "--endpoint", e.url, "--access-key", ak, "--secret-key", sk, "users", "create", u)
		e.keys[u] = jsonCLI[admin.AccessKey](t, "--endpoint", e.url, "--access-key", ak, "--secret-key", sk, "keys", "create", u)
	}
	return e
}

func TestCLIFindsCredentialsInEverySource(t *testing.T) {
	e := newCLIEnv(t, "flags", "url", "cairnenv", "awsenv", "credfile", "conffile", "profileflag")
	host := strings.TrimPrefix(e.url, "http://")
	k := e.keys
	check := func(t *testing.T, user, source string, args ...string) {
		t.Helper()
		id := jsonCLI[whoami](t, append(args, "whoami")...)
		require.Equal(t, user, id.User)
		require.Equal(t, k[user].AccessKeyID, id.AccessKeyID)
		require.Contains(t, id.CredentialSource, source)
		require.NotContains(t, id.CredentialSource, k[user].SecretKey)
	}

	t.Run("flags", func(t *testing.T) {
		check(t, "flags", "flags", "--endpoint", e.url, "--access-key", k["flags"].AccessKeyID, "--secret-key", k["flags"].SecretKey)
	})
	t.Run("endpoint URL", func(t *testing.T) {
		check(t, "url", "endpoint URL", "--endpoint", "http://"+k["url"].AccessKeyID+":"+k["url"].SecretKey+"@"+host)
	})
	t.Run("CAIRN_ variables", func(t *testing.T) {
		t.Setenv("CAIRN_ACCESS_KEY", k["cairnenv"].AccessKeyID)
		t.Setenv("CAIRN_SECRET_KEY", k["cairnenv"].SecretKey)
		t.Setenv(envAdminEndpoint, e.url) // and the endpoint from the environment
		check(t, "cairnenv", "CAIRN_ACCESS_KEY")
	})
	t.Run("AWS_ variables", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", k["awsenv"].AccessKeyID)
		t.Setenv("AWS_SECRET_ACCESS_KEY", k["awsenv"].SecretKey)
		check(t, "awsenv", "EnvConfigCredentials", "--endpoint", e.url)
	})
	t.Run("shared credentials file and AWS_PROFILE", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "credentials")
		writeFile(t, path, "[default]\naws_access_key_id = WRONGWRONGWRONG00000\naws_secret_access_key = wrong\n\n"+
			"[cairn]\naws_access_key_id = "+k["credfile"].AccessKeyID+"\naws_secret_access_key = "+k["credfile"].SecretKey+"\n")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", path)
		t.Setenv("AWS_PROFILE", "cairn")
		check(t, "credfile", "SharedConfigCredentials", "--endpoint", e.url)
	})
	t.Run("config file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config")
		writeFile(t, path, "[profile ops]\naws_access_key_id = "+k["conffile"].AccessKeyID+"\naws_secret_access_key = "+k["conffile"].SecretKey+"\n")
		t.Setenv("AWS_CONFIG_FILE", path)
		t.Setenv("AWS_PROFILE", "ops")
		check(t, "conffile", "SharedConfigCredentials", "--endpoint", e.url)
	})
	t.Run("profile flag", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "credentials")
		writeFile(t, path, "[other]\naws_access_key_id = "+k["profileflag"].AccessKeyID+"\naws_secret_access_key = "+k["profileflag"].SecretKey+"\n")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", path)
		check(t, "profileflag", `AWS profile "other"`, "--endpoint", e.url, "--profile", "other")
	})
	t.Run("the first source found wins", func(t *testing.T) {
		t.Setenv("CAIRN_ACCESS_KEY", k["cairnenv"].AccessKeyID)
		t.Setenv("CAIRN_SECRET_KEY", k["cairnenv"].SecretKey)
		t.Setenv("AWS_ACCESS_KEY_ID", k["awsenv"].AccessKeyID)
		t.Setenv("AWS_SECRET_ACCESS_KEY", k["awsenv"].SecretKey)
		check(t, "cairnenv", "CAIRN_ACCESS_KEY", "--endpoint", e.url)
		check(t, "url", "endpoint URL", "--endpoint", "http://"+k["url"].AccessKeyID+":"+k["url"].SecretKey+"@"+host)
		check(t, "flags", "flags", "--endpoint", "http://"+k["url"].AccessKeyID+":"+k["url"].SecretKey+"@"+host,
			"--access-key", k["flags"].AccessKeyID, "--secret-key", k["flags"].SecretKey)
	})
	t.Run("none", func(t *testing.T) {
		_, err := cli(t, "", "--endpoint", e.url, "whoami")
		require.ErrorContains(t, err, "credentials: none found")
	})
	t.Run("half a pair", func(t *testing.T) {
		_, err := cli(t, "", "--endpoint", e.url, "--access-key", k["flags"].AccessKeyID, "whoami")
		require.ErrorContains(t, err, "both an access key and a secret key")
	})
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestCLIManagesIAM(t *testing.T) {
	e := newCLIEnv(t)
	ak, sk := e.node.RootCredentials()
	t.Setenv("CAIRN_ACCESS_KEY", ak)
	t.Setenv("CAIRN_SECRET_KEY", sk)
	t.Setenv(envAdminEndpoint, e.url)

	// Policies: from a file in the full form, from stdin in the short form.
	doc := filepath.Join(t.TempDir(), "ops.json")
	writeFile(t, doc, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["admin:Get*","admin:List*"],"Resource":"*"}]}`)
	out := mustCLI(t, "policies", "put", "ops-read", doc)
	require.Contains(t, out, "Name:")
	require.Contains(t, out, "admin:List*")
	out, err := cli(t, `[{"bucket":"photos","actions":["read"]}]`, "policies", "put", "photos-read", "-")
	require.NoError(t, err, out)
	policies := jsonCLI[[]admin.Policy](t, "policies", "list")
	require.Len(t, policies, 2)
	p := jsonCLI[admin.Policy](t, "policies", "get", "photos-read")
	require.Contains(t, string(p.Document), "s3:GetObject")

	// Users and keys.
	out = mustCLI(t, "users", "create", "alice", "--policy", "ops-read", "--expiry", "30d")
	require.Contains(t, out, "alice")
	u := jsonCLI[admin.User](t, "users", "get", "alice")
	require.Equal(t, []string{"ops-read"}, u.Policies)
	require.NotNil(t, u.Expiry)
	table := mustCLI(t, "users", "list")
	require.Regexp(t, `(?m)^NAME\s+STATUS\s+EXPIRY\s+POLICIES\s+GROUPS\s+CREATED$`, table)
	require.Regexp(t, `(?m)^alice\s+enabled\s+\S+\s+ops-read\s+-\s+\S+$`, table)

	key := jsonCLI[admin.AccessKey](t, "keys", "create", "alice")
	require.NotEmpty(t, key.SecretKey)
	out = mustCLI(t, "keys", "create", "alice")
	require.Contains(t, out, "Secret key:")
	require.Contains(t, out, "shown only now")
	keys := jsonCLI[[]admin.AccessKey](t, "keys", "list", "alice")
	require.Len(t, keys, 2)
	list := mustCLI(t, "keys", "list", "alice")
	require.Contains(t, list, key.AccessKeyID)
	require.NotContains(t, list, key.SecretKey)

	// alice may read but not change anything.
	asAlice := []string{"--access-key", key.AccessKeyID, "--secret-key", key.SecretKey}
	users := jsonCLI[[]admin.User](t, append(asAlice, "users", "list")...)
	require.Len(t, users, 1)
	_, err = cli(t, "", append(asAlice, "users", "create", "mallory")...)
	require.True(t, client.IsCode(err, admin.AccessDenied), "%v", err)

	rotated := jsonCLI[admin.AccessKey](t, "keys", "rotate", key.AccessKeyID)
	require.Equal(t, key.AccessKeyID, rotated.Replaces)
	_, err = cli(t, "", append(asAlice, "whoami")...)
	require.True(t, client.IsCode(err, "InvalidAccessKeyId"), "%v", err)
	mustCLI(t, "keys", "delete", rotated.AccessKeyID)

	u = jsonCLI[admin.User](t, "users", "disable", "alice")
	require.Equal(t, "disabled", u.Status)
	u = jsonCLI[admin.User](t, "users", "enable", "alice")
	require.Equal(t, "enabled", u.Status)
	u = jsonCLI[admin.User](t, "users", "expiry", "alice", "never")
	require.Nil(t, u.Expiry)

	// Groups and attachments.
	mustCLI(t, "groups", "create", "readers", "--member", "alice")
	g := jsonCLI[admin.Group](t, "policies", "attach", "photos-read", "--group", "readers")
	require.Equal(t, []string{"photos-read"}, g.Policies)
	u = jsonCLI[admin.User](t, "policies", "detach", "ops-read", "--user", "alice")
	require.Empty(t, u.Policies)
	u = jsonCLI[admin.User](t, "policies", "attach", "ops-read", "--user", "alice")
	require.Equal(t, []string{"ops-read"}, u.Policies)
	_, err = cli(t, "", "policies", "attach", "ops-read")
	require.ErrorContains(t, err, "exactly one of --user and --group")
	groups := jsonCLI[[]admin.Group](t, "groups", "list")
	require.Equal(t, []string{"alice"}, groups[0].Members)
	g = jsonCLI[admin.Group](t, "groups", "remove", "readers", "alice")
	require.Empty(t, g.Members)
	g = jsonCLI[admin.Group](t, "groups", "add", "readers", "alice")
	require.Equal(t, []string{"alice"}, g.Members)
	_, err = cli(t, "", "groups", "delete", "readers")
	require.True(t, client.IsCode(err, admin.GroupNotEmpty), "%v", err)
	mustCLI(t, "groups", "remove", "readers", "alice")
	require.Contains(t, mustCLI(t, "groups", "delete", "readers"), "Deleted group readers.")

	require.Contains(t, mustCLI(t, "users", "delete", "alice"), "Deleted user alice.")
	_, err = cli(t, "", "users", "get", "alice")
	var apiErr *client.Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, admin.NoSuchUser, apiErr.Code)
	require.Equal(t, http.StatusNotFound, apiErr.Status)
	mustCLI(t, "policies", "delete", "ops-read")
}

func TestCLIShowsTheTopology(t *testing.T) {
	e := newCLIEnv(t)
	ak, sk := e.node.RootCredentials()
	base := []string{"--endpoint", e.url, "--access-key", ak, "--secret-key", sk}
	run := func(args ...string) string { return mustCLI(t, append(base, args...)...) }

	out := run("cluster")
	require.Regexp(t, `(?m)^Leader:\s+test-node$`, out)
	require.Regexp(t, `(?m)^Health:\s+healthy: 256/256 partitions with all owners`, out)
	c := jsonCLI[admin.Cluster](t, append(base, "cluster")...)
	require.Equal(t, "cairn", c.Name)

	out = run("nodes")
	require.Regexp(t, `(?m)^ID\s+GOSSIP\s+RAFT\s+STATUS`, out)
	require.Regexp(t, `(?m)^test-node\s+alive\s+leader\s+active\s+-\s+1\s+256\s`, out)
	nodes := jsonCLI[[]admin.Node](t, append(base, "nodes")...)
	require.Len(t, nodes, 1)
	require.Regexp(t, `(?m)^Disk free:\s+\d`, run("nodes", "test-node"))
	_, err := cli(t, "", append(base, "nodes", "remove", "test-node")...)
	require.True(t, client.IsCode(err, admin.InvalidRequest), "%v", err)

	require.Regexp(t, `(?m)^test-node\s+-\s+1\s+256$`, run("layout"))
	l := jsonCLI[admin.Layout](t, append(base, "layout", "set", "--replication", "1")...)
	require.Equal(t, uint64(1), l.Version)
	require.Regexp(t, `(?m)^Sync:\s+done$`, run("sync"))

	// A capacity and zone override, then cleared: each a new layout version.
	out = run("nodes", "set", "test-node", "--capacity", "3", "--zone", "b")
	require.Regexp(t, `(?m)^Capacity:\s+3$`, out)
	require.Regexp(t, `(?m)^Override:\s+capacity 3, zone "b"$`, out)
	require.Regexp(t, `(?m)^test-node\s+b\s+3\s+256$`, run("layout"))
	n := jsonCLI[admin.Node](t, append(base, "nodes", "set", "test-node")...)
	require.Nil(t, n.Override)
	require.EqualValues(t, 1, n.Capacity)
	require.Regexp(t, `(?m)^test-node\s+-\s+1\s+256$`, run("layout"))
	_, err = cli(t, "", append(base, "nodes", "set", "nosuchnode", "--capacity", "2")...)
	require.True(t, client.IsCode(err, admin.NoSuchNode), "%v", err)
	require.Regexp(t, `(?m)^State:\s+Leader$`, run("raft"))
	require.Contains(t, run("buckets"), "NAME")
}
