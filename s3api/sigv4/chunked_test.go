package sigv4

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// docChunkedRequest is AWS's "Example: PUT Object" for a payload sent in multiple
// chunks (sigv4-streaming): 66560 bytes of 'a' in chunks of 64 KiB, 1 KiB and 0.
func docChunkedRequest(t *testing.T, ts *testServer, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, ts.URL+"/examplebucket/chunkObject.txt", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "s3.amazonaws.com"
	req.Header.Set("X-Amz-Date", "20130524T000000Z")
	req.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	req.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
	return req
}

const (
	docSig1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
	docSig2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
	docSig3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
)

func docChunkedBody(sig1, sig2, sig3 string) string {
	a := strings.Repeat("a", 65536)
	b := strings.Repeat("a", 1024)
	return "10000;chunk-signature=" + sig1 + "\r\n" + a + "\r\n" +
		"400;chunk-signature=" + sig2 + "\r\n" + b + "\r\n" +
		"0;chunk-signature=" + sig3 + "\r\n\r\n"
}

func TestDocExampleChunkedUpload(t *testing.T) {
	ts := newTestServer(t, newTestVerifier(docTime))
	body := docChunkedBody(docSig1, docSig2, docSig3)
	if len(body) != 66824 {
		t.Fatalf("example body is %d bytes, AWS says Content-Length 66824", len(body))
	}
	o := ts.do(t, docChunkedRequest(t, ts, body))
	wantOK(t, o)
	if !bytes.Equal(o.body, bytes.Repeat([]byte("a"), 66560)) || o.length != 66560 {
		t.Fatalf("decoded %d bytes (Length %d), want 66560 of 'a'", len(o.body), o.length)
	}
	if o.auth.AccessKeyID != testAccessKey || o.auth.Presigned {
		t.Errorf("auth = %+v", o.auth)
	}
	if !o.sum.IsZero() {
		t.Errorf("checksum %+v with none sent", o.sum)
	}
}

func TestDocExampleChunkedTampering(t *testing.T) {
	// Changes that keep the body's length, so that the example's seed signature (which
	// covers Content-Length) still holds and the chunks are what fails.
	ts := newTestServer(t, newTestVerifier(docTime))
	a := strings.Repeat("a", 65536)
	for _, tc := range []struct {
		name string
		body string
		code s3err.Code
	}{
		{"data changed", strings.Replace(docChunkedBody(docSig1, docSig2, docSig3), "aaaa\r\n400", "aaab\r\n400", 1), s3err.SignatureDoesNotMatch},
		{"first signature wrong", docChunkedBody(docSig2, docSig2, docSig3), s3err.SignatureDoesNotMatch},
		{"final signature wrong", docChunkedBody(docSig1, docSig2, docSig1), s3err.SignatureDoesNotMatch},
		{"chunks swapped", "400;chunk-signature=" + docSig2 + "\r\n" + a[:1024] + "\r\n10000;chunk-signature=" + docSig1 + "\r\n" + a + "\r\n0;chunk-signature=" + docSig3 + "\r\n\r\n", s3err.SignatureDoesNotMatch},
		{"signature mangled", strings.Replace(docChunkedBody(docSig1, docSig2, docSig3), ";chunk-signature="+docSig2, ";chunk-signaturX="+docSig2, 1), s3err.SignatureDoesNotMatch},
		{"bad chunk size", strings.Replace(docChunkedBody(docSig1, docSig2, docSig3), "400;", "4x0;", 1), s3err.IncompleteBody},
		{"no CRLF after data", strings.Replace(docChunkedBody(docSig1, docSig2, docSig3), "a\r\n400", "aX\n400", 1), s3err.IncompleteBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.body) != 66824 {
				t.Fatalf("body is %d bytes", len(tc.body))
			}
			o := ts.do(t, docChunkedRequest(t, ts, tc.body))
			if o.auth == nil {
				t.Fatalf("the seed signature failed (%v); the body is what should fail", o.err)
			}
			wantCode(t, o.err, tc.code)
		})
	}
}

