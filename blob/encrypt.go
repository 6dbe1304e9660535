package blob

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/cairnstore/cairn/blob/sse"
)

// ErrNoEncryptionKey is returned for an encrypted write or read on a store opened
// without Config.EncryptionKey.
var ErrNoEncryptionKey = errors.New("blob: server-side encryption needs an encryption key")

// writeEncrypted writes plain encrypted under a fresh data key (blob/sse) as writeBody
// writes a body, always to blocks: the index checks a record's inline bytes against
// its MD5 ETag as the record arrives (index/inline.go), and an encrypted object's
// ETag is its plaintext's MD5, so an encrypted object is never inlined. The returned body's size and MD5 are
// the plaintext's, so that a SealFunc checks what the client sent and the ETag is the
// plaintext's MD5, as S3 reports for SSE-S3; its blocks hold the packages.
func (s *Store) writeEncrypted(ctx context.Context, pl placement, plain io.Reader) (body, error) {
	if s.sse == nil {
		return body{}, ErrNoEncryptionKey
	}
	if plain == nil {
		plain = eofReader{}
	}
	k, sealed, err := s.sse.NewObjectKey()
	if err != nil {
		return body{}, fmt.Errorf("blob: new data key: %w", err)
	}
	counted := &plainCounter{r: plain, md5: md5.New()}
	b, err := s.writeBody(ctx, pl, sse.NewEncrypter(k, counted), false)
	if err != nil {
		return b, err
	}
	if want := sse.CipherSize(counted.n); b.size != want {
		return b, fmt.Errorf("blob: encrypted %d bytes into %d, want %d", counted.n, b.size, want)
	}
	b.size, b.md5, b.sse = counted.n, counted.md5.Sum(nil), sealed
	return b, nil
}

// plainCounter counts and hashes the plaintext read through it.
type plainCounter struct {
	r   io.Reader
	n   int64
	md5 hash.Hash
}

func (p *plainCounter) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	p.md5.Write(b[:n])
	return n, err
}

// perPartKeys is the objectMeta.SSE of an encrypted multipart object: its parts are
// sealed each under its own data key (PartInfo.Sealed), one after the other. Any other
// SSE value is the one data key of the whole object.
var perPartKeys = []byte("parts")

// isPerPart reports whether sealed is perPartKeys.
func isPerPart(sealed []byte) bool { return string(sealed) == string(perPartKeys) }

// storedSize is how many bytes the blocks or inline bytes of the version info, whose
// objectMeta.SSE is sealed, hold.
func storedSize(info ObjectInfo, sealed []byte) int64 {
	switch {
	case sealed == nil:
		return info.Size
	case isPerPart(sealed):
		var n int64
		for _, p := range info.Parts {
			n += sse.CipherSize(p.Size)
		}
		return n
	}
	return sse.CipherSize(info.Size)
}

// decrypting returns the reader of plaintext [off, off+length) of o, an encrypted
// object, length > 0: it reads the packages that cover the range and checks each.
// A package that does not authenticate is ErrCorrupt.
func (o *Object) decrypting(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	if o.s.sse == nil {
		return nil, ErrNoEncryptionKey
	}
	if isPerPart(o.sealed) {
		return o.decryptingParts(ctx, off, length)
	}
	return o.decryptStream(ctx, o.sealed, 0, o.Info.Size, off, length)
}

// decryptStream returns the reader of plaintext [off, off+length) of one encrypted
// stream: size bytes of plaintext sealed under the data key sealed, stored from
// offset base of o's stored bytes.
func (o *Object) decryptStream(ctx context.Context, sealed []byte, base, size, off, length int64) (io.ReadCloser, error) {
	k, err := o.s.sse.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("%w: %s/%s: %w", ErrCorrupt, o.Info.Bucket, o.Info.Key, err)
	}
	coff, clen := sse.CipherRange(off, length, size)
	raw, err := o.rawReader(ctx, base+coff, clen)
	if err != nil {
		return nil, err
	}
	d, err := sse.NewDecrypter(k, raw, off, length, size)
	if err != nil {
		raw.Close()
		return nil, authError(o, err)
	}
	return &decryptErrors{d: d, o: o}, nil
}

