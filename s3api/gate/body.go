package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/meta/jsonkeys"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// ErrBodyTooLarge is ReadBody's error for a body over its limit. Each surface
// answers it with its own code (MaxMessageLengthExceeded, EntityTooLarge, ...).
var ErrBodyTooLarge = errors.New("gate: request body too large")

// verifiedBody replaces a request's Body after authentication: every read goes
// through the signature's payload reader (sigv4.Payload), which checks the body
// against the signed x-amz-content-sha256, chunk signatures and checksums, and
// returns the failure instead of io.EOF. No handler can read the raw body.
type verifiedBody struct {
	raw     io.ReadCloser
	hr      *http.Request
	sig     *sigv4.Auth
	payload *sigv4.Payload
	err     error
	opened  bool
	// objectChecksums: the x-amz-checksum-* headers describe the object the request
	// makes, not its body (ObjectChecksumHeaders).
	objectChecksums bool
}

// open makes the payload reader on first use, so that a request whose body is
// never read is not refused for its body headers.
func (b *verifiedBody) open() (*sigv4.Payload, error) {
	if !b.opened {
		b.opened = true
		clone := *b.hr
		clone.Body = b.raw
		if b.objectChecksums {
			clone.Header = clone.Header.Clone()
			for _, alg := range checksum.Algorithms() {
				clone.Header.Del(alg.HeaderName())
			}
		}
		b.payload, b.err = b.sig.Payload(&clone)
	}
	return b.payload, b.err
}

func (b *verifiedBody) Read(p []byte) (int, error) {
	pl, err := b.open()
	if err != nil {
		return 0, err
	}
	return pl.Read(p)
}

func (b *verifiedBody) Close() error { return b.raw.Close() }

// wrapBody replaces the request's body with the verifying reader. On a surface
// with SignedBodies, a request with a body must have signed its SHA-256.
func (g *Gate) wrapBody(req *Request) error {
	hr := req.HTTP
	if g.cfg.SignedBodies && hasBody(hr) && !sigv4.IsHexSHA256(hr.Header.Get("X-Amz-Content-Sha256")) {
		return s3err.Newf(s3err.InvalidRequest, "A request with a body must sign it: set x-amz-content-sha256 to the hex SHA-256 of the body (UNSIGNED-PAYLOAD, streaming bodies and presigned URLs are not accepted with a body).")
	}
	raw := hr.Body
	if raw == nil {
		raw = http.NoBody
	}
	sig := req.Caller.Sig
	if sig == nil {
		sig = &sigv4.Auth{}
	}
	req.body = &verifiedBody{raw: raw, hr: hr, sig: sig}
	hr.Body = req.body
	return nil
}

func hasBody(hr *http.Request) bool {
	return hr.ContentLength != 0 && hr.Body != nil && hr.Body != http.NoBody
}

// Payload returns the verified payload of an authenticated request, for a streaming
// upload: its length and checksum, and the reader whose io.EOF means every check
// passed. A caller must discard what it read unless the read ended with io.EOF.
func (req *Request) Payload() (*sigv4.Payload, error) {
	if req.body == nil {
		return nil, fmt.Errorf("%w (gate: Payload before Authenticate)", s3err.New(s3err.InternalError))
	}
	return req.body.open()
}

// ObjectChecksumHeaders tells the gate, before the body is read, that the request's
// x-amz-checksum-<alg> headers are the checksum of the object it makes, not of its
// body, as on CompleteMultipartUpload: the body is still verified against its signed
// hash and Content-MD5, but not against those headers.
func (req *Request) ObjectChecksumHeaders() {
	if req.body != nil {
		req.body.objectChecksums = true
	}
}

// ReadBody reads the whole body of an authenticated request, at most limit bytes,
// and returns it only once it is verified: a body that does not match its signed
// x-amz-content-sha256 (XAmzContentSHA256Mismatch), its checksum or Content-MD5
// (BadDigest) returns that error, so a handler never acts on bytes that were not
// signed. ErrBodyTooLarge when the body exceeds limit.
func (req *Request) ReadBody(limit int64) ([]byte, error) {
	p, err := req.Payload()
	if err != nil {
		return nil, err
	}
	if n := p.Length(); n > limit {
		return nil, ErrBodyTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(p, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrBodyTooLarge
	}
	// The limited reader stops at limit+1 bytes without seeing the end; a body of
	// exactly limit bytes or less ended with io.EOF, so every check ran.
	if want, err := ContentMD5(req.HTTP.Header); err != nil {
		return nil, err
	} else if want != nil && !md5Equal(want, data) {
		return nil, s3err.New(s3err.BadDigest)
	}
	return data, nil
}

// DecodeJSON decodes a JSON body into v strictly: exactly one JSON value, no field v
// does not have (a misspelt field is an error, not silently ignored) and no key
// twice in one object (nor two keys that differ only in case, which encoding/json
// would map to the same field): with duplicates, which one wins differs between
// parsers, so a document could mean one thing to a checker and another to Cairn.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("the request needs a JSON body")
	}
	key, dup, err := jsonkeys.Duplicate(body, true)
	if err != nil {
		return fmt.Errorf("the JSON body does not parse: %w", err)
	}
	if dup {
		return fmt.Errorf("the key %q appears twice in one JSON object", key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the JSON body does not parse: %w", err)
	}
	if dec.More() {
		return errors.New("the JSON body has data after its value")
	}
	return nil
}
