package transport

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The Raft handshake. Every connection starts with it, before any Raft byte:
//
//	dialer → listener: raftMagic, nonce_d (32 bytes)
//	listener → dialer: nonce_l (32 bytes), HMAC(key, "listener", nonce_d, nonce_l)
//	dialer → listener: HMAC(key, "dialer", nonce_d, nonce_l)
//	listener → dialer: raftAccepted
//
// Both sides prove that they hold Keys.Raft over nonces that include one of their
// peer's choosing, so a recorded handshake cannot be replayed, and the role label
// keeps one side's proof from being reflected as the other's. Any mismatch closes the
// connection. Then both sides run mutual TLS 1.3 over the connection with the
// cluster's derived certificates (tls.go), within the same deadline, and all of
// Raft's traffic goes through it, encrypted.
const (
	raftMagic    = "CAIRN-RAFT-1\n"
	nonceSize    = 32
	raftAccepted = 0x01
	// DefaultHandshakeTimeout bounds a whole handshake, on each side.
	DefaultHandshakeTimeout = 5 * time.Second
	// pendingHandshakes bounds how many accepted connections may be mid-handshake at
	// once; further ones are closed at once, so a flood of idle connections cannot
	// exhaust the process.
	pendingHandshakes = 256
)

// ErrHandshake is returned by Dial when the peer does not prove the cluster key, or
// rejects ours.
var ErrHandshake = errors.New("transport: raft handshake failed (is CAIRN_CLUSTER_SECRET the same on every node?)")

// RaftLayer is a raft.StreamLayer over TCP whose connections are authenticated with
// Keys.Raft by a mutual challenge-response handshake. Accept returns only connections
// that completed it; Dial fails with ErrHandshake if the peer does not hold the key.
type RaftLayer struct {
	ln        net.Listener
	advertise net.Addr
	key       []byte
	tls       *ClusterTLS
	timeout   time.Duration
	log       *slog.Logger

	conns chan net.Conn // authenticated incoming connections
	slots chan struct{} // one token per handshake in progress
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup

	mu      sync.Mutex
	pending map[net.Conn]struct{} // connections in their handshake, closed by Close
}

var _ raft.StreamLayer = (*RaftLayer)(nil)

// RaftLayerConfig configures a RaftLayer.
type RaftLayerConfig struct {
	// BindAddr is the TCP address to listen on ("host:port"; port 0 picks a free one).
	BindAddr string
	// Advertise is the address other nodes dial and the address Raft stores in its
	// configuration: "host:port", or a host alone to keep the bound port. Default:
	// the bound address, which must then not be unspecified (0.0.0.0 or ::).
	Advertise string
	// Key is Keys.Raft. Required (at least 16 bytes).
	Key []byte
	// HandshakeTimeout bounds a handshake. Default DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// Logger gets rejected handshakes at debug level (component "raft_layer").
	// Default slog.Default().
	Logger *slog.Logger
}

