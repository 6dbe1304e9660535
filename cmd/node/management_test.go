package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/management"
)

const managementToken = "test-management-token-0123456789abcdef"

// mgmt calls a node's management API.
type mgmt struct {
	t    *testing.T
	base string // the admin URL
}

// call sends body (if any) to path with the token (unless token is "-") and returns
// the status and body.
func (m mgmt) call(method, path, body string, token ...string) (int, []byte) {
	m.t.Helper()
	req, err := http.NewRequest(method, m.base+path, strings.NewReader(body))
	require.NoError(m.t, err)
	tok := managementToken
	if len(token) > 0 {
		tok = token[0]
	}
	if tok != "-" {
		req.Header.Set("X-Auth-Token", tok)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(m.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(m.t, err)
	return resp.StatusCode, out
}

// userClient is an aws-sdk-go-v2 client with default settings, path style, signing
// with the given key.
func userClient(n *node.Node, id, secret string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(n.S3URL()),
		UsePathStyle: true,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
	})
}

// s3Code is the S3 error code of err.
func s3Code(t *testing.T, err error) string {
	t.Helper()
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "not an S3 error: %v", err)
	return api.ErrorCode()
}

func TestManagementAPIEndToEnd(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) {
		c.ManagementToken, c.AccountName = managementToken, "acme"
		c.ManagementRateLimit = 1000 // this test makes more calls than the default burst
	})
	api := mgmt{t, n.AdminURL()}
	ctx := context.Background()
	const prefix = "/v1/s3/acme"

	status, body := api.call(http.MethodGet, "/v1/s3/ping", "", "-")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "pong", string(body))

	// 403 without the token, 404 for another account, 400 for a malformed body.
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"app-data"}}`, "-")
	require.Equal(t, http.StatusForbidden, status)
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"app-data"}}`, "not-the-token")
	require.Equal(t, http.StatusForbidden, status)
	status, _ = api.call(http.MethodGet, "/v1/s3/cairn/buckets", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"Not_Valid"}}`)
	require.Equal(t, http.StatusBadRequest, status)
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":`)
	require.Equal(t, http.StatusBadRequest, status)

	// Create the bucket: 202 with the bucket, its policy and its group; again: 409.
	status, body = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"app-data"}}`)
	require.Equal(t, http.StatusAccepted, status, string(body))
	var created management.CreateBucketResponse
	require.NoError(t, json.Unmarshal(body, &created))
	require.Equal(t, "/app-data", created.Bucket)
	require.Equal(t, "app-data-BktAdmPlc", created.Policy.PolicyName)
	require.Equal(t, "app-data-BktAdmGrp", created.Group.GroupName)
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"app-data"}}`)
	require.Equal(t, http.StatusConflict, status)

	status, body = api.call(http.MethodGet, prefix+"/buckets", "")
	require.Equal(t, http.StatusOK, status)
	require.JSONEq(t, `["app-data"]`, string(body))
	status, _ = api.call(http.MethodHead, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = api.call(http.MethodHead, prefix+"/buckets/nothing-here", "")
	require.Equal(t, http.StatusNotFound, status)

	// Add a user: 200 with its key, shown this once; again: 409.
	status, body = api.call(http.MethodPost, prefix+"/buckets/app-data/users", `{"User":{"UserName":"billing-app"}}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var user management.CreateUserResponse
	require.NoError(t, json.Unmarshal(body, &user))
	key := user.AccessKey
	require.Equal(t, "billing-app", key.UserName)
	require.NotEmpty(t, key.SecretAccessKey)
	status, _ = api.call(http.MethodPost, prefix+"/buckets/app-data/users", `{"User":{"UserName":"billing-app"}}`)
	require.Equal(t, http.StatusConflict, status)

	// The key works with an SDK on the bucket.
	app := userClient(n, key.AccessKeyId, key.SecretAccessKey)
	_, err := app.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("app-data"), Key: aws.String("invoice.pdf"), Body: bytes.NewReader([]byte("%PDF"))})
	require.NoError(t, err)
	got, err := app.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("app-data"), Key: aws.String("invoice.pdf")})
	require.NoError(t, err)
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	require.Equal(t, "%PDF", string(data))

	// The user's details list its key id, never the secret.
	status, body = api.call(http.MethodGet, prefix+"/buckets/app-data/users/billing-app", "")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, string(body), key.SecretAccessKey)
	var info management.UserInfo
	require.NoError(t, json.Unmarshal(body, &info))
	require.Len(t, info.AccessKeys, 1)
	require.Equal(t, key.AccessKeyId, info.AccessKeys[0].AccessKeyId)
	require.Equal(t, "app-data-BktAdmGrp", info.Groups[0].GroupName)
	require.Equal(t, "app-data-BktAdmPlc", info.Policies[0].PolicyName)
	status, body = api.call(http.MethodGet, prefix+"/buckets/app-data/users", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `"UserName":"billing-app"`)

	// The bucket is not empty: GET says so and DELETE is refused.
	status, body = api.call(http.MethodGet, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `"Empty":false`)
	status, _ = api.call(http.MethodDelete, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusConflict, status)

	// The bookmark names the bucket on this node's S3 port and holds no key.
	status, body = api.call(http.MethodGet, prefix+"/buckets/app-data/duck", "")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), "<string>/app-data</string>")
	require.Contains(t, string(body), "<string>"+n.S3URL()[strings.LastIndex(n.S3URL(), ":")+1:]+"</string>")
	require.NotContains(t, string(body), key.AccessKeyId)
	require.NotContains(t, string(body), key.SecretAccessKey)

	// Reset the keys: the old key stops working, the new one works.
	status, body = api.call(http.MethodPut, prefix+"/buckets/app-data/users/billing-app", "")
	require.Equal(t, http.StatusOK, status, string(body))
	var reset management.ResetKeysResponse
	require.NoError(t, json.Unmarshal(body, &reset))
	require.Equal(t, []string{key.AccessKeyId}, reset.DeletedKeyIds)
	_, err = app.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("app-data"), Key: aws.String("invoice.pdf")})
	require.Error(t, err)
	require.Equal(t, "InvalidAccessKeyId", s3Code(t, err))
	app = userClient(n, reset.AccessKey.AccessKeyId, reset.AccessKey.SecretAccessKey)
	_, err = app.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("app-data"), Key: aws.String("invoice.pdf")})
	require.NoError(t, err)

	// Delete the user: its key stops working.
	status, body = api.call(http.MethodDelete, prefix+"/buckets/app-data/users/billing-app", "")
	require.Equal(t, http.StatusOK, status, string(body))
	_, err = app.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("app-data")})
	require.Error(t, err)
	require.Equal(t, "InvalidAccessKeyId", s3Code(t, err))
	status, _ = api.call(http.MethodGet, prefix+"/buckets/app-data/users/billing-app", "")
	require.Equal(t, http.StatusNotFound, status)

	// Delete the bucket, now empty: its policy and group go with it, and the name can
	// be used again.
	status, body = api.call(http.MethodDelete, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusOK, status, string(body))
	require.JSONEq(t, `{"Bucket":"/app-data","Users":[],"Policies":["app-data-BktAdmPlc"],"Groups":["app-data-BktAdmGrp"]}`, string(body))
	status, _ = api.call(http.MethodHead, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _ = api.call(http.MethodDelete, prefix+"/buckets/app-data", "")
	require.Equal(t, http.StatusNotFound, status)
	status, _ = api.call(http.MethodPost, prefix+"/buckets", `{"BucketInput":{"Bucket":"app-data"}}`)
	require.Equal(t, http.StatusAccepted, status)
}

func TestManagementUserIsConfinedToItsBucket(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) { c.ManagementToken = managementToken })
	api := mgmt{t, n.AdminURL()}
	ctx := context.Background()
	root := userClient(n, "TESTROOTACCESSKEY0001", "test-root-secret-key-0123456789abcdef")
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("payroll")})
	require.NoError(t, err)

	// The account defaults to the cluster name, "cairn".
	status, _ := api.call(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"web-assets"}}`)
	require.Equal(t, http.StatusAccepted, status)
	status, body := api.call(http.MethodPost, "/v1/s3/cairn/buckets/web-assets/users", `{"User":{"UserName":"cdn"}}`)
	require.Equal(t, http.StatusOK, status)
	var user management.CreateUserResponse
	require.NoError(t, json.Unmarshal(body, &user))
	app := userClient(n, user.AccessKey.AccessKeyId, user.AccessKey.SecretAccessKey)

	_, err = app.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("web-assets"), Key: aws.String("logo.svg"), Body: strings.NewReader("<svg/>")})
	require.NoError(t, err)
	_, err = app.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("payroll")})
	require.Error(t, err)
	require.Equal(t, "AccessDenied", s3Code(t, err))
	_, err = app.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("payroll"), Key: aws.String("x"), Body: strings.NewReader("x")})
	require.Error(t, err)
	require.Equal(t, "AccessDenied", s3Code(t, err))

	// A bucket made through S3 has no group: it has no management users.
	status, _ = api.call(http.MethodPost, "/v1/s3/cairn/buckets/payroll/users", `{"User":{"UserName":"intruder"}}`)
	require.Equal(t, http.StatusNotFound, status)
}

