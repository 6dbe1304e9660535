package s3api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// env is one in-process node and an aws-sdk-go-v2 client for it with default settings
// (checksums on), path-style addressing and the root credentials.
type env struct {
	t    *testing.T
	node *node.Node
	s3   *s3.Client
	ctx  context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	n := nodetest.Start(t)
	return &env{t: t, node: n, s3: sdkClient(n, ""), ctx: context.Background()}
}

// sdkClient returns an aws-sdk-go-v2 client for the node; secret overrides the root
// secret when not empty.
func sdkClient(n *node.Node, secret string, opts ...func(*s3.Options)) *s3.Client {
	access, rootSecret := n.RootCredentials()
	if secret == "" {
		secret = rootSecret
	}
	base := []func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(n.S3URL())
		o.UsePathStyle = true
		o.Region = "us-east-1"
		o.Credentials = credentials.NewStaticCredentialsProvider(access, secret, "")
	}}
	return s3.New(s3.Options{}, append(base, opts...)...)
}

// bucket creates a bucket with a name unique to the test.
func (e *env) bucket(name string) string {
	e.t.Helper()
	_, err := e.s3.CreateBucket(e.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	require.NoError(e.t, err)
	return name
}

// put stores data under bucket/key.
func (e *env) put(bucket, key string, data []byte) *s3.PutObjectOutput {
	e.t.Helper()
	out, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
	require.NoError(e.t, err)
	return out
}

// get reads bucket/key whole.
func (e *env) get(bucket, key string) []byte {
	e.t.Helper()
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(e.t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(e.t, err)
	return data
}

// requireCode asserts that err is an S3 error with the given code.
func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr), "not an API error: %v", err)
	require.Equal(t, code, apiErr.ErrorCode(), "message: %s", apiErr.ErrorMessage())
}

// randomBytes returns n bytes from a seeded generator.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			out[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n - n%8; i < n; i++ {
		out[i] = byte(r.Uint32())
	}
	return out
}

func sha(data []byte) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

// sign signs a raw request with SigV4 at time at, with the root key or the given secret.
func (e *env) sign(req *http.Request, body []byte, at time.Time, secret string) {
	e.t.Helper()
	access, rootSecret := e.node.RootCredentials()
	if secret == "" {
		secret = rootSecret
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("x-amz-content-sha256", hash)
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	err := v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, hash, "s3", "us-east-1", at)
	require.NoError(e.t, err)
}

// signedResponse signs req now with the root key and sends it.
func (e *env) signedResponse(req *http.Request, body []byte) *http.Response {
	e.t.Helper()
	e.sign(req, body, time.Now(), "")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// signedDo signs and sends req, requires a 2xx answer and returns the body.
func (e *env) signedDo(req *http.Request, body []byte) string {
	e.t.Helper()
	resp := e.signedResponse(req, body)
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	require.Less(e.t, resp.StatusCode, 300, string(data))
	return string(data)
}

// errorCode reads the S3 error code from an error response body.
func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	var body struct {
		Code string `xml:"Code"`
	}
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &body), string(data))
	return body.Code
}

func v4Signer() *v4.Signer {
	return v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
}

func readAll(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
