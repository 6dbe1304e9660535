package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// The admin API implements what it declares it needs from meta.
var _ admin.Metadata = (*meta.Meta)(nil)

// env is one in-process node and an admin client signed with its root credentials.
type env struct {
	t    *testing.T
	ctx  context.Context
	node *node.Node
	root *client.Client
}

func newEnv(t *testing.T, options ...func(*node.Config)) *env {
	t.Helper()
	n := nodetest.Start(t, options...)
	ak, sk := n.RootCredentials()
	return &env{t: t, ctx: context.Background(), node: n, root: newClient(t, n, ak, sk)}
}

// newClient is an admin client for n signed with the given key.
func newClient(t *testing.T, n *node.Node, accessKey, secretKey string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")})
	require.NoError(t, err)
	return c
}

// user creates a user with the given managed policy document (none when empty) and
// a key, and returns a client signed with that key and the key.
func (e *env) user(name, policyDoc string) (*client.Client, admin.AccessKey) {
	e.t.Helper()
	in := admin.CreateUserRequest{Name: name}
	if policyDoc != "" {
		_, err := e.root.PutPolicy(e.ctx, name+"-policy", []byte(policyDoc))
		require.NoError(e.t, err)
		in.Policies = []string{name + "-policy"}
	}
	_, err := e.root.CreateUser(e.ctx, in)
	require.NoError(e.t, err)
	k, err := e.root.CreateAccessKey(e.ctx, name)
	require.NoError(e.t, err)
	require.NotEmpty(e.t, k.SecretKey)
	return newClient(e.t, e.node, k.AccessKeyID, k.SecretKey), k
}

// s3Client is an aws-sdk-go-v2 S3 client for the node signed with the given key.
func (e *env) s3Client(accessKey, secretKey string) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(e.node.S3URL()),
		UsePathStyle: true,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
}

// raw sends a request to the admin address as is (signed when sign is set, with the
// root key and payloadHash) and returns the status, the headers and the body.
func (e *env) raw(method, path, body string, sign bool, payloadHash string) (int, http.Header, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.node.AdminURL()+path, strings.NewReader(body))
	require.NoError(e.t, err)
	if body == "" {
		req.Body = http.NoBody
	}
	if sign {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
		ak, sk := e.node.RootCredentials()
		err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).
			SignHTTP(e.ctx, aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, payloadHash, admin.Service, "us-east-1", time.Now())
		require.NoError(e.t, err)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, resp.Header, data
}

// requireError asserts that err is an admin API error with code and status.
func requireError(t *testing.T, err error, status int, code admin.Code) {
	t.Helper()
	require.Error(t, err)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, code, e.Code, e.Message)
	require.Equal(t, status, e.Status)
	require.NotEmpty(t, e.RequestID)
	require.NotEmpty(t, e.Message)
}

// requireJSONError asserts a raw answer is the JSON error {code, message, requestId}
// with the request id of the x-amz-request-id header.
func requireJSONError(t *testing.T, status int, h http.Header, body []byte, wantStatus int, code admin.Code) {
	t.Helper()
	require.Equal(t, wantStatus, status, string(body))
	require.Contains(t, h.Get("Content-Type"), "application/json")
	var e map[string]string
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.Equal(t, string(code), e["code"])
	require.NotEmpty(t, e["message"])
	require.Equal(t, h.Get("x-amz-request-id"), e["requestId"])
	require.NotEmpty(t, e["requestId"])
	require.Len(t, e, 3, "the error body has exactly code, message and requestId")
}

// adminAll is a policy that allows the whole admin API.
const adminAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"admin:*","Resource":"*"}]}`
