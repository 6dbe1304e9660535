package transport

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func echoServer(t *testing.T, key []byte) string {
	t.Helper()
	srv := httptest.NewServer(Authenticate(key, 1<<20, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		in["from"] = SenderNode(r)
		_ = json.NewEncoder(w).Encode(in)
	})))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestSignedRequestsPass(t *testing.T) {
	keys, err := DeriveKeys("a cluster secret of some length")
	require.NoError(t, err)
	addr := echoServer(t, keys.RPC)
	var out map[string]string
	require.NoError(t, NewClient(keys.RPC, "n1", nil).CallJSON(context.Background(), addr, "/rpc/echo?x=1", map[string]string{"a": "b"}, &out))
	require.Equal(t, map[string]string{"a": "b", "from": "n1"}, out)
}

func TestWrongSecretIsRejected(t *testing.T) {
	good, _ := DeriveKeys("a cluster secret of some length")
	bad, _ := DeriveKeys("another secret, also long enough")
	addr := echoServer(t, good.RPC)
	err := NewClient(bad.RPC, "intruder", nil).CallJSON(context.Background(), addr, "/rpc/echo", map[string]string{}, nil)
	var remote *RemoteError
	require.True(t, errors.As(err, &remote), "%v", err)
	require.Equal(t, http.StatusUnauthorized, remote.Status)
}

func TestUnsignedAndTamperedRequestsAreRejected(t *testing.T) {
	keys, _ := DeriveKeys("a cluster secret of some length")
	addr := echoServer(t, keys.RPC)
	resp, err := http.Post("http://"+addr+"/rpc/echo", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// A signed request whose body is replaced in transit.
	c := NewClient(keys.RPC, "n1", &http.Client{Transport: rewriteBody{}})
	_, err = c.Do(context.Background(), http.MethodPost, addr, "/rpc/echo", []byte(`{"a":"b"}`))
	var remote *RemoteError
	require.True(t, errors.As(err, &remote), "%v", err)
	require.Equal(t, "BadDigest", remote.Code)
}

type rewriteBody struct{}

func (rewriteBody) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Body = io.NopCloser(strings.NewReader(`{"a":"x"}`))
	return http.DefaultTransport.RoundTrip(r)
}

func TestShortSecretIsRefused(t *testing.T) {
	_, err := DeriveKeys("too short")
	require.ErrorIs(t, err, ErrWeakSecret)
	a, _ := DeriveKeys("0123456789abcdef")
	require.NotEqual(t, a.RPC, a.Raft)
	require.NotEqual(t, a.Gossip, a.Secrets)
}