// decryptingParts is decrypting for a multipart object whose parts each have their
// own data key: the parts the range covers are decrypted one after the other, the
// next opened once the one before is read to its end.
func (o *Object) decryptingParts(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	var segs []partSegment
	var plainStart, storedStart int64
	end := off + length
	for _, p := range o.Info.Parts {
		pEnd := plainStart + p.Size
		if pEnd > off && plainStart < end && p.Size > 0 {
			from := max(off, plainStart) - plainStart
			to := min(end, pEnd) - plainStart
			segs = append(segs, partSegment{sealed: p.Sealed, base: storedStart, size: p.Size, off: from, length: to - from})
		}
		plainStart = pEnd
		storedStart += sse.CipherSize(p.Size)
	}
	if len(segs) == 0 {
		return nil, fmt.Errorf("%w: %s/%s: no part holds bytes %d-%d", ErrCorrupt, o.Info.Bucket, o.Info.Key, off, end-1)
	}
	pr := &partsReader{ctx: ctx, o: o, segs: segs}
	if err := pr.open(); err != nil { // the first package is checked before any answer
		return nil, err
	}
	return pr, nil
}

// partSegment is the plaintext [off, off+length) of one part of size bytes, stored
// from base.
type partSegment struct {
	sealed                  []byte
	base, size, off, length int64
}

// partsReader reads partSegments in order.
type partsReader struct {
	ctx  context.Context
	o    *Object
	segs []partSegment
	cur  io.ReadCloser
}

// open opens the next segment.
func (p *partsReader) open() error {
	s := p.segs[0]
	p.segs = p.segs[1:]
	r, err := p.o.decryptStream(p.ctx, s.sealed, s.base, s.size, s.off, s.length)
	if err != nil {
		return err
	}
	p.cur = r
	return nil
}

func (p *partsReader) Read(b []byte) (int, error) {
	for {
		if p.cur == nil {
			return 0, io.EOF
		}
		n, err := p.cur.Read(b)
		if err != io.EOF {
			return n, err
		}
		p.cur.Close()
		p.cur = nil
		if len(p.segs) > 0 {
			if err := p.open(); err != nil {
				return n, err
			}
		}
		if n > 0 {
			return n, nil
		}
	}
}

func (p *partsReader) Close() error {
	if p.cur != nil {
		return p.cur.Close()
	}
	return nil
}

// authError reports a package that did not authenticate as ErrCorrupt (the stored
// bytes are not what was written); other errors (a failed block read) unchanged.
func authError(o *Object, err error) error {
	if errors.Is(err, sse.ErrAuth) {
		o.s.log.Error("encrypted object does not authenticate", "bucket", o.Info.Bucket, "key", o.Info.Key, "error", err)
		return fmt.Errorf("%w: %s/%s: %w", ErrCorrupt, o.Info.Bucket, o.Info.Key, err)
	}
	return err
}

// decryptErrors turns the decrypter's authentication failures into ErrCorrupt.
type decryptErrors struct {
	d *sse.Decrypter
	o *Object
}

func (e *decryptErrors) Read(p []byte) (int, error) {
	n, err := e.d.Read(p)
	if err != nil && err != io.EOF {
		err = authError(e.o, err)
	}
	return n, err
}

func (e *decryptErrors) Close() error { return e.d.Close() }

// reencrypt reads src, a plaintext object, (each block checked) and writes its bytes
// again encrypted under a fresh data key, for CopyObject. The caller must end the
// write with endWrite(b.pinned, ...), whatever the outcome.
func (s *Store) reencrypt(ctx context.Context, pl placement, src *Object) (body, error) {
	r, err := src.NewReader(ctx, 0, -1)
	if err != nil {
		return body{}, err
	}
	defer r.Close()
	b, err := s.writeEncrypted(ctx, pl, r)
	if err == nil && b.size != src.Info.Size {
		err = fmt.Errorf("%w: copy source %s/%s read %d bytes of %d", ErrCorrupt, src.Info.Bucket, src.Info.Key, b.size, src.Info.Size)
	}
	return b, err
}
