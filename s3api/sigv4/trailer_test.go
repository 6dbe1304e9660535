package sigv4

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// streamingRequest builds a PUT with an aws-chunked body signed by the SDK signer
// with payload hash mode. build writes the body; for signed modes it is given a chunk
// signer seeded with the request's signature.
func streamingRequest(t *testing.T, url, mode string, at time.Time, h http.Header, build func(*chunkSigner) string) *http.Request {
	t.Helper()
	newSigner := func(seed string) *chunkSigner {
		return &chunkSigner{
			key:   testSigningKey(testSecretKey, at.Format(iso8601Date), "us-east-1", "s3"),
			date:  at.Format(iso8601Basic),
			scope: at.Format(iso8601Date) + "/us-east-1/s3/aws4_request",
			prev:  seed,
		}
	}
	// Signatures have a fixed length, so a body built with a dummy seed has the
	// length of the real one, which must be known (and signed) first.
	dummy := build(newSigner(strings.Repeat("0", 64)))
	req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(dummy))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", mode)
	if err := s3Signer.SignHTTP(context.Background(), testCreds, req, mode, "s3", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	authz := req.Header.Get("Authorization")
	seed := authz[strings.LastIndex(authz, "=")+1:]
	body := build(newSigner(seed))
	if len(body) != len(dummy) {
		t.Fatal("body length depends on the seed")
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	return req
}

func TestUnsignedTrailerLikeSDK(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	rng := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	put := func(data []byte, trailerName string, body []byte) outcome {
		h := http.Header{
			"X-Amz-Decoded-Content-Length": {strconv.Itoa(len(data))},
			"X-Amz-Sdk-Checksum-Algorithm": {"CRC32"},
		}
		if trailerName != "" {
			h["X-Amz-Trailer"] = []string{trailerName}
		}
		req := streamingRequest(t, ts.URL+"/bucket/key", StreamingUnsignedPayloadTrailer, now, h, func(*chunkSigner) string { return string(body) })
		return ts.do(t, req)
	}

	for _, alg := range checksum.Algorithms() {
		for _, chunk := range []int{64 << 10, len(data)} { // aws-sdk-go-v2 sends one chunk when the length is known
			trailer := alg.HeaderName() + ":" + alg.Sum(data)
			o := put(data, alg.HeaderName(), unsignedChunked(data, chunk, trailer))
			wantOK(t, o)
			if !bytes.Equal(o.body, data) || o.length != int64(len(data)) {
				t.Fatalf("%s: decoded %d bytes, Length %d", alg, len(o.body), o.length)
			}
			if want := (checksum.Checksum{Algorithm: alg, Value: alg.Sum(data), Type: checksum.FullObject}); o.sum != want {
				t.Errorf("%s: checksum %+v, want %+v", alg, o.sum, want)
			}
		}
	}

	small := []byte("Hello world")
	crc := checksum.CRC32.Sum(small)
	for _, tc := range []struct {
		name    string
		trailer string // x-amz-trailer
		body    string
		code    s3err.Code
		message string
	}{
		{"the SDK's example", "x-amz-checksum-sha256", "b\r\nHello world\r\n0\r\nx-amz-checksum-sha256:ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=\r\n\r\n", "", ""},
		{"no final CRLF", "x-amz-checksum-crc32", "b\r\nHello world\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n", "", ""},
		{"wrong checksum", "x-amz-checksum-crc32", string(unsignedChunked(small, 4, "x-amz-checksum-crc32:AAAAAA==")), s3err.BadDigest, "The CRC32 you specified did not match the calculated checksum."},
		{"invalid trailer value", "x-amz-checksum-crc32", string(unsignedChunked(small, 4, "x-amz-checksum-crc32:nope")), s3err.InvalidRequest, "Value for x-amz-checksum-crc32 trailing header is invalid."},
		{"trailer missing", "x-amz-checksum-crc32", string(unsignedChunked(small, 4)), s3err.MalformedTrailerError, ""},
		{"other trailer than declared", "x-amz-checksum-crc32", string(unsignedChunked(small, 4, "x-amz-checksum-crc32c:"+checksum.CRC32C.Sum(small))), s3err.MalformedTrailerError, ""},
		{"undeclared trailer", "", string(unsignedChunked(small, 4, "x-amz-checksum-crc32:"+crc)), s3err.MalformedTrailerError, ""},
		{"trailer twice", "x-amz-checksum-crc32", string(unsignedChunked(small, 4, "x-amz-checksum-crc32:"+crc, "x-amz-checksum-crc32:"+crc)), s3err.MalformedTrailerError, ""},
		{"trailer not a header", "x-amz-checksum-crc32", "b\r\nHello world\r\n0\r\ngarbage\r\n\r\n", s3err.MalformedTrailerError, ""},
		{"truncated in data", "x-amz-checksum-crc32", "b\r\nHello w", s3err.IncompleteBody, ""},
		{"truncated before final chunk", "x-amz-checksum-crc32", "b\r\nHello world\r\n", s3err.IncompleteBody, ""},
		{"chunk longer than declared", "x-amz-checksum-crc32", "c\r\nHello world!\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", s3err.IncompleteBody, ""},
		{"chunks shorter than declared", "x-amz-checksum-crc32", "a\r\nHello worl\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n", s3err.IncompleteBody, ""},
		{"negative size", "x-amz-checksum-crc32", "-b\r\nHello world\r\n0\r\n\r\n", s3err.IncompleteBody, ""},
		{"huge size", "x-amz-checksum-crc32", "fffffffffffffffff\r\nHello world\r\n0\r\n\r\n", s3err.IncompleteBody, ""},
		{"line too long", "x-amz-checksum-crc32", "b;" + strings.Repeat("x", 70000) + "\r\nHello world\r\n0\r\n\r\n", s3err.IncompleteBody, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := put(small, tc.trailer, []byte(tc.body))
			if tc.code == "" {
				wantOK(t, o)
				if string(o.body) != "Hello world" {
					t.Errorf("body %q", o.body)
				}
				return
			}
			e := wantCode(t, o.err, tc.code)
			if tc.message != "" && e.Message != tc.message {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
		})
	}
}

func TestStreamingHeaderErrors(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	body := func(*chunkSigner) string { return "0\r\n\r\n" }
	for _, tc := range []struct {
		name string
		h    http.Header
		code s3err.Code
	}{
		{"bad decoded length", http.Header{"X-Amz-Decoded-Content-Length": {"-1"}}, s3err.InvalidArgument},
		{"unsupported trailer", http.Header{"X-Amz-Trailer": {"x-amz-meta-foo"}}, s3err.InvalidRequest},
		{"two trailers", http.Header{"X-Amz-Trailer": {"x-amz-checksum-crc32, x-amz-checksum-sha256"}}, s3err.InvalidRequest},
		{"trailer and header", http.Header{"X-Amz-Trailer": {"x-amz-checksum-crc32"}, "X-Amz-Checksum-Crc32": {"AAAAAA=="}}, s3err.InvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingUnsignedPayloadTrailer, now, tc.h, body))
			wantCode(t, o.err, tc.code)
		})
	}
	// Without x-amz-decoded-content-length the length is unknown; the caller decides.
	o := ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingUnsignedPayloadTrailer, now, nil, func(*chunkSigner) string { return "3\r\nabc\r\n0\r\n\r\n" }))
	wantOK(t, o)
	if o.length != -1 || string(o.body) != "abc" {
		t.Errorf("length %d body %q", o.length, o.body)
	}
}