func TestManagementAPIRateLimit(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) {
		c.ManagementToken, c.ManagementRateLimit = managementToken, 0.01 // bursts of 1
	})
	req, err := http.NewRequest(http.MethodGet, n.AdminURL()+"/v1/s3/cairn/buckets", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", managementToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Contains(t, string(body), `"code":"TooManyRequests"`)
}

func TestManagementAPIIsOffWithoutToken(t *testing.T) {
	n := nodetest.Start(t)
	for _, path := range []string{"/v1/s3/ping", "/v1/s3/cairn/buckets"} {
		resp, err := http.Get(n.AdminURL() + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
}

func TestShortManagementTokenIsRefused(t *testing.T) {
	cfg := node.Config{DataDir: t.TempDir(), ManagementAPI: node.ManagementAPI{ManagementToken: "short"}}
	cfg.S3Addr, cfg.AdminAddr, cfg.RaftAddr, cfg.Logger = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", quietLogger()
	_, err := node.Start(context.Background(), cfg)
	require.ErrorContains(t, err, "16 characters")
}

func TestManagementRequestsAreAudited(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "audit.log")
	n := nodetest.Start(t, func(c *node.Config) {
		c.ManagementToken = managementToken
		c.AuditLog = logPath
	})
	m := mgmt{t: t, base: n.AdminURL()}
	status, body := m.call(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput": {"Bucket": "audited"}}`)
	require.Equal(t, http.StatusAccepted, status, string(body))
	status, _ = m.call(http.MethodGet, "/v1/s3/cairn/buckets", "", "wrong-token-wrong-token")
	require.Equal(t, http.StatusForbidden, status)

	var records []map[string]any
	require.Eventually(t, func() bool {
		data, err := os.ReadFile(logPath)
		if err != nil {
			return false
		}
		records = records[:0]
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["api"] == "management" {
				records = append(records, rec)
			}
		}
		return len(records) == 2
	}, 10*time.Second, 20*time.Millisecond)
	require.Equal(t, "POST /v1/s3/:account/buckets", records[0]["action"])
	require.Equal(t, "allow", records[0]["result"])
	require.Equal(t, float64(http.StatusAccepted), records[0]["status"])
	require.Equal(t, "deny", records[1]["result"])
	data, _ := os.ReadFile(logPath)
	require.NotContains(t, string(data), managementToken)
}

// A bucket created with a lifecycle preset has the preset's rules, as the S3 API
// reads them back.
func TestManagementLifecyclePreset(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) { c.ManagementToken, c.AccountName = managementToken, "acme" })
	api := mgmt{t, n.AdminURL()}
	status, body := api.call(http.MethodPost, "/v1/s3/acme/buckets", `{"BucketInput":{"Bucket":"versions"},"Lifecycle":"expire-noncurrent-30d"}`)
	require.Equal(t, http.StatusAccepted, status, string(body))
	ak, sk := n.RootCredentials()
	out, err := userClient(n, ak, sk).GetBucketLifecycleConfiguration(context.Background(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("versions")})
	require.NoError(t, err)
	require.Len(t, out.Rules, 2)
	require.Equal(t, int32(30), *out.Rules[0].NoncurrentVersionExpiration.NoncurrentDays)
	require.Equal(t, int32(7), *out.Rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation)
	require.True(t, *out.Rules[1].Expiration.ExpiredObjectDeleteMarker)

	status, body = api.call(http.MethodPost, "/v1/s3/acme/buckets", `{"BucketInput":{"Bucket":"cold"},"Lifecycle":"deep-archive"}`)
	require.Equal(t, http.StatusBadRequest, status, string(body))
}
