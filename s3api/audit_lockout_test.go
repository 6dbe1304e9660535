package s3api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/lockout"
)

// startEnv is newEnv with node options.
func startEnv(t *testing.T, options ...func(*node.Config)) *env {
	t.Helper()
	n := nodetest.Start(t, options...)
	return &env{t: t, node: n, s3: sdkClient(n, "", func(o *s3.Options) { o.RetryMaxAttempts = 1 }), ctx: context.Background()}
}

// signedAs sends a GET of path signed with the given credentials, as forwarded for
// client ip by a trusted proxy, and returns the status and the error code.
func (e *env) signedAs(path, ip, access, secret string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+path, nil)
	require.NoError(e.t, err)
	req.Header.Set("x-amz-content-sha256", emptySHA256)
	err = v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, emptySHA256, "s3", "us-east-1", time.Now())
	require.NoError(e.t, err)
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	if resp.StatusCode == http.StatusServiceUnavailable {
		require.NotEmpty(e.t, resp.Header.Get("Retry-After"))
	}
	return resp.StatusCode, errorCode(e.t, resp)
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// eventually polls cond until it holds, failing after 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestFailedAuthenticationLockout(t *testing.T) {
	e := startEnv(t, func(c *node.Config) {
		c.TrustedProxies = 1
		c.AuthLockout = lockout.Config{MaxFailures: 3, MaxAddressFailures: 5, Window: time.Minute, Duration: 300 * time.Millisecond}
	})
	e.bucket("locked")
	rootID, rootSecret := e.node.RootCredentials()
	const attacker, bystander = "203.0.113.1", "198.51.100.2"

	// Guessing many keys from one address locks the address out...
	for _, guess := range []string{"GUESS1", "GUESS2", "GUESS3", "GUESS4", "GUESS5"} {
		status, code := e.signedAs("/locked", attacker, guess, "secret-guess")
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, "InvalidAccessKeyId", code)
	}
	status, code := e.signedAs("/locked", attacker, rootID, rootSecret)
	require.Equal(t, http.StatusServiceUnavailable, status, "even good credentials, so a lockout reveals nothing")
	require.Equal(t, "SlowDown", code)
	// ...and no other address.
	status, _ = e.signedAs("/locked", bystander, rootID, rootSecret)
	require.Equal(t, http.StatusOK, status)
	// The lockout ends.
	eventually(t, "the address is let in again", func() bool {
		status, _ := e.signedAs("/locked", attacker, rootID, rootSecret)
		return status == http.StatusOK
	})
}

// TestLockoutIsPerAddress: bad signatures naming a key (its id is public) lock that
// key out only at the address they came from; its owner elsewhere, root included,
// keeps working.
func TestLockoutIsPerAddress(t *testing.T) {
	e := startEnv(t, func(c *node.Config) {
		c.TrustedProxies = 1
		c.AuthLockout = lockout.Config{MaxFailures: 3, MaxAddressFailures: 50, Window: time.Minute, Duration: time.Hour}
	})
	e.bucket("locked")
	rootID, rootSecret := e.node.RootCredentials()
	require.NoError(t, e.node.Meta().PutPolicy(e.ctx, "all", []byte(`[{"bucket":"*","actions":["all"]}]`)))
	require.NoError(t, e.node.Meta().CreateUser(e.ctx, meta.UserInput{Name: "victim", Policies: []string{"all"}}))
	k, err := e.node.Meta().CreateAccessKey(e.ctx, "victim")
	require.NoError(t, err)

	const attacker, owner = "203.0.113.9", "192.0.2.4"
	for _, key := range []string{k.ID, rootID} {
		for range 3 {
			status, code := e.signedAs("/locked", attacker, key, "wrong-secret")
			require.Equal(t, http.StatusForbidden, status)
			require.Equal(t, "SignatureDoesNotMatch", code)
		}
		status, code := e.signedAs("/locked", attacker, key, "wrong-secret")
		require.Equal(t, http.StatusServiceUnavailable, status, "the key is locked at the attacker's address")
		require.Equal(t, "SlowDown", code)
	}
	status, _ := e.signedAs("/locked", owner, k.ID, k.Secret)
	require.Equal(t, http.StatusOK, status, "the key's owner at another address is not locked out")
	status, _ = e.signedAs("/locked", owner, rootID, rootSecret)
	require.Equal(t, http.StatusOK, status, "nor is root")
	status, _ = e.signedAs("/locked", attacker, k.ID, k.Secret)
	require.Equal(t, http.StatusServiceUnavailable, status, "at the attacker's address the key stays locked, right secret or not")
}