func TestSignedStreamingWithSDKSeed(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	data := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320000 bytes
	split := func(s *chunkSigner, size int) string {
		var b strings.Builder
		for rest := data; len(rest) > 0; {
			n := min(size, len(rest))
			b.WriteString(s.chunk(rest[:n]))
			rest = rest[n:]
		}
		return b.String()
	}
	h := http.Header{"X-Amz-Decoded-Content-Length": {strconv.Itoa(len(data))}}

	o := ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingPayload, now, h, func(s *chunkSigner) string {
		return split(s, 64<<10) + s.chunk(nil)
	}))
	wantOK(t, o)
	if !bytes.Equal(o.body, data) {
		t.Fatalf("decoded %d bytes", len(o.body))
	}

	trailerH := http.Header{"X-Amz-Decoded-Content-Length": h["X-Amz-Decoded-Content-Length"], "X-Amz-Trailer": {"x-amz-checksum-crc64nvme"}}
	o = ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingPayloadTrailer, now, trailerH, func(s *chunkSigner) string {
		return split(s, 100000) + s.finalWithTrailer("x-amz-checksum-crc64nvme:"+checksum.CRC64NVME.Sum(data))
	}))
	wantOK(t, o)
	if o.sum.Algorithm != checksum.CRC64NVME || o.sum.Value != checksum.CRC64NVME.Sum(data) {
		t.Errorf("checksum %+v", o.sum)
	}

	// A chunk replayed from another request with the same key and time fails: the
	// chain starts at this request's own signature.
	o = ts.do(t, streamingRequest(t, ts.URL+"/bucket/other", StreamingPayload, now, h, func(s *chunkSigner) string {
		s.prev = strings.Repeat("1", 64)
		return split(s, 64<<10) + s.chunk(nil)
	}))
	wantCode(t, o.err, s3err.SignatureDoesNotMatch)
}

// Reads with large buffers must go straight through: a 1 MiB read of a body sent in
// large chunks returns far more than the internal buffer holds.
func TestChunkedLargeReads(t *testing.T) {
	data := bytes.Repeat([]byte{'z'}, 8<<20)
	body := unsignedChunked(data, 4<<20, "x-amz-checksum-crc32:"+checksum.CRC32.Sum(data))
	req, err := http.NewRequest("PUT", "http://example.com/b/k", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", StreamingUnsignedPayloadTrailer)
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(data)))
	p, err := (&Auth{}).Payload(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	total, reads, biggest := 0, 0, 0
	for {
		n, err := p.Read(buf)
		total += n
		reads++
		biggest = max(biggest, n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if total != len(data) {
		t.Fatalf("read %d bytes", total)
	}
	if biggest < 1<<20 {
		t.Errorf("largest read %d bytes, want a full 1 MiB buffer", biggest)
	}
	if reads > 16 {
		t.Errorf("%d reads for 8 MiB with a 1 MiB buffer", reads)
	}
	if p.Checksum().Value != checksum.CRC32.Sum(data) {
		t.Errorf("checksum %+v", p.Checksum())
	}
	// The error sticks: reading again gives io.EOF, not more data.
	if n, err := p.Read(buf); n != 0 || err != io.EOF {
		t.Errorf("read after EOF: %d, %v", n, err)
	}
}

func BenchmarkUnsignedChunked(b *testing.B) {
	data := bytes.Repeat([]byte{'z'}, 16<<20)
	body := unsignedChunked(data, 64<<10, "x-amz-checksum-crc32:"+checksum.CRC32.Sum(data))
	buf := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		req, _ := http.NewRequest("PUT", "http://example.com/b/k", bytes.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", StreamingUnsignedPayloadTrailer)
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		p, err := (&Auth{}).Payload(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{p}, buf); err != nil {
			b.Fatal(err)
		}
	}
}