// NewRaftLayer listens on cfg.BindAddr and starts authenticating incoming connections.
func NewRaftLayer(cfg RaftLayerConfig) (*RaftLayer, error) {
	if len(cfg.Key) < 16 {
		return nil, errors.New("transport: the raft layer needs a key of at least 16 bytes")
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ctls, err := NewClusterTLS(cfg.Key, "raft")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.BindAddr)
	if err != nil {
		return nil, fmt.Errorf("transport: raft listener: %w", err)
	}
	var advertise net.Addr = ln.Addr()
	if cfg.Advertise != "" {
		target := cfg.Advertise
		if _, _, err := net.SplitHostPort(target); err != nil { // a host alone: the bound port
			target = net.JoinHostPort(target, strconv.Itoa(ln.Addr().(*net.TCPAddr).Port))
		}
		if advertise, err = net.ResolveTCPAddr("tcp", target); err != nil {
			ln.Close()
			return nil, fmt.Errorf("transport: raft advertise address %q: %w", cfg.Advertise, err)
		}
	}
	if tcp, ok := advertise.(*net.TCPAddr); !ok || tcp.IP == nil || tcp.IP.IsUnspecified() {
		ln.Close()
		return nil, fmt.Errorf("transport: raft address %s cannot be advertised to other nodes: set an advertise address", advertise)
	}
	l := &RaftLayer{
		ln:        ln,
		advertise: advertise,
		key:       append([]byte(nil), cfg.Key...),
		tls:       ctls,
		timeout:   cfg.HandshakeTimeout,
		log:       cfg.Logger.With("component", "raft_layer"),
		conns:     make(chan net.Conn),
		slots:     make(chan struct{}, pendingHandshakes),
		done:      make(chan struct{}),
		pending:   map[net.Conn]struct{}{},
	}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// acceptLoop accepts raw connections and authenticates each in its own goroutine, so
// a slow or silent peer holds up no one else.
func (l *RaftLayer) acceptLoop() {
	defer l.wg.Done()
	var delay time.Duration
	for {
		c, err := l.ln.Accept()
		if err != nil {
			select {
			case <-l.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			l.log.Error("raft listener failed", "error", err)
			return
		}
		delay = 0
		select {
		case l.slots <- struct{}{}:
		default:
			l.log.Warn("too many raft handshakes in progress; dropping a connection", "remote_addr", c.RemoteAddr())
			c.Close()
			continue
		}
		l.wg.Add(1)
		go l.serveHandshake(c)
	}
}

// isTemporary reports errors like EMFILE after which Accept may work again.
func isTemporary(err error) bool {
	t, ok := err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// serveHandshake runs the listener's side of the handshake on c and hands c to Accept
// on success, or closes it.
func (l *RaftLayer) serveHandshake(c net.Conn) {
	defer l.wg.Done()
	if !l.track(c, true) {
		c.Close()
		<-l.slots
		return
	}
	tc, err := l.listenerHandshake(c)
	l.track(c, false)
	<-l.slots
	if err != nil {
		l.log.Debug("raft connection rejected", "remote_addr", c.RemoteAddr(), "error", err)
		c.Close()
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		c.Close()
	}
}

// listenerHandshake runs the listener's side of the handshake and then TLS, and
// returns the encrypted connection.
func (l *RaftLayer) listenerHandshake(c net.Conn) (net.Conn, error) {
	if err := c.SetDeadline(time.Now().Add(l.timeout)); err != nil {
		return nil, err
	}
	if err := l.listenerProof(c); err != nil {
		return nil, err
	}
	tc := tls.Server(c, l.tls.server)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return tc, c.SetDeadline(time.Time{})
}

// listenerProof is the listener's side of the challenge-response, within c's deadline.
func (l *RaftLayer) listenerProof(c net.Conn) error {
	hello := make([]byte, len(raftMagic)+nonceSize)
	if _, err := io.ReadFull(c, hello); err != nil {
		return fmt.Errorf("read hello: %w", err)
	}
	if !bytes.Equal(hello[:len(raftMagic)], []byte(raftMagic)) {
		return errors.New("not a cairn raft connection")
	}
	dialerNonce := hello[len(raftMagic):]
	ownNonce := newNonce()
	if _, err := c.Write(append(ownNonce, l.proof("listener", dialerNonce, ownNonce)...)); err != nil {
		return fmt.Errorf("write challenge: %w", err)
	}
	proof := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, proof); err != nil {
		return fmt.Errorf("read proof: %w", err)
	}
	if !hmac.Equal(proof, l.proof("dialer", dialerNonce, ownNonce)) {
		return errors.New("the dialer does not hold the cluster key")
	}
	if _, err := c.Write([]byte{raftAccepted}); err != nil {
		return fmt.Errorf("write acceptance: %w", err)
	}
	return nil
}

// track adds c to (or removes it from) the connections in their handshake; it
// reports false once Close has begun.
func (l *RaftLayer) track(c net.Conn, add bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !add {
		delete(l.pending, c)
		return true
	}
	if l.pending == nil {
		return false
	}
	l.pending[c] = struct{}{}
	return true
}

// Dial connects to a Raft peer and runs the dialer's side of the handshake, all
// within timeout (or the handshake timeout if that is zero).
func (l *RaftLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = l.timeout
	}
	deadline := time.Now().Add(timeout)
	c, err := net.DialTimeout("tcp", string(address), timeout)
	if err != nil {
		return nil, err
	}
	if err := l.dialerHandshake(c, deadline); err != nil {
		c.Close()
		return nil, err
	}
	tc := tls.Client(c, l.tls.client)
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: tls: %w", ErrHandshake, err)
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

func (l *RaftLayer) dialerHandshake(c net.Conn, deadline time.Time) error {
	if err := c.SetDeadline(deadline); err != nil {
		return err
	}
	ownNonce := newNonce()
	if _, err := c.Write(append([]byte(raftMagic), ownNonce...)); err != nil {
		return fmt.Errorf("transport: raft handshake: %w", err)
	}
	challenge := make([]byte, nonceSize+sha256.Size)
	if _, err := io.ReadFull(c, challenge); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	listenerNonce, proof := challenge[:nonceSize], challenge[nonceSize:]
	if !hmac.Equal(proof, l.proof("listener", ownNonce, listenerNonce)) {
		return fmt.Errorf("%w: the peer does not hold the cluster key", ErrHandshake)
	}
	if _, err := c.Write(l.proof("dialer", ownNonce, listenerNonce)); err != nil {
		return fmt.Errorf("transport: raft handshake: %w", err)
	}
	ack := make([]byte, 1)
	if _, err := io.ReadFull(c, ack); err != nil || ack[0] != raftAccepted {
		return fmt.Errorf("%w: the peer rejected this node's proof", ErrHandshake)
	}
	return nil // the deadline stays for TLS; Dial clears it
}

// proof is one side's HMAC over both nonces, labelled with its role.
func (l *RaftLayer) proof(role string, dialerNonce, listenerNonce []byte) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(raftMagic))
	m.Write([]byte(role))
	m.Write([]byte{0})
	m.Write(dialerNonce)
	m.Write(listenerNonce)
	return m.Sum(nil)
}

func newNonce() []byte {
	b := make([]byte, nonceSize)
	_, _ = rand.Read(b) // crypto/rand never fails
	return b
}

// Accept returns the next authenticated incoming connection.
func (l *RaftLayer) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops listening, closes connections still in their handshake and waits for
// the accept loop. Connections already returned by Accept or Dial are the caller's.
func (l *RaftLayer) Close() error {
	var err error
	l.once.Do(func() {
		close(l.done)
		err = l.ln.Close()
		l.mu.Lock()
		for c := range l.pending {
			c.Close()
		}
		l.pending = nil
		l.mu.Unlock()
		l.wg.Wait()
	})
	return err
}

// Addr returns the advertised address: what other nodes dial and Raft stores.
func (l *RaftLayer) Addr() net.Addr { return l.advertise }

// BoundAddr returns the address the listener is bound to (the port read back).
func (l *RaftLayer) BoundAddr() net.Addr { return l.ln.Addr() }
