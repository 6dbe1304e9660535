package node_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

func start(t *testing.T, cfg node.Config) *node.Node {
	t.Helper()
	cfg.S3Addr, cfg.AdminAddr, cfg.RaftAddr, cfg.Logger = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", quietLogger()
	if cfg.NodeID == "" {
		cfg.NodeID = "n1"
	}
	n, err := node.Start(context.Background(), cfg)
	require.NoError(t, err)
	return n
}

func TestHealthEndpointsNeedNoAuthentication(t *testing.T) {
	n := start(t, node.Config{DataDir: t.TempDir()})
	defer n.Close()
	for _, path := range []string{"/health/live", "/health/ready"} {
		resp, err := http.Get(n.AdminURL() + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Contains(t, string(body), `"ok"`)
	}
}

func TestRootCredentialsAreGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	n := start(t, node.Config{DataDir: dir})
	access, secret := n.RootCredentials()
	require.True(t, n.GeneratedRoot())
	require.Len(t, access, 20)
	require.Len(t, secret, 40)
	require.NoError(t, n.Close())

	// The secret is not stored in clear anywhere under the data directory.
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(data), secret, path)
		return nil
	})
	require.NoError(t, err)

	again := start(t, node.Config{DataDir: dir})
	defer again.Close()
	require.False(t, again.GeneratedRoot())
	a2, s2 := again.RootCredentials()
	require.Equal(t, access, a2)
	require.Equal(t, secret, s2)
}

func TestConfiguredRootCredentialsReplaceStoredOnes(t *testing.T) {
	dir := t.TempDir()
	n := start(t, node.Config{DataDir: dir})
	require.NoError(t, n.Close())
	n = start(t, node.Config{DataDir: dir, RootAccessKey: "operator", RootSecretKey: "operator-secret"})
	defer n.Close()
	require.False(t, n.GeneratedRoot())
	a, s := n.RootCredentials()
	require.Equal(t, "operator", a)
	require.Equal(t, "operator-secret", s)
}

func TestBadConfigurationIsRefused(t *testing.T) {
	for _, cfg := range []node.Config{
		{},
		{DataDir: t.TempDir(), RootAccessKey: "only-access"},
		{DataDir: t.TempDir(), RootAccessKey: "ab", RootSecretKey: "long-enough"},
		{DataDir: t.TempDir(), RootAccessKey: "abc", RootSecretKey: "short"},
	} {
		_, err := node.Start(context.Background(), cfg)
		require.Error(t, err)
	}
}

func TestCloseWaitsForRequestsInFlight(t *testing.T) {
	n := start(t, node.Config{DataDir: t.TempDir(), RootAccessKey: "root", RootSecretKey: "root-secret"})
	signed := func(method, url string, body io.Reader, length int64) *http.Request {
		req, err := http.NewRequest(method, url, body)
		require.NoError(t, err)
		req.ContentLength = length
		req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
		creds := aws.Credentials{AccessKeyID: "root", SecretAccessKey: "root-secret"}
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()))
		return req
	}
	resp, err := http.DefaultClient.Do(signed(http.MethodPut, n.S3URL()+"/drain", nil, 0))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	// A PUT whose body is still arriving when Close begins. Expect: 100-continue makes
	// the server say when the handler starts reading the body, so the request is
	// certainly in flight (accepted and being served) before Close.
	addr := strings.TrimPrefix(n.S3URL(), "http://")
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	req := signed(http.MethodPut, n.S3URL()+"/drain/key", nil, 10)
	req.Header.Set("Expect", "100-continue")
	req.Header.Set("Content-Length", "10")
	var head strings.Builder
	head.WriteString("PUT /drain/key HTTP/1.1\r\nHost: " + addr + "\r\n")
	require.NoError(t, req.Header.Write(&head))
	head.WriteString("\r\n")
	_, err = conn.Write([]byte(head.String()))
	require.NoError(t, err)
	reader := bufio.NewReader(conn)
	status, err := reader.ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, status, "100 Continue")
	_, err = reader.ReadString('\n') // the blank line after the interim response
	require.NoError(t, err)
	_, err = conn.Write([]byte("12345"))
	require.NoError(t, err)

	closed := make(chan error, 1)
	go func() { closed <- n.Close() }()
	// Finish the body only once the node refuses new connections.
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 10*time.Millisecond)
	_, err = conn.Write([]byte("67890"))
	require.NoError(t, err)
	resp, err = http.ReadResponse(reader, req)
	require.NoError(t, err, "the request in flight got no response")
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, <-closed)
}
