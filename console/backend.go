package console

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/s3api/admin/client"
	"github.com/cairnstore/cairn/s3api/audit"
)

// internalHost is the host of the console's in-process requests. It is only a
// name: the requests never reach a network.
const internalHost = "console.internal"

// handlerTransport sends a request to an http.Handler in process, as if it came from
// the browser's address over the browser's transport, so that the gate's lockout,
// conditions (aws:SourceIp, aws:SecureTransport) and audit log see the real client.
// The answer is buffered: the console sends only small requests this way (listings,
// metadata, admin calls); object bytes go through presigned URLs (proxy.go).
type handlerTransport struct {
	h        http.Handler
	clientIP string
	tls      *tls.ConnectionState
}

// RoundTrip serves req with the handler.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RemoteAddr = net.JoinHostPort(t.clientIP, "0")
	r.TLS = t.tls
	r.Host = req.URL.Host
	r.RequestURI = req.URL.RequestURI()
	if r.Body == nil {
		r.Body = http.NoBody
	}
	w := &bufferWriter{header: http.Header{}}
	t.h.ServeHTTP(w, r)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.header,
		Body:          io.NopCloser(&w.body),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// bufferWriter is the http.ResponseWriter of an in-process request.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }

func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *bufferWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(p)
}

// transport returns the in-process transport to h for a browser's request r.
func (c *Console) transport(h http.Handler, r *http.Request) http.RoundTripper {
	return handlerTransport{h: h, clientIP: audit.ClientIP(r, c.cfg.TrustedProxies), tls: c.tlsState(r)}
}

// tlsState is the TLS state the console's in-process requests carry: the browser's,
// or when a trusted proxy ended TLS, an empty one, so that aws:SecureTransport is true
// for them exactly when the browser's request was secure.
func (c *Console) tlsState(r *http.Request) *tls.ConnectionState {
	if r.TLS == nil && c.secure(r) {
		return &tls.ConnectionState{}
	}
	return r.TLS
}

// userAgent is the User-Agent of the console's requests: the browser's, so that the
// audit log and aws:UserAgent conditions see it, marked as coming through the console.
func userAgent(r *http.Request) string {
	return "cairn-console (" + r.UserAgent() + ")"
}

// adminClient returns an admin API client that signs as accessKey/secret and is
// served in process on behalf of the browser's request r.
func (c *Console) adminClient(r *http.Request, accessKey, secret string) *client.Client {
	cl, err := client.New(client.Config{
		Endpoint:    "http://" + internalHost,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		Region:      c.cfg.Region,
		HTTPClient:  &http.Client{Transport: c.transport(c.deps.Admin, r)},
		UserAgent:   userAgent(r),
	})
	if err != nil {
		panic(err) // the endpoint and credentials above are always valid
	}
	return cl
}

// s3Client returns an S3 client that signs as the session's user and is served in
// process on behalf of the browser's request r.
func (c *Console) s3Client(r *http.Request, s *session) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String("http://" + internalHost),
		Region:                     c.cfg.Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.accessKey, s.secret, ""),
		HTTPClient:                 &http.Client{Transport: c.transport(c.deps.S3, r)},
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		RetryMaxAttempts:           1,
		AppID:                      "cairn-console",
	})
}

// origin is the console's origin as the browser reached it: scheme and host.
func (c *Console) origin(r *http.Request) string {
	if c.secure(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// presigner returns a presign client whose URLs name the browser's own origin: the
// browser sends them to /s3/ on the console (proxy.go), which hands them to the S3
// API unchanged but for the path prefix.
func (c *Console) presigner(r *http.Request, s *session) *s3.PresignClient {
	cl := s3.New(s3.Options{
		BaseEndpoint:               aws.String(c.origin(r)),
		Region:                     c.cfg.Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.accessKey, s.secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
	return s3.NewPresignClient(cl)
}