// readAudit parses every line of the audit log strictly: one record per line.
func readAudit(t *testing.T, path string) []audit.Record {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []audit.Record
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r audit.Record
		require.NoError(t, dec.Decode(&r), "%q", sc.Text())
		require.False(t, dec.More(), "one record per line: %q", sc.Text())
		out = append(out, r)
	}
	return out
}

func TestAuditLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	e := startEnv(t, func(c *node.Config) { c.AuditLog = path })
	rootID, rootSecret := e.node.RootCredentials()
	// records waits for the log to hold n records (a record is written as its
	// response ends) and returns them.
	records := func(n int) []audit.Record {
		t.Helper()
		var recs []audit.Record
		eventually(t, "the audit log has the records", func() bool {
			recs = readAudit(t, path)
			return len(recs) >= n
		})
		require.Len(t, recs, n, "one record per request")
		return recs
	}

	e.bucket("audited")
	recs := records(1)
	require.Equal(t, "CreateBucket", recs[0].Action)

	forged := "a\n{\"action\":\"forged\",\"result\":\"allow\"}\u2028\u0085x"
	out := e.put("audited", forged, []byte("data"))
	rec := records(2)[1]
	requestID, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	require.True(t, ok)
	require.Equal(t, audit.Record{
		Time: rec.Time, RequestID: requestID, API: "s3", Action: "PutObject", Bucket: "audited", Key: forged,
		User: "root", AccessKey: rootID, Result: audit.ResultAllow, Status: http.StatusOK,
		ClientIP: "127.0.0.1", UserAgent: rec.UserAgent, Node: "test-node",
	}, rec)
	require.Contains(t, rec.UserAgent, "aws-sdk-go-v2")
	require.WithinDuration(t, time.Now(), rec.Time, time.Minute)

	_, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String("audited"), Key: aws.String("missing")})
	requireCode(t, err, "NoSuchKey")
	rec = records(3)[2]
	require.Equal(t, "GetObject", rec.Action)
	require.Equal(t, audit.ResultError, rec.Result)
	require.Equal(t, http.StatusNotFound, rec.Status)
	require.Equal(t, "NoSuchKey", rec.ErrorCode)

	resp, err := http.Get(e.node.S3URL() + "/audited/x")
	require.NoError(t, err)
	resp.Body.Close()
	rec = records(4)[3]
	require.Equal(t, audit.ResultDeny, rec.Result)
	require.Equal(t, http.StatusForbidden, rec.Status)
	require.Equal(t, "AccessDenied", rec.ErrorCode)
	require.Empty(t, rec.User)

	wrong := sdkClient(e.node, "wrong-secret-wrong-secret", func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	_, err = wrong.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String("audited")})
	requireCode(t, err, "SignatureDoesNotMatch")
	rec = records(5)[4]
	require.Equal(t, "ListObjectsV2", rec.Action)
	require.Equal(t, audit.ResultDeny, rec.Result)
	require.Equal(t, "SignatureDoesNotMatch", rec.ErrorCode)
	require.Equal(t, rootID, rec.AccessKey, "the key the request claimed")
	require.Empty(t, rec.User, "not authenticated")

	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String("audited")})
	require.NoError(t, err)
	rec = records(6)[5]
	require.Equal(t, "HeadBucket", rec.Action, "no record was left over")

	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, secret := range []string{rootSecret, "wrong-secret-wrong-secret", "Signature=", "AWS4-HMAC-SHA256", "\u2028", "\u0085"} {
		require.NotContains(t, string(data), secret)
	}
	require.Equal(t, 6, strings.Count(string(data), "\n"))
}
