package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/bench"
)

// cleanCredentialEnv isolates a test from the machine's credentials: no key
// variables, an empty home, no instance metadata lookups.
func cleanCredentialEnv(t *testing.T) string {
	home := t.TempDir()
	for _, k := range []string{
		bench.EnvAccessKey, bench.EnvSecretKey, bench.EnvSessionToken,
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("HOME", home)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return home
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
}

// allSources sets up every source at once, each with its own key, so a test can
// see which one wins.
func allSources(t *testing.T) bench.CredentialOptions {
	home := cleanCredentialEnv(t)
	writeFile(t, filepath.Join(home, "credentials"), `
[default]
aws_access_key_id = FILEDEFAULT
aws_secret_access_key = file-default-secret

[dev]
aws_access_key_id = FILEDEV
aws_secret_access_key = file-dev-secret
`)
	t.Setenv(bench.EnvAccessKey, "CAIRNENV")
	t.Setenv(bench.EnvSecretKey, "cairn-env-secret")
	t.Setenv("AWS_ACCESS_KEY_ID", "AWSENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-env-secret")
	return bench.CredentialOptions{
		AccessKey: "FLAG", SecretKey: "flag-secret",
		Endpoints: []string{"http://URLKEY:url-secret@127.0.0.1:9000"},
		Profile:   "dev",
	}
}

func resolve(t *testing.T, in bench.CredentialOptions) bench.Credentials {
	t.Helper()
	c, err := bench.ResolveCredentials(context.Background(), in)
	require.NoError(t, err)
	v, err := c.Provider.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, c.AccessKey, v.AccessKeyID, "the provider yields the same credentials")
	assert.Equal(t, c.SecretKey, v.SecretAccessKey)
	return c
}

func TestCredentialOrder(t *testing.T) {
	in := allSources(t)

	c := resolve(t, in)
	assert.Equal(t, "FLAG", c.AccessKey, "1. flags")
	assert.Equal(t, "flags", c.Source)

	in.AccessKey, in.SecretKey = "", ""
	c = resolve(t, in)
	assert.Equal(t, "URLKEY", c.AccessKey, "2. endpoint URL")
	assert.Equal(t, "url-secret", c.SecretKey)
	assert.Equal(t, "endpoint URL", c.Source)

	in.Endpoints = []string{"http://127.0.0.1:9000"}
	c = resolve(t, in)
	assert.Equal(t, "FILEDEV", c.AccessKey, "3. explicit profile")
	assert.Contains(t, c.Source, `"dev"`)

	in.Profile = ""
	c = resolve(t, in)
	assert.Equal(t, "CAIRNENV", c.AccessKey, "4. CAIRN_ environment")
	assert.Equal(t, "environment (CAIRN_ACCESS_KEY)", c.Source)

	os.Unsetenv(bench.EnvAccessKey)
	os.Unsetenv(bench.EnvSecretKey)
	c = resolve(t, in)
	assert.Equal(t, "AWSENV", c.AccessKey, "5a. AWS environment")

	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	c = resolve(t, in)
	assert.Equal(t, "FILEDEFAULT", c.AccessKey, "5b. default profile of the shared credentials file")

	t.Setenv("AWS_PROFILE", "dev")
	c = resolve(t, in)
	assert.Equal(t, "FILEDEV", c.AccessKey, "5c. AWS_PROFILE")
}

func TestCredentialsFromConfigFileAndToken(t *testing.T) {
	home := cleanCredentialEnv(t)
	other := filepath.Join(home, "elsewhere")
	writeFile(t, other, `
[profile ci]
aws_access_key_id = CONFIGKEY
aws_secret_access_key = config-secret
aws_session_token = config-token
`)
	t.Setenv("AWS_CONFIG_FILE", other)
	c := resolve(t, bench.CredentialOptions{Profile: "ci"})
	assert.Equal(t, "CONFIGKEY", c.AccessKey)
	assert.Equal(t, "config-token", c.SessionToken)
	assert.NotContains(t, c.String(), "config-secret")
}

func TestCredentialErrors(t *testing.T) {
	cleanCredentialEnv(t)
	ctx := context.Background()

	_, err := bench.ResolveCredentials(ctx, bench.CredentialOptions{AccessKey: "only"})
	assert.ErrorContains(t, err, "both an access key and a secret key")

	_, err = bench.ResolveCredentials(ctx, bench.CredentialOptions{Endpoints: []string{
		"http://A:a@h1:9000", "http://B:b@h2:9000",
	}})
	assert.ErrorContains(t, err, "different credentials")

	_, err = bench.ResolveCredentials(ctx, bench.CredentialOptions{Profile: "missing"})
	assert.ErrorContains(t, err, `profile "missing"`)

	t.Setenv(bench.EnvAccessKey, "half")
	_, err = bench.ResolveCredentials(ctx, bench.CredentialOptions{})
	assert.ErrorContains(t, err, "set both CAIRN_ACCESS_KEY and CAIRN_SECRET_KEY")
	os.Unsetenv(bench.EnvAccessKey)

	_, err = bench.ResolveCredentials(ctx, bench.CredentialOptions{})
	require.Error(t, err)
	for _, hint := range []string{"--access-key", "KEY:SECRET@", "CAIRN_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "--profile"} {
		assert.Contains(t, err.Error(), hint)
	}
}

func TestCredentialsSameURLTwice(t *testing.T) {
	cleanCredentialEnv(t)
	c := resolve(t, bench.CredentialOptions{Endpoints: []string{"http://A:a@h1:9000", "http://h2:9000", "http://A:a@h3:9000"}})
	assert.Equal(t, "A", c.AccessKey)
}
