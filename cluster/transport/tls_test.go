package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

// tap is a TCP proxy on 127.0.0.1 that forwards to target and records every byte it
// carries, both ways: what an observer on the network would see.
type tap struct {
	ln   net.Listener
	mu   sync.Mutex
	seen bytes.Buffer
}

func newTap(t *testing.T, target string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tap{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			go p.pipe(in, out)
			go p.pipe(out, in)
		}
	}()
	return p
}

func (p *tap) pipe(from, to net.Conn) {
	defer to.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.seen.Write(buf[:n])
			p.mu.Unlock()
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *tap) addr() string { return p.ln.Addr().String() }

func (p *tap) contains(s string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return bytes.Contains(p.seen.Bytes(), []byte(s))
}

func (p *tap) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen.Len()
}

// tlsEchoServer serves the echo handler behind Authenticate on a cluster-TLS listener.
func tlsEchoServer(t *testing.T, key []byte) string {
	t.Helper()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln, err := NewTLSListener(raw, key)
	require.NoError(t, err)
	srv := &http.Server{Handler: Authenticate(key, 1<<20, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(r.Body).Decode(&in)
		in["from"] = SenderNode(r)
		_ = json.NewEncoder(w).Encode(in)
	}))}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return raw.Addr().String()
}

const secretPayload = "the-object-payload-nobody-on-the-wire-may-read"

// TestRPCIsEncrypted sends a request and its answer through a tap: the payload
// arrives, but the bytes on the wire never hold it.
func TestRPCIsEncrypted(t *testing.T) {
	keys, _ := DeriveKeys("a cluster secret of some length")
	p := newTap(t, tlsEchoServer(t, keys.RPC))
	c, err := NewTLSClient(keys.RPC, "n1")
	require.NoError(t, err)
	var out map[string]string
	require.NoError(t, c.CallJSON(context.Background(), p.addr(), "/rpc/echo", map[string]string{"data": secretPayload}, &out))
	require.Equal(t, secretPayload, out["data"])
	require.Greater(t, p.size(), len(secretPayload)*2, "the tap saw the traffic")
	require.False(t, p.contains(secretPayload), "the payload crossed the wire in clear")
	require.False(t, p.contains("X-Cairn-Signature"), "HTTP headers crossed the wire in clear")
}

// TestRPCWrongSecretCannotConnect: a node with another secret fails the TLS
// handshake, and a plain-HTTP client gets nothing either.
func TestRPCWrongSecretCannotConnect(t *testing.T) {
	good, _ := DeriveKeys("a cluster secret of some length")
	bad, _ := DeriveKeys("another secret, also long enough")
	addr := tlsEchoServer(t, good.RPC)
	c, err := NewTLSClient(bad.RPC, "intruder")
	require.NoError(t, err)
	err = c.CallJSON(context.Background(), addr, "/rpc/echo", map[string]string{}, nil)
	require.Error(t, err)
	var remote *RemoteError
	require.False(t, errors.As(err, &remote), "the request must not reach the handler: %v", err)

	resp, err := (&http.Client{Timeout: 5 * time.Second}).Post("http://"+addr+"/rpc/echo", "application/json", strings.NewReader("{}"))
	if err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, "%s", body)
	}
}

// TestRaftIsEncrypted sends Raft bytes both ways through a tap.
func TestRaftIsEncrypted(t *testing.T) {
	server := newTestLayer(t, "the shared cluster secret")
	client := newTestLayer(t, "the shared cluster secret")
	p := newTap(t, server.Addr().String())
	conn, err := client.Dial(raft.ServerAddress(p.addr()), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	in := acceptOne(server, 5*time.Second)
	require.NotNil(t, in)
	defer in.Close()
	_, err = conn.Write([]byte(secretPayload))
	require.NoError(t, err)
	buf := make([]byte, len(secretPayload))
	_, err = io.ReadFull(in, buf)
	require.NoError(t, err)
	require.Equal(t, secretPayload, string(buf))
	_, err = in.Write([]byte(strings.ToUpper(secretPayload)))
	require.NoError(t, err)
	_, err = io.ReadFull(conn, buf)
	require.NoError(t, err)
	require.False(t, p.contains(secretPayload) || p.contains(strings.ToUpper(secretPayload)), "Raft bytes crossed the wire in clear")
}
