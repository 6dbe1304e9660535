package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// The example credentials of the AWS SigV4 documentation.
const (
	testAccessKey = "AKIAIOSFODNN7EXAMPLE"
	testSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// docTime is the request time of every AWS documentation example.
var docTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

type staticCredentials map[string]string

func (c staticCredentials) SecretKey(_ context.Context, id string) (string, error) {
	if s, ok := c[id]; ok {
		return s, nil
	}
	return "", fmt.Errorf("lookup %q: %w", id, ErrUnknownAccessKey)
}

func newTestVerifier(now time.Time) *Verifier {
	return &Verifier{
		Credentials: staticCredentials{testAccessKey: testSecretKey},
		Now:         func() time.Time { return now },
	}
}

// outcome is what the server saw of one request.
type outcome struct {
	auth   *Auth
	body   []byte
	length int64
	sum    checksum.Checksum
	err    error // from Verify, Payload or reading the body
}

// testServer runs requests through a real net/http server, so that Verify sees a
// request exactly as the server parses it off the wire.
type testServer struct {
	*httptest.Server
	mu   sync.Mutex
	last outcome
}

func newTestServer(t *testing.T, v *Verifier) *testServer {
	return startTestServer(t, v, false)
}

// newTLSTestServer is newTestServer over HTTPS; ts.Client() trusts its certificate.
func newTLSTestServer(t *testing.T, v *Verifier) *testServer {
	return startTestServer(t, v, true)
}

func startTestServer(t *testing.T, v *Verifier, tls bool) *testServer {
	t.Helper()
	ts := &testServer{}
	ts.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := serve(v, r)
		ts.mu.Lock()
		ts.last = o
		ts.mu.Unlock()
		if o.err != nil {
			e, ok := s3err.As(o.err)
			if !ok {
				e = s3err.New(s3err.InternalError)
			}
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(e.Status)
			fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>test</RequestId></Error>", e.Code, xmlEscape(e.Message))
			return
		}
		w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
		if r.Method == http.MethodGet {
			w.Write(o.body)
		}
	}))
	if tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return ts
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xmlEscapeText(&b, s)
	return b.String()
}

func serve(v *Verifier, r *http.Request) outcome {
	a, err := v.Verify(r)
	if err != nil {
		return outcome{err: err}
	}
	p, err := a.Payload(r)
	if err != nil {
		return outcome{auth: a, err: err}
	}
	body, err := io.ReadAll(p)
	return outcome{auth: a, body: body, length: p.Length(), sum: p.Checksum(), err: err}
}

// do sends req and returns what the server saw.
func (ts *testServer) do(t *testing.T, req *http.Request) outcome {
	t.Helper()
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	ts.mu.Lock()
	defer ts.mu.Unlock()
	o := ts.last
	ts.last = outcome{}
	return o
}

// wantCode fails unless err is an s3err error with code.
func wantCode(t *testing.T, err error, code s3err.Code) *s3err.Error {
	t.Helper()
	e, ok := s3err.As(err)
	if !ok {
		t.Fatalf("error %v, want S3 error %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("error %s: %s, want %s", e.Code, e.Message, code)
	}
	return e
}

func wantOK(t *testing.T, o outcome) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("unexpected error: %v", o.err)
	}
}

// chunkSigner builds aws-chunked bodies from the spec, independently of the code under
// test: each chunk signed with the chain that starts at the seed signature.
type chunkSigner struct {
	key        []byte
	date       string
	scope      string
	prev       string
	noTrailers bool
}

func testSigningKey(secret, date, region, service string) []byte {
	mac := func(key []byte, s string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(s))
		return h.Sum(nil)
	}
	return mac(mac(mac(mac([]byte("AWS4"+secret), date), region), service), "aws4_request")
}

func (s *chunkSigner) sign(kind, hashed string) string {
	sts := kind + "\n" + s.date + "\n" + s.scope + "\n" + s.prev + "\n" + hashed
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(sts))
	s.prev = hex.EncodeToString(h.Sum(nil))
	return s.prev
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// chunk returns one signed chunk (data may be empty: the final chunk).
func (s *chunkSigner) chunk(data []byte) string {
	sig := s.sign("AWS4-HMAC-SHA256-PAYLOAD", sha256Hex(nil)+"\n"+sha256Hex(data))
	return fmt.Sprintf("%x;chunk-signature=%s\r\n%s\r\n", len(data), sig, data)
}

// finalWithTrailer returns the final chunk, the trailers and their signature.
func (s *chunkSigner) finalWithTrailer(trailers ...string) string {
	sig := s.sign("AWS4-HMAC-SHA256-PAYLOAD", sha256Hex(nil)+"\n"+sha256Hex(nil))
	var canon, lines strings.Builder
	for _, t := range trailers {
		canon.WriteString(t + "\n")
		lines.WriteString(t + "\r\n")
	}
	tsig := s.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex([]byte(canon.String())))
	return fmt.Sprintf("0;chunk-signature=%s\r\n%sx-amz-trailer-signature:%s\r\n\r\n", sig, lines.String(), tsig)
}

// unsignedChunked encodes data the way aws-sdk-go-v2 does for
// STREAMING-UNSIGNED-PAYLOAD-TRAILER: hex-size CRLF data CRLF, then 0 CRLF, the
// trailers, CRLF.
func unsignedChunked(data []byte, chunkSize int, trailers ...string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(chunkSize, len(data))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	b.WriteString("0\r\n")
	for _, t := range trailers {
		b.WriteString(t + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func xmlEscapeText(w io.Writer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	_, err := io.WriteString(w, r.Replace(s))
	return err
}

func readCloser(s string) io.ReadCloser { return io.NopCloser(strings.NewReader(s)) }
