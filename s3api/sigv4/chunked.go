package sigv4

import (
	"bufio"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/minio/sha256-simd"

	"github.com/cairnstore/cairn/s3api/s3err"
)

const (
	// chunkBufferSize is the read buffer of an aws-chunked body. Reads at least this
	// large go straight from the connection into the caller's buffer.
	chunkBufferSize = 64 << 10
	// maxChunkLine bounds a chunk header or trailer line.
	maxChunkLine = 4096
	// maxTrailerLines bounds the trailer section (S3 sends one checksum and a signature).
	maxTrailerLines = 16
	// minSignedChunkSize is the smallest signed chunk S3 accepts before the last one.
	minSignedChunkSize = 8 << 10
)

// chunkedReader decodes an aws-chunked body:
//
//	hex-size[;chunk-signature=sig]\r\n data \r\n ... 0[;chunk-signature=sig]\r\n
//	[trailer-name:value\r\n ... [x-amz-trailer-signature:sig\r\n]] \r\n
//
// checking each chunk's signature (signed modes), the trailer signature (signed
// trailers), the decoded length and the checksum.
type chunkedReader struct {
	br       *bufio.Reader
	signed   bool
	trailers bool
	check    *checker
	p        *Payload

	// Signed modes: the chain of signatures starts at the request's own.
	key      []byte
	stsHead  string // "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n"
	amzDate  string
	scope    string
	prev     []byte
	chunkSig []byte
	chunkSHA hash.Hash

	want     int64 // x-amz-decoded-content-length, -1 when not given
	decoded  int64
	left     int64 // bytes of the current chunk not yet read
	chunks   int   // chunk headers read
	lastSize int64
	err      error // sticky; io.EOF after a verified end
}

func newChunkedReader(body io.Reader, a *Auth, signed, trailers bool, p *Payload, check *checker) *chunkedReader {
	c := &chunkedReader{
		br:       bufio.NewReaderSize(body, chunkBufferSize),
		signed:   signed,
		trailers: trailers,
		check:    check,
		p:        p,
		want:     p.length,
	}
	if signed {
		c.key = a.signingKey
		c.amzDate = a.amzDate
		c.scope = a.scope
		c.stsHead = "AWS4-HMAC-SHA256-PAYLOAD\n" + a.amzDate + "\n" + a.scope + "\n"
		c.prev = a.signature
		c.chunkSHA = sha256.New()
	}
	return c
}

func errChunk(format string, args ...any) *s3err.Error {
	return s3err.Newf(s3err.IncompleteBody, "The aws-chunked body is malformed: "+format+".", args...)
}

func errTrailer() *s3err.Error { return s3err.New(s3err.MalformedTrailerError) }

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := 0
	for n < len(p) {
		if c.left == 0 {
			// Between chunks. With data in hand, return it rather than wait for the
			// network to deliver the next header.
			if n > 0 && c.br.Buffered() == 0 {
				break
			}
			if err := c.nextChunk(); err != nil {
				c.err = err
				return n, err
			}
			continue
		}
		want := len(p) - n
		if int64(want) > c.left {
			want = int(c.left)
		}
		m, err := c.br.Read(p[n : n+want])
		if m > 0 {
			c.consume(p[n : n+m])
			n += m
			c.left -= int64(m)
			if c.left == 0 {
				if err := c.endChunk(); err != nil {
					c.err = err
					return n, err
				}
			}
		}
		if err != nil {
			c.err = bodyError(err) // even io.EOF: the chunk or its CRLF is missing
			return n, c.err
		}
		if m < want {
			break // a short read: do not block for more
		}
	}
	return n, nil
}

func (c *chunkedReader) consume(b []byte) {
	if c.signed {
		c.chunkSHA.Write(b)
	}
	if c.check != nil {
		c.check.h.Write(b)
	}
	c.decoded += int64(len(b))
}

// readLine returns the next line without its line ending. At the end of the body it
// returns what is left (possibly "") and io.EOF.
func (c *chunkedReader) readLine() (string, error) {
	line, err := c.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull) || len(line) > maxChunkLine:
		return "", errChunk("a chunk header or trailer line is too long")
	case err == io.EOF:
		return strings.TrimSuffix(string(line), "\r"), io.EOF
	case err != nil:
		return "", bodyError(err)
	}
	s := string(line[:len(line)-1])
	return strings.TrimSuffix(s, "\r"), nil
}

// nextChunk reads a chunk header; at the final chunk it reads the trailers and runs
// every end-of-body check, leaving c.err at io.EOF when all pass.
func (c *chunkedReader) nextChunk() error {
	line, err := c.readLine()
	if err != nil {
		if err == io.EOF {
			return s3err.New(s3err.IncompleteBody)
		}
		return err
	}
	sizeStr, ext, _ := strings.Cut(line, ";")
	size, ok := parseChunkSize(strings.TrimSpace(sizeStr))
	if !ok {
		return errChunk("invalid chunk size %q", sizeStr)
	}
	if c.want >= 0 && size > c.want-c.decoded {
		return s3err.Newf(s3err.IncompleteBody, "The aws-chunked body is longer than x-amz-decoded-content-length.")
	}
	if c.signed {
		sig, ok := strings.CutPrefix(strings.TrimSpace(ext), "chunk-signature=")
		raw, err := hex.DecodeString(sig)
		if !ok || err != nil || len(raw) != 32 {
			return s3err.Newf(s3err.SignatureDoesNotMatch, "The chunk-signature of chunk %d is missing or malformed.", c.chunks+1)
		}
		if size > 0 && c.chunks > 0 && c.lastSize < minSignedChunkSize {
			return s3err.New(s3err.InvalidChunkSizeError).
				With("Chunk", strconv.Itoa(c.chunks)).
				With("BadChunkSize", strconv.FormatInt(c.lastSize, 10))
		}
		c.chunkSig = raw
		c.chunkSHA.Reset()
	}
	c.chunks++
	c.lastSize = size
	if size > 0 {
		c.left = size
		return nil
	}
	if err := c.finish(); err != nil {
		return err
	}
	return io.EOF
}

