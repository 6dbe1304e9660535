package replication_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/replication"
)

// isolateCredentialEnv clears what the SDK's chain reads, so the machine's own ~/.aws
// and variables never leak into a test.
func isolateCredentialEnv(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_EC2_METADATA_SERVICE_ENDPOINT"} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "no-credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "no-config"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// fakeIMDS serves the EC2 instance metadata service's IMDSv2 credential calls, since
// no real one exists here: a token, the role's name, the role's credentials.
func fakeIMDS(t *testing.T, ak, sk string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var credentialCalls atomic.Int64
	const token = "imds-session-token"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = w.Write([]byte(token))
		case r.Header.Get("X-Aws-Ec2-Metadata-Token") != token:
			http.Error(w, "no token", http.StatusUnauthorized)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			_, _ = w.Write([]byte("cairn-replicator\n"))
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/cairn-replicator":
			credentialCalls.Add(1)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": ak, "SecretAccessKey": sk,
				"Token": "", "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
				"LastUpdated": time.Now().UTC().Format(time.RFC3339),
			})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &credentialCalls
}

func TestCredentialsFromEverySourceReachThePeer(t *testing.T) {
	isolateCredentialEnv(t)
	peer := nodetest.Start(t)
	ak, sk := peer.RootCredentials()
	ctx := t.Context()

	// reaches asserts that a client built for the connection signs requests the peer
	// accepts: it creates a bucket named after the source and reads it back.
	reaches := func(t *testing.T, c meta.Connection, secret meta.ConnectionSecret, bucket string) {
		t.Helper()
		c.Name, c.Endpoint, c.Region = "peer", peer.S3URL(), "us-east-1"
		cl, err := replication.NewClient(ctx, c, secret)
		require.NoError(t, err)
		_, err = cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		require.NoError(t, err)
		_, err = cl.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		require.NoError(t, err)
	}

	t.Run("static", func(t *testing.T) {
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsStatic, AccessKeyID: ak}},
			meta.ConnectionSecret{SecretAccessKey: sk}, "from-static")
	})
	t.Run("URL-embedded", func(t *testing.T) {
		// meta splits the URL's user info into a static key and a sealed secret.
		cfg := nodetest.Start(t)
		ctxm := t.Context()
		stored, err := cfg.Meta().CreateConnection(ctxm, meta.ConnectionInput{Name: "peer",
			Endpoint: strings.Replace(peer.S3URL(), "http://", "http://"+ak+":"+sk+"@", 1)})
		require.NoError(t, err)
		secret, err := cfg.Meta().ConnectionSecret(ctxm, "peer")
		require.NoError(t, err)
		require.Equal(t, peer.S3URL(), stored.Endpoint)
		reaches(t, stored, secret, "from-url")
	})
	t.Run("environment", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", ak)
		t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsEnv}}, meta.ConnectionSecret{}, "from-env")
	})
	t.Run("environment unset", func(t *testing.T) {
		c := meta.Connection{Name: "peer", Endpoint: peer.S3URL(), Region: "us-east-1", Credentials: meta.ConnectionCredentials{Source: meta.CredentialsEnv}}
		cl, err := replication.NewClient(ctx, c, meta.ConnectionSecret{})
		require.NoError(t, err)
		_, err = cl.ListBuckets(ctx, &s3.ListBucketsInput{})
		require.ErrorIs(t, err, replication.ErrNoCredentials)
	})
	t.Run("shared file and profile", func(t *testing.T) {
		// The environment's keys are wrong: the named profile must win over them.
		t.Setenv("AWS_ACCESS_KEY_ID", "WRONGWRONGWRONG00000")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
		dir := t.TempDir()
		credFile := filepath.Join(dir, "credentials")
		require.NoError(t, os.WriteFile(credFile, []byte("[default]\naws_access_key_id = WRONGWRONGWRONG00000\naws_secret_access_key = wrong\n\n"+
			"[backup]\naws_access_key_id = "+ak+"\naws_secret_access_key = "+sk+"\n"), 0o600))
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsShared, Profile: "backup", CredentialsFile: credFile}},
			meta.ConnectionSecret{}, "from-shared")

		confFile := filepath.Join(dir, "config")
		require.NoError(t, os.WriteFile(confFile, []byte("[profile ops]\naws_access_key_id = "+ak+"\naws_secret_access_key = "+sk+"\n"), 0o600))
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsShared, Profile: "ops", ConfigFile: confFile}},
			meta.ConnectionSecret{}, "from-config")
	})
	t.Run("instance metadata", func(t *testing.T) {
		imds, calls := fakeIMDS(t, ak, sk)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsIMDS, IMDSEndpoint: imds.URL}},
			meta.ConnectionSecret{}, "from-imds")
		require.Positive(t, calls.Load(), "the credentials came from the metadata service")
	})
	t.Run("default chain", func(t *testing.T) {
		imds, calls := fakeIMDS(t, ak, sk)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "false")
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsDefault, IMDSEndpoint: imds.URL}},
			meta.ConnectionSecret{}, "from-chain-imds")
		require.Positive(t, calls.Load(), "with nothing else set, the chain ends at the metadata service")
		t.Setenv("AWS_ACCESS_KEY_ID", ak)
		t.Setenv("AWS_SECRET_ACCESS_KEY", sk)
		before := calls.Load()
		reaches(t, meta.Connection{Credentials: meta.ConnectionCredentials{Source: meta.CredentialsDefault, IMDSEndpoint: imds.URL}},
			meta.ConnectionSecret{}, "from-chain-env")
		require.Equal(t, before, calls.Load(), "the environment comes first in the chain")
	})
	t.Run("a wrong secret is refused", func(t *testing.T) {
		c := meta.Connection{Name: "peer", Endpoint: peer.S3URL(), Region: "us-east-1",
			Credentials: meta.ConnectionCredentials{Source: meta.CredentialsStatic, AccessKeyID: ak}}
		cl, err := replication.NewClient(ctx, c, meta.ConnectionSecret{SecretAccessKey: "wrong"})
		require.NoError(t, err)
		_, err = cl.ListBuckets(ctx, &s3.ListBucketsInput{})
		require.ErrorContains(t, err, "SignatureDoesNotMatch")
	})
}
