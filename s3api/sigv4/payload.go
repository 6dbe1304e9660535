package sigv4

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/minio/sha256-simd"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// Payload is a request body being read and verified: aws-chunked framing is removed,
// chunk signatures are checked, and x-amz-content-sha256 and any x-amz-checksum-*
// header or trailer are verified. When the body ends it returns io.EOF only if every
// check passed; otherwise it returns the s3err error (SignatureDoesNotMatch,
// XAmzContentSHA256Mismatch, BadDigest, IncompleteBody, ...).
//
// Bytes are handed to the caller as they arrive, before the check that covers them
// (a chunk signature, the body's hash or checksum) can run: a caller must discard
// everything it read unless Read ended with io.EOF. Memory use is bounded by a small
// read buffer, whatever the size of the body or of its chunks.
type Payload struct {
	io.Reader

	length int64
	sum    checksum.Checksum
}

// Payload wraps r's body for reading. It fails at once on a malformed
// x-amz-content-sha256, x-amz-trailer or checksum header.
func (a *Auth) Payload(r *http.Request) (*Payload, error) {
	mode, err := a.payloadMode(r)
	if err != nil {
		return nil, err
	}
	check, err := parseChecksumHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	p := &Payload{length: -1}
	switch mode {
	case StreamingECDSAPayload, StreamingECDSAPayloadTrailer:
		return nil, s3err.Newf(s3err.NotImplemented, "The x-amz-content-sha256 value %s (SigV4a streaming) is not implemented.", mode)
	case StreamingPayload, StreamingPayloadTrailer, StreamingUnsignedPayloadTrailer:
		trailers := mode != StreamingPayload
		signed := mode != StreamingUnsignedPayloadTrailer
		if check != nil && check.fromTrailer && !trailers {
			return nil, errTrailerNotAllowed(mode)
		}
		if signed && (a == nil || a.signingKey == nil) {
			return nil, s3err.Newf(s3err.InvalidRequest, "x-amz-content-sha256 %s requires a signed request.", mode)
		}
		if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return nil, s3err.Newf(s3err.InvalidArgument, "x-amz-decoded-content-length must be a non-negative integer.").
					With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", v)
			}
			p.length = n
		}
		p.Reader = newChunkedReader(body, a, signed, trailers, p, check)
	default:
		if check != nil && check.fromTrailer {
			return nil, errTrailerNotAllowed(mode)
		}
		pr := &plainReader{body: body, want: r.ContentLength, check: check, p: p}
		if mode != UnsignedPayload {
			// checkPayloadHash has vetted the hex.
			pr.wantSHA, _ = hex.DecodeString(mode)
			pr.sha = sha256.New()
		}
		p.length = r.ContentLength
		p.Reader = pr
	}
	return p, nil
}

// Length returns the length of the decoded payload (x-amz-decoded-content-length for
// aws-chunked bodies, otherwise Content-Length), or -1 when unknown.
func (p *Payload) Length() int64 { return p.length }

// Checksum returns the verified additional checksum the client sent (from a header or
// a trailer); valid after the body returned io.EOF. Zero when none was sent. Its Type
// is FULL_OBJECT: the value covers the whole body.
func (p *Payload) Checksum() checksum.Checksum { return p.sum }

func errTrailerNotAllowed(mode string) *s3err.Error {
	return s3err.Newf(s3err.InvalidRequest, "The x-amz-trailer header needs an x-amz-content-sha256 of STREAMING-UNSIGNED-PAYLOAD-TRAILER or STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, not %s.", mode)
}

// payloadMode returns the x-amz-content-sha256 that governs the body: the value the
// signature covered, or for an anonymous request the header as sent.
func (a *Auth) payloadMode(r *http.Request) (string, error) {
	if a != nil && a.payloadHash != "" {
		return a.payloadHash, nil
	}
	v := r.Header.Get("X-Amz-Content-Sha256")
	if v == "" {
		return UnsignedPayload, nil
	}
	if err := checkPayloadHash(v); err != nil {
		return "", err
	}
	return v, nil
}

// checker verifies one additional checksum over the decoded body.
type checker struct {
	alg         checksum.Algorithm
	h           hash.Hash
	fromTrailer bool
	want        []byte // raw digest; for a trailer, set once the trailer is read
	value       string // base64, as sent
}

