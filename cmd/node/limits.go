package node

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// Limits bounds what one client can hold on the S3 and admin listeners: connections,
// and how long a connection may go without progress. Its fields are part of Config;
// zero fields take the defaults of DefaultLimits.
type Limits struct {
	// MaxConnections caps the open connections of each listener (S3, admin). A
	// connection beyond it is answered 503 SlowDown and closed. Default 1024; a higher
	// cap admits more clients at the cost of memory (up to a few MiB per busy
	// connection) and file descriptors. Flag --max-connections.
	MaxConnections int
	// WriteProgressTimeout closes a connection whose client has taken nothing of the
	// response for this long (no write made progress). Default 30s. Shorter frees the
	// memory of stalled downloads sooner; too short cuts off clients on slow links.
	// Flag --write-progress-timeout.
	WriteProgressTimeout time.Duration
	// ReadProgressTimeout ends a request whose body has delivered no byte for this long
	// with 400 RequestTimeout, as S3 does. Default 20s. Flag --read-progress-timeout.
	ReadProgressTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers. Default 20s.
	// Flag --read-header-timeout.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle between requests for this long.
	// Default 2m; idle connections count against MaxConnections. Flag --idle-timeout.
	IdleTimeout time.Duration
}

// DefaultLimits returns the default Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxConnections:       1024,
		WriteProgressTimeout: 30 * time.Second,
		ReadProgressTimeout:  20 * time.Second,
		ReadHeaderTimeout:    20 * time.Second,
		IdleTimeout:          2 * time.Minute,
	}
}

// withDefaults sets every zero field of l to its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxConnections == 0 {
		l.MaxConnections = d.MaxConnections
	}
	if l.WriteProgressTimeout == 0 {
		l.WriteProgressTimeout = d.WriteProgressTimeout
	}
	if l.ReadProgressTimeout == 0 {
		l.ReadProgressTimeout = d.ReadProgressTimeout
	}
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = d.IdleTimeout
	}
	return l
}

// Validate reports every field of l that is out of range.
func (l Limits) Validate() error {
	var errs []error
	if l.MaxConnections < 0 {
		errs = append(errs, fmt.Errorf("--max-connections %d must not be negative", l.MaxConnections))
	}
	for name, d := range map[string]time.Duration{
		"--write-progress-timeout": l.WriteProgressTimeout, "--read-progress-timeout": l.ReadProgressTimeout,
		"--read-header-timeout": l.ReadHeaderTimeout, "--idle-timeout": l.IdleTimeout,
	} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s %s must not be negative", name, d))
		}
	}
	return errors.Join(errs...)
}

// refusedAtOnce bounds the connections being answered 503 at the same time; beyond
// it an over-the-cap connection is closed without an answer.
const refusedAtOnce = 64

// refuseTimeout bounds reading the request of, and answering, a refused connection.
const refuseTimeout = 2 * time.Second

// limitListener caps the open connections of a listener and wraps each accepted one
// in a progressConn. A connection over the cap is answered with refusal, in its own
// goroutine, and closed.
type limitListener struct {
	net.Listener
	slots    chan struct{} // one per open connection
	refusing chan struct{} // one per refusal in progress
	timeout  time.Duration // WriteProgressTimeout
	refusal  []byte        // a whole HTTP response
	wrap     func(net.Conn) net.Conn
}

// newLimitListener wraps ln. wrap (may be nil) wraps a refused connection before the
// refusal is written, e.g. in TLS.
func newLimitListener(ln net.Listener, l Limits, refusal []byte, wrap func(net.Conn) net.Conn) *limitListener {
	return &limitListener{
		Listener: ln,
		slots:    make(chan struct{}, l.MaxConnections),
		refusing: make(chan struct{}, refusedAtOnce),
		timeout:  l.WriteProgressTimeout,
		refusal:  refusal,
		wrap:     wrap,
	}
}

// Accept returns the next connection within the cap.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &progressConn{Conn: c, timeout: l.timeout, release: func() { <-l.slots }}, nil
		default:
		}
		select {
		case l.refusing <- struct{}{}:
			go l.refuse(c)
		default:
			c.Close()
		}
	}
}

// refuse reads the request head (so that closing does not reset the connection
// before the client reads the answer), writes the refusal and closes c.
func (l *limitListener) refuse(c net.Conn) {
	defer func() { <-l.refusing }()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(refuseTimeout))
	if l.wrap != nil {
		c = l.wrap(c)
	}
	buf := make([]byte, 0, 8<<10)
	for len(buf) < cap(buf) && !bytes.Contains(buf, []byte("\r\n\r\n")) {
		n, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
	}
	_, _ = c.Write(l.refusal)
}

// refusalResponse is the HTTP response to a connection over the cap: contentType and
// body, with Connection: close.
func refusalResponse(contentType, body string) []byte {
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: %s\r\nContent-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s",
		contentType, len(body), body)
}

// The refusals of the two listeners.
var (
	s3Refusal = refusalResponse("application/xml", `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>SlowDown</Code><Message>Too many open connections to this node (--max-connections); please retry later.</Message></Error>`)
	adminRefusal = refusalResponse("application/json",
		`{"code":"SlowDown","message":"Too many open connections to this node (--max-connections); please retry later."}`+"\n")
)

// progressConn is a connection whose every write must make progress within timeout:
// each Write sets a fresh write deadline, so a client that stops reading is cut off
// after timeout, and the memory its response holds is freed. Close gives its slot
// back to the listener once.
type progressConn struct {
	net.Conn
	timeout time.Duration
	release func()
	once    sync.Once
}

// Write writes p with a deadline of timeout from now.
func (c *progressConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// CloseWrite half-closes a TCP connection, as net/http does after an error answer so
// that the client reads it before the connection goes.
func (c *progressConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes the connection and frees its slot.
func (c *progressConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// minBodyProgress is how many bytes of a request body count as progress: the read
// deadline is renewed only once this many arrived since the last renewal (or the body
// ended), so a body that trickles a byte now and then is cut off too. With the
// default ReadProgressTimeout of 20s it asks for at least 200 bytes a second.
const minBodyProgress = 4 << 10

// bodyProgress wraps h so that a request body that delivers less than minBodyProgress
// bytes within timeout ends with a read error wrapping os.ErrDeadlineExceeded (the S3
// API answers it with 400 RequestTimeout). The deadline is cleared when the body
// ends, so that it never cuts a handler that is still working after the body.
func bodyProgress(h http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, rc: http.NewResponseController(w), timeout: timeout}
		}
		h.ServeHTTP(w, r)
	})
}

// progressBody is a request body whose read deadline moves forward with progress.
type progressBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	armed   bool // a deadline is set
	since   int  // bytes read since it was set
	ended   bool
}

// Read reads within the current progress deadline.
func (b *progressBody) Read(p []byte) (int, error) {
	if b.ended {
		return b.ReadCloser.Read(p)
	}
	if !b.armed || b.since >= minBodyProgress {
		if err := b.rc.SetReadDeadline(time.Now().Add(b.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return 0, err
		}
		b.armed, b.since = true, 0
	}
	n, err := b.ReadCloser.Read(p)
	b.since += n
	if err == nil {
		return n, nil
	}
	b.ended = true
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline stays: the rest of the body is not drained, the connection closes.
		return n, fmt.Errorf("request body: less than %d bytes in %s: %w", minBodyProgress, b.timeout, err)
	}
	_ = b.rc.SetReadDeadline(time.Time{})
	return n, err
}