func TestSignedChunkedTruncated(t *testing.T) {
	now := time.Now().UTC()
	ts := newTestServer(t, newTestVerifier(now))
	a := bytes.Repeat([]byte("a"), 66560)
	h := http.Header{"X-Amz-Decoded-Content-Length": {"66560"}}
	full := func(s *chunkSigner) string { return s.chunk(a[:65536]) + s.chunk(a[65536:]) + s.chunk(nil) }
	for _, tc := range []struct {
		name string
		cut  func(string) string
	}{
		{"final chunk missing", func(b string) string { return b[:strings.LastIndex(b, "0;chunk-signature")] }},
		{"cut inside data", func(b string) string { return b[:40000] }},
		{"cut before data CRLF", func(b string) string { return b[:strings.Index(b, "\r\n400;")] }},
		{"cut inside a chunk header", func(b string) string { return b[:strings.Index(b, "400;")+10] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingPayload, now, h, func(s *chunkSigner) string { return tc.cut(full(s)) }))
			if o.auth == nil {
				t.Fatalf("the seed signature failed: %v", o.err)
			}
			wantCode(t, o.err, s3err.IncompleteBody)
		})
	}
	t.Run("signature missing", func(t *testing.T) {
		o := ts.do(t, streamingRequest(t, ts.URL+"/bucket/key", StreamingPayload, now, h, func(s *chunkSigner) string {
			b := full(s)
			i := strings.Index(b, ";chunk-signature=")
			return b[:i] + b[i+len(";chunk-signature=")+64:]
		}))
		wantCode(t, o.err, s3err.SignatureDoesNotMatch)
	})
}

// docTrailerRequest is AWS's example of a chunked upload with a signed trailing
// checksum (sigv4-streaming-trailers): the same 66560 bytes, x-amz-checksum-crc32c.
func docTrailerRequest(t *testing.T, ts *testServer, body string) *http.Request {
	t.Helper()
	req := docChunkedRequest(t, ts, body)
	req.Header.Set("X-Amz-Content-Sha256", StreamingPayloadTrailer)
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32c")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e")
	return req
}

func docTrailerBody(crc, trailerSig string) string {
	return "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2\r\n" + strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7\r\n" + strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
		"x-amz-checksum-crc32c:" + crc + "\r\n" +
		"x-amz-trailer-signature:" + trailerSig + "\r\n\r\n"
}

const docTrailerSig = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

func TestDocExampleSignedTrailer(t *testing.T) {
	ts := newTestServer(t, newTestVerifier(docTime))
	o := ts.do(t, docTrailerRequest(t, ts, docTrailerBody("sOO8/Q==", docTrailerSig)))
	wantOK(t, o)
	want := checksum.Checksum{Algorithm: checksum.CRC32C, Value: "sOO8/Q==", Type: checksum.FullObject}
	if o.sum != want || len(o.body) != 66560 {
		t.Fatalf("checksum %+v, %d bytes; want %+v, 66560", o.sum, len(o.body), want)
	}

	// A blank line between the final chunk and the trailers, as some clients send.
	body := strings.Replace(docTrailerBody("sOO8/Q==", docTrailerSig), "f992\r\n", "f992\r\n\r\n", 1)
	wantOK(t, ts.do(t, docTrailerRequest(t, ts, body)))

	// minio-go's framing: the trailer ends in "\n" and "\r\n" precedes the signature.
	body = strings.Replace(docTrailerBody("sOO8/Q==", docTrailerSig), "sOO8/Q==\r\n", "sOO8/Q==\n\r\n", 1)
	o = ts.do(t, docTrailerRequest(t, ts, body))
	wantOK(t, o)
	if o.sum != want {
		t.Fatalf("minio-go framing: checksum %+v, want %+v", o.sum, want)
	}
	// Without its signature, that framing is still refused.
	body = strings.Replace(body, "x-amz-trailer-signature:"+docTrailerSig+"\r\n", "", 1)
	wantCode(t, ts.do(t, docTrailerRequest(t, ts, body)).err, s3err.SignatureDoesNotMatch)

	// The trailer changed: its signature no longer matches.
	o = ts.do(t, docTrailerRequest(t, ts, docTrailerBody("AAAAAA==", docTrailerSig)))
	wantCode(t, o.err, s3err.SignatureDoesNotMatch)

	// Trailer signature missing.
	body = strings.Replace(docTrailerBody("sOO8/Q==", docTrailerSig), "x-amz-trailer-signature:"+docTrailerSig+"\r\n", "", 1)
	wantCode(t, ts.do(t, docTrailerRequest(t, ts, body)).err, s3err.SignatureDoesNotMatch)
}

