package transport

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

func newTestLayer(t *testing.T, secret string) *RaftLayer {
	t.Helper()
	keys, err := DeriveKeys(secret)
	require.NoError(t, err)
	l, err := NewRaftLayer(RaftLayerConfig{BindAddr: "127.0.0.1:0", Key: keys.Raft, HandshakeTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// acceptOne returns the next connection Accept hands out, or nil after wait.
func acceptOne(l *RaftLayer, wait time.Duration) net.Conn {
	got := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			c = nil
		}
		got <- c
	}()
	select {
	case c := <-got:
		return c
	case <-time.After(wait):
		return nil
	}
}

func TestRaftLayerSameKeyConnects(t *testing.T) {
	server := newTestLayer(t, "the shared cluster secret")
	client := newTestLayer(t, "the shared cluster secret")

	conn, err := client.Dial(raft.ServerAddress(server.Addr().String()), time.Second)
	require.NoError(t, err)
	defer conn.Close()
	in := acceptOne(server, 5*time.Second)
	require.NotNil(t, in, "the authenticated connection is accepted")
	defer in.Close()

	// Bytes flow both ways after the handshake, with no deadline left behind.
	_, err = conn.Write([]byte("ping"))
	require.NoError(t, err)
	buf := make([]byte, 4)
	_, err = io.ReadFull(in, buf)
	require.NoError(t, err)
	require.Equal(t, "ping", string(buf))
	_, err = in.Write([]byte("pong"))
	require.NoError(t, err)
	_, err = io.ReadFull(conn, buf)
	require.NoError(t, err)
	require.Equal(t, "pong", string(buf))
}

func TestRaftLayerWrongKeyFails(t *testing.T) {
	server := newTestLayer(t, "the shared cluster secret")
	intruder := newTestLayer(t, "a different secret entirely")

	_, err := intruder.Dial(raft.ServerAddress(server.Addr().String()), time.Second)
	require.ErrorIs(t, err, ErrHandshake)
	require.Nil(t, acceptOne(server, 300*time.Millisecond), "nothing reaches Accept")

	// The other direction: a good node dialling an impostor's listener refuses it.
	_, err = server.Dial(raft.ServerAddress(intruder.Addr().String()), time.Second)
	require.ErrorIs(t, err, ErrHandshake)
}

func TestRaftLayerDropsGarbageAndSilence(t *testing.T) {
	server := newTestLayer(t, "the shared cluster secret")
	addr := server.Addr().String()

	// Garbage: the connection is closed by the server.
	raw, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = raw.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n and then some more bytes"))
	require.NoError(t, err)
	requireClosedByPeer(t, raw)

	// A right-looking hello followed by a forged proof.
	raw, err = net.Dial("tcp", addr)
	require.NoError(t, err)
	_, err = raw.Write(append([]byte(raftMagic), make([]byte, nonceSize)...))
	require.NoError(t, err)
	challenge := make([]byte, nonceSize+32)
	_, err = io.ReadFull(raw, challenge)
	require.NoError(t, err)
	_, err = raw.Write(make([]byte, 32))
	require.NoError(t, err)
	require.NoError(t, raw.SetReadDeadline(time.Now().Add(5*time.Second)))
	rest, err := io.ReadAll(raw)
	require.NoError(t, err)
	require.Empty(t, rest, "no acceptance byte for a forged proof")
	raw.Close()

	// Silence: the handshake deadline closes the connection.
	raw, err = net.Dial("tcp", addr)
	require.NoError(t, err)
	requireClosedByPeer(t, raw) // after the handshake timeout

	require.Nil(t, acceptOne(server, 100*time.Millisecond))
	// The layer still serves good peers.
	client := newTestLayer(t, "the shared cluster secret")
	conn, err := client.Dial(raft.ServerAddress(addr), time.Second)
	require.NoError(t, err)
	conn.Close()
}

// requireClosedByPeer reads c until the peer closes it (EOF or reset), failing if
// the read times out instead: the peer left the connection hanging.
func requireClosedByPeer(t *testing.T, c net.Conn) {
	t.Helper()
	defer c.Close()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := io.ReadAll(c)
	var ne net.Error
	require.False(t, errors.As(err, &ne) && ne.Timeout(), "the peer did not close the connection: %v", err)
}

func TestRaftLayerRefusesUnadvertisableAddress(t *testing.T) {
	keys, _ := DeriveKeys("the shared cluster secret")
	_, err := NewRaftLayer(RaftLayerConfig{BindAddr: "0.0.0.0:0", Key: keys.Raft})
	require.ErrorContains(t, err, "advertise")
	l, err := NewRaftLayer(RaftLayerConfig{BindAddr: "0.0.0.0:0", Advertise: "127.0.0.1:7947", Key: keys.Raft})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7947", l.Addr().String())
	require.NoError(t, l.Close())
	l, err = NewRaftLayer(RaftLayerConfig{BindAddr: "0.0.0.0:0", Advertise: "127.0.0.1", Key: keys.Raft})
	require.NoError(t, err)
	require.Equal(t, l.BoundAddr().(*net.TCPAddr).Port, l.Addr().(*net.TCPAddr).Port, "a host alone keeps the bound port")
	require.NoError(t, l.Close())
}
