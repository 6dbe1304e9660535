package gate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
)

func TestDecodeJSON(t *testing.T) {
	type inner struct{ B string }
	type doc struct {
		Name  string
		Inner inner
		List  []inner
	}
	var d doc
	require.NoError(t, DecodeJSON([]byte(`{"Name":"a","Inner":{"B":"x"},"List":[{"B":"1"},{"B":"2"}]}`), &d))
	require.Equal(t, "a", d.Name)
	for name, body := range map[string]string{
		"duplicate":             `{"Name":"a","Name":"b"}`,
		"duplicate in case":     `{"Name":"a","name":"b"}`,
		"nested duplicate":      `{"Inner":{"B":"x","B":"y"}}`,
		"duplicate in an array": `{"List":[{"B":"1","B":"2"}]}`,
		"unknown field":         `{"Colour":"red"}`,
		"two values":            `{} {}`,
		"empty":                 ` `,
		"not JSON":              `{"Name":`,
	} {
		require.Error(t, DecodeJSON([]byte(body), &doc{}), name)
	}
	// The same key in sibling objects is fine.
	require.NoError(t, DecodeJSON([]byte(`{"List":[{"B":"1"},{"B":"2"}],"Inner":{"B":"3"}}`), &doc{}))
}

// fakeCreds holds one key.
type fakeCreds struct{}

const testKey, testSecret = "AKIDTEST", "test-secret-0123456789"

func (fakeCreds) AccessKey(_ context.Context, id string) (meta.AccessKey, error) {
	if id != testKey {
		return meta.AccessKey{}, meta.ErrNoSuchAccessKey
	}
	return meta.AccessKey{ID: testKey, Secret: testSecret, User: "alice"}, nil
}

func (fakeCreds) Principal(_ context.Context, id string) (meta.Principal, error) {
	if id != testKey {
		return meta.Principal{}, meta.ErrNoSuchAccessKey
	}
	return meta.Principal{User: "alice", AccessKeyID: testKey}, nil
}

// signedRequest is a request signed for service with the SHA-256 of signed, carrying
// the body sent.
func signedRequest(t *testing.T, service string, signed, sent []byte) *http.Request {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://example.com/b?delete", bytes.NewReader(sent))
	sum := sha256.Sum256(signed)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	require.NoError(t, signer.SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, req, hash, service, "us-east-1", time.Now()))
	return req
}

func newGate(t *testing.T, service string) *Gate {
	t.Helper()
	g, err := New(Config{API: "test", Service: service}, fakeCreds{})
	require.NoError(t, err)
	return g
}

func TestReadBodyVerifies(t *testing.T) {
	g := newGate(t, S3Service)
	body := []byte("<Delete><Object><Key>a</Key></Object></Delete>")

	req := g.Begin(httptest.NewRecorder(), signedRequest(t, S3Service, body, body))
	require.NoError(t, g.Authenticate(req))
	got, err := req.ReadBody(1 << 10)
	require.NoError(t, err)
	require.Equal(t, body, got)
	require.Equal(t, "AWS4-HMAC-SHA256", req.Caller.SignatureVersion())

	tampered := bytes.Replace(body, []byte(">a<"), []byte(">b<"), 1)
	req = g.Begin(httptest.NewRecorder(), signedRequest(t, S3Service, body, tampered))
	require.NoError(t, g.Authenticate(req))
	_, err = req.ReadBody(1 << 10)
	require.True(t, s3err.HasCode(err, s3err.XAmzContentSHA256Mismatch), "%v", err)

	// A raw read of the request's Body is verified too: the gate replaced it.
	req = g.Begin(httptest.NewRecorder(), signedRequest(t, S3Service, body, tampered))
	require.NoError(t, g.Authenticate(req))
	var buf bytes.Buffer
	_, err = buf.ReadFrom(req.HTTP.Body)
	require.True(t, s3err.HasCode(err, s3err.XAmzContentSHA256Mismatch), "%v", err)

	req = g.Begin(httptest.NewRecorder(), signedRequest(t, S3Service, body, body))
	require.NoError(t, g.Authenticate(req))
	_, err = req.ReadBody(10)
	require.True(t, errors.Is(err, ErrBodyTooLarge), "%v", err)
}

func TestSignatureIsBoundToTheSurface(t *testing.T) {
	admin := newGate(t, AdminService)
	s3 := newGate(t, S3Service)
	body := []byte(`{}`)
	req := admin.Begin(httptest.NewRecorder(), signedRequest(t, S3Service, body, body))
	err := admin.Authenticate(req)
	require.True(t, s3err.HasCode(err, s3err.AuthorizationHeaderMalformed), "%v", err)
	require.True(t, strings.Contains(err.Error(), "cairn-admin"), "%v", err)

	req = s3.Begin(httptest.NewRecorder(), signedRequest(t, AdminService, body, body))
	err = s3.Authenticate(req)
	require.True(t, s3err.HasCode(err, s3err.AuthorizationHeaderMalformed), "%v", err)

	req = admin.Begin(httptest.NewRecorder(), signedRequest(t, AdminService, body, body))
	require.NoError(t, admin.Authenticate(req))
	require.Equal(t, "alice", req.Caller.Principal.User)
}