func TestSignedTrailerWrongChecksum(t *testing.T) {
	// A correctly signed trailer whose checksum does not match the data: BadDigest.
	ts := newTestServer(t, newTestVerifier(docTime))
	cs := &chunkSigner{
		key:   testSigningKey(testSecretKey, "20130524", "us-east-1", "s3"),
		date:  "20130524T000000Z",
		scope: "20130524/us-east-1/s3/aws4_request",
		prev:  "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
	}
	a := bytes.Repeat([]byte("a"), 65536)
	body := cs.chunk(a) + cs.chunk(a[:1024]) + cs.finalWithTrailer("x-amz-checksum-crc32c:AAAAAA==")
	o := ts.do(t, docTrailerRequest(t, ts, body))
	e := wantCode(t, o.err, s3err.BadDigest)
	if e.Message != "The CRC32C you specified did not match the calculated checksum." {
		t.Errorf("message %q", e.Message)
	}

	// The same signer with the right value is accepted: the test signer agrees with
	// AWS's example.
	cs.prev = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
	body = cs.chunk(a) + cs.chunk(a[:1024]) + cs.finalWithTrailer("x-amz-checksum-crc32c:sOO8/Q==")
	if want := docTrailerBody("sOO8/Q==", docTrailerSig); body != want {
		t.Fatalf("test signer disagrees with AWS's example")
	}
}

func TestSignedChunkRules(t *testing.T) {
	ts := newTestServer(t, newTestVerifier(docTime))
	s := &chunkSigner{
		key:   testSigningKey(testSecretKey, "20130524", "us-east-1", "s3"),
		date:  "20130524T000000Z",
		scope: "20130524/us-east-1/s3/aws4_request",
		prev:  "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	}
	a := bytes.Repeat([]byte("a"), 66560)
	if s.chunk(a[:65536])+s.chunk(a[65536:])+s.chunk(nil) != docChunkedBody(docSig1, docSig2, docSig3) {
		t.Fatal("test signer disagrees with AWS's example")
	}
	h := http.Header{"X-Amz-Decoded-Content-Length": {"66560"}}
	put := func(build func(s *chunkSigner) string) outcome {
		return ts.do(t, streamingRequest(t, ts.URL+"/examplebucket/chunkObject.txt", StreamingPayload, docTime, h, build))
	}

	t.Run("small chunk before the last", func(t *testing.T) {
		o := put(func(s *chunkSigner) string { return s.chunk(a[:1000]) + s.chunk(a[1000:]) + s.chunk(nil) })
		e := wantCode(t, o.err, s3err.InvalidChunkSizeError)
		if e.Extra["Chunk"] != "1" || e.Extra["BadChunkSize"] != "1000" {
			t.Errorf("extra %v", e.Extra)
		}
	})
	t.Run("longer than declared", func(t *testing.T) {
		o := put(func(s *chunkSigner) string {
			return s.chunk(a[:65536]) + s.chunk(append(a[65536:], 'a')) + s.chunk(nil)
		})
		wantCode(t, o.err, s3err.IncompleteBody)
	})
	t.Run("shorter than declared", func(t *testing.T) {
		o := put(func(s *chunkSigner) string { return s.chunk(a[:65536]) + s.chunk(a[65536:66000]) + s.chunk(nil) })
		wantCode(t, o.err, s3err.IncompleteBody)
	})
	t.Run("trailer without trailer mode", func(t *testing.T) {
		o := put(func(s *chunkSigner) string {
			return s.chunk(a[:65536]) + s.chunk(a[65536:]) + s.chunk(nil) + "x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n"
		})
		wantCode(t, o.err, s3err.MalformedTrailerError)
	})
	t.Run("checksum header with signed chunks", func(t *testing.T) {
		req := streamingRequest(t, ts.URL+"/examplebucket/chunkObject.txt", StreamingPayload, docTime, http.Header{
			"X-Amz-Checksum-Crc32c":        {"sOO8/Q=="},
			"X-Amz-Decoded-Content-Length": {"66560"},
		}, func(s *chunkSigner) string {
			return s.chunk(a[:65536]) + s.chunk(a[65536:]) + s.chunk(nil)
		})
		o := ts.do(t, req)
		wantOK(t, o)
		if o.sum.Value != "sOO8/Q==" || o.sum.Algorithm != checksum.CRC32C {
			t.Errorf("checksum %+v", o.sum)
		}
	})
}