// parseChunkSize parses a chunk size: 1 to 16 hex digits, within int64.
func parseChunkSize(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 16 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 16, 63)
	return int64(n), err == nil
}

// endChunk reads the CRLF after a chunk's data and checks its signature.
func (c *chunkedReader) endChunk() error {
	b, err := c.br.ReadByte()
	if err == nil && b == '\r' {
		b, err = c.br.ReadByte()
	}
	if err != nil {
		return bodyError(err)
	}
	if b != '\n' {
		return errChunk("chunk data is not followed by CRLF")
	}
	if c.signed {
		return c.verifyChunk(hex.EncodeToString(c.chunkSHA.Sum(nil)))
	}
	return nil
}

// verifyChunk checks the current chunk's signature, given its data's hex SHA-256, and
// moves the chain on.
func (c *chunkedReader) verifyChunk(dataHash string) error {
	sts := c.stsHead + hex.EncodeToString(c.prev) + "\n" + EmptySHA256 + "\n" + dataHash
	sig := hmacSHA256(c.key, sts)
	if !hmac.Equal(sig, c.chunkSig) {
		return s3err.New(s3err.SignatureDoesNotMatch)
	}
	c.prev = sig
	return nil
}

// finish handles the final chunk: its signature, the trailers and their signature,
// the decoded length and the checksum.
func (c *chunkedReader) finish() error {
	if c.signed {
		if err := c.verifyChunk(EmptySHA256); err != nil {
			return err
		}
	}
	trailers, sig, err := c.readTrailers()
	if err != nil {
		return err
	}
	if c.signed && c.trailers {
		if err := c.verifyTrailer(trailers, sig); err != nil {
			return err
		}
	} else if sig != "" {
		return errTrailer()
	}
	if len(trailers) > 0 && !c.trailers {
		return errTrailer()
	}
	for _, t := range trailers {
		if c.check == nil || !c.check.fromTrailer || t.key != c.check.alg.HeaderName() || c.check.want != nil {
			return errTrailer() // undeclared or repeated
		}
		want, err := c.check.alg.Decode(t.value)
		if err != nil {
			return s3err.Newf(s3err.InvalidRequest, "Value for %s trailing header is invalid.", t.key)
		}
		c.check.want, c.check.value = want, t.value
	}
	if c.check != nil && c.check.want == nil {
		return errTrailer() // declared in x-amz-trailer, never sent
	}
	if c.want >= 0 && c.decoded != c.want {
		return s3err.New(s3err.IncompleteBody)
	}
	if c.check != nil {
		if err := c.check.verify(); err != nil {
			return err
		}
		c.p.sum = c.check.result()
	}
	return nil
}

// readTrailers reads the trailer section after the final chunk up to its empty line
// or the end of the body. Blank lines before the first trailer are skipped: some
// clients put the final chunk's CRLF before the trailers, others do not. With signed
// trailers a blank line between the trailers and x-amz-trailer-signature is skipped
// too: minio-go ends each trailer with "\n" and then writes "\r\n" before the
// signature, where the AWS SDKs write none.
func (c *chunkedReader) readTrailers() (trailers []param, sig string, err error) {
	signedTrailers := c.signed && c.trailers
	for range maxTrailerLines {
		line, err := c.readLine()
		if err != nil && err != io.EOF {
			return nil, "", err
		}
		eof := err == io.EOF
		if line == "" {
			if eof || sig != "" || len(trailers) > 0 && !signedTrailers {
				return trailers, sig, nil
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || sig != "" {
			return nil, "", errTrailer() // not a header, or after the signature
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if name == "x-amz-trailer-signature" {
			if value == "" {
				return nil, "", errTrailer()
			}
			sig = value
		} else {
			trailers = append(trailers, param{name, value})
		}
		if eof {
			return trailers, sig, nil
		}
	}
	return nil, "", errTrailer()
}

// verifyTrailer checks x-amz-trailer-signature: the string to sign chains from the
// final chunk's signature and hashes the trailers as "name:value\n" lines.
func (c *chunkedReader) verifyTrailer(trailers []param, sig string) error {
	want, err := hex.DecodeString(sig)
	if err != nil || len(want) != 32 {
		return s3err.Newf(s3err.SignatureDoesNotMatch, "The x-amz-trailer-signature is missing or malformed.")
	}
	h := sha256.New()
	for _, t := range trailers {
		h.Write([]byte(t.key + ":" + t.value + "\n"))
	}
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + c.amzDate + "\n" + c.scope + "\n" + hex.EncodeToString(c.prev) + "\n" + hex.EncodeToString(h.Sum(nil))
	if !hmac.Equal(hmacSHA256(c.key, sts), want) {
		return s3err.New(s3err.SignatureDoesNotMatch)
	}
	return nil
}