// parseChecksumHeaders reads the checksum a request declares: an x-amz-checksum-<alg>
// header with its value, or an x-amz-trailer naming one whose value comes after the
// body. nil when there is none. x-amz-sdk-checksum-algorithm alone asks for nothing.
func parseChecksumHeaders(h http.Header) (*checker, error) {
	errMultiple := s3err.Newf(s3err.InvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	var c *checker
	for _, alg := range checksum.Algorithms() {
		vals := h.Values(alg.HeaderName())
		if len(vals) == 0 {
			continue
		}
		if c != nil || len(vals) > 1 {
			return nil, errMultiple
		}
		want, err := alg.Decode(strings.TrimSpace(vals[0]))
		if err != nil {
			return nil, s3err.Newf(s3err.InvalidRequest, "Value for %s header is invalid.", alg.HeaderName())
		}
		c = &checker{alg: alg, h: alg.New(), want: want, value: strings.TrimSpace(vals[0])}
	}
	if v := h.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
		if _, err := checksum.ParseAlgorithm(v); err != nil {
			return nil, s3err.Newf(s3err.InvalidRequest, "Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
	}
	var names []string
	for _, v := range h.Values("X-Amz-Trailer") {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return c, nil
	}
	if len(names) > 1 || c != nil {
		return nil, errMultiple
	}
	for _, alg := range checksum.Algorithms() {
		if names[0] == alg.HeaderName() {
			return &checker{alg: alg, h: alg.New(), fromTrailer: true}, nil
		}
	}
	return nil, s3err.Newf(s3err.InvalidRequest, "The value specified in the x-amz-trailer header is not supported")
}

// verify compares the computed checksum with the declared one.
func (c *checker) verify() error {
	if !bytes.Equal(c.h.Sum(nil), c.want) {
		return s3err.Newf(s3err.BadDigest, "The %s you specified did not match the calculated checksum.", c.alg)
	}
	return nil
}

func (c *checker) result() checksum.Checksum {
	return checksum.Checksum{Algorithm: c.alg, Value: c.value, Type: checksum.FullObject}
}

// bodyError turns an error from reading the request body into an s3err error, keeping
// the cause for the log.
func bodyError(err error) error {
	if _, ok := s3err.As(err); ok {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return s3err.New(s3err.IncompleteBody)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fmt.Errorf("%w (%w)", s3err.New(s3err.EntityTooLarge), err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (%w)", s3err.New(s3err.RequestTimeout), err)
	}
	return fmt.Errorf("%w (%w)", s3err.New(s3err.IncompleteBody), err)
}

// plainReader verifies a body sent as is: its length, its SHA-256 when
// x-amz-content-sha256 gave one, and a checksum header.
type plainReader struct {
	body    io.Reader
	want    int64 // Content-Length, -1 when unknown
	n       int64
	sha     hash.Hash
	wantSHA []byte
	check   *checker
	p       *Payload
	err     error
}

func (r *plainReader) Read(b []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.body.Read(b)
	if n > 0 {
		r.n += int64(n)
		if r.sha != nil {
			r.sha.Write(b[:n])
		}
		if r.check != nil {
			r.check.h.Write(b[:n])
		}
	}
	switch {
	case err == io.EOF:
		err = r.finish()
	case err != nil:
		err = bodyError(err)
	}
	if err != nil {
		r.err = err
	}
	return n, err
}

// finish runs the end-of-body checks; io.EOF when all pass.
func (r *plainReader) finish() error {
	if r.want >= 0 && r.n != r.want {
		return s3err.New(s3err.IncompleteBody)
	}
	if r.sha != nil {
		if got := r.sha.Sum(nil); !bytes.Equal(got, r.wantSHA) {
			return s3err.New(s3err.XAmzContentSHA256Mismatch).
				With("ClientComputedContentSHA256", hex.EncodeToString(r.wantSHA)).
				With("S3ComputedContentSHA256", hex.EncodeToString(got))
		}
	}
	if r.check != nil {
		if err := r.check.verify(); err != nil {
			return err
		}
		r.p.sum = r.check.result()
	}
	return io.EOF
}
