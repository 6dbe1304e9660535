// Package sse encrypts object bytes at rest (SSE-S3): each object gets a random data
// key, its bytes are sealed with AES-256-GCM in fixed-size packages, and the data key
// is sealed under the cluster's master key and kept with the object's metadata.
//
// A package is PackageSize bytes of plaintext (the last one fewer) followed by its
// 16-byte GCM tag. Package i's nonce is the object's random base nonce with i XORed
// into its last 8 bytes, so packages decrypt independently (a range reads only the
// packages it covers) and cannot be reordered or moved to another object undetected.
// An empty object has no package.
package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// PackageSize is the plaintext size of every package but the last.
const PackageSize = 64 << 10

// tagSize is GCM's tag size.
const tagSize = 16

// KeySize is the size of the master key and of every data key: AES-256.
const KeySize = 32

// nonceSize is GCM's standard nonce size.
const nonceSize = 12

// format is the first byte of a sealed key; a new scheme gets a new value.
const format byte = 1

// sealedSize is the length of a sealed key: format, base nonce, the data key sealed
// with a random nonce (nonce, key, tag).
const sealedSize = 1 + nonceSize + nonceSize + KeySize + tagSize

// sealPurpose binds a sealed data key to this use of the master key.
const sealPurpose = "cairn/blob/sse-s3 data key\x00"

// ErrAuth is returned when a package or a sealed key does not authenticate: the stored
// bytes were changed, or the master key is not the one that sealed them.
var ErrAuth = errors.New("sse: encrypted data does not authenticate")

// CipherSize is the stored size of a plaintext of n bytes.
func CipherSize(n int64) int64 {
	return n + (n+PackageSize-1)/PackageSize*tagSize
}

// Master seals and opens data keys under the master key.
type Master struct {
	aead cipher.AEAD
}

// NewMaster returns the Master for a KeySize-byte key.
func NewMaster(key []byte) (*Master, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("sse: master key must be %d bytes, got %d", KeySize, len(key))
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &Master{aead: aead}, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sse: %w", err)
	}
	return cipher.NewGCM(block)
}

// ObjectKey is one object's data key and base nonce.
type ObjectKey struct {
	aead  cipher.AEAD
	nonce [nonceSize]byte
}

// NewObjectKey returns a fresh random data key and base nonce, and their sealed form
// to store with the object.
func (m *Master) NewObjectKey() (*ObjectKey, []byte, error) {
	var key [KeySize]byte
	k := &ObjectKey{}
	if _, err := rand.Read(key[:]); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(k.nonce[:]); err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(key[:])
	if err != nil {
		return nil, nil, err
	}
	k.aead = aead
	sealed := append([]byte{format}, k.nonce[:]...)
	var sealNonce [nonceSize]byte
	if _, err := rand.Read(sealNonce[:]); err != nil {
		return nil, nil, err
	}
	sealed = append(sealed, sealNonce[:]...)
	sealed = m.aead.Seal(sealed, sealNonce[:], key[:], sealAD(k.nonce[:]))
	return k, sealed, nil
}

// sealAD is the additional data of a sealed key: it binds the base nonce to the key.
func sealAD(nonce []byte) []byte { return append([]byte(sealPurpose), nonce...) }

// Open unseals what NewObjectKey sealed.
func (m *Master) Open(sealed []byte) (*ObjectKey, error) {
	if len(sealed) != sealedSize || sealed[0] != format {
		return nil, fmt.Errorf("%w: malformed sealed key", ErrAuth)
	}
	k := &ObjectKey{}
	copy(k.nonce[:], sealed[1:1+nonceSize])
	rest := sealed[1+nonceSize:]
	key, err := m.aead.Open(nil, rest[:nonceSize], rest[nonceSize:], sealAD(k.nonce[:]))
	if err != nil {
		return nil, fmt.Errorf("%w: the data key does not unseal under this cluster's master key", ErrAuth)
	}
	if k.aead, err = newGCM(key); err != nil {
		return nil, err
	}
	return k, nil
}

// packageNonce is package i's nonce.
func (k *ObjectKey) packageNonce(i int64) []byte {
	n := k.nonce
	var idx [8]byte
	binary.BigEndian.PutUint64(idx[:], uint64(i))
	for j := range idx {
		n[nonceSize-8+j] ^= idx[j]
	}
	return n[:]
}

// Encrypter reads plaintext from a reader and yields the sealed packages.
type Encrypter struct {
	k     *ObjectKey
	src   io.Reader
	plain []byte
	out   []byte // the current sealed package, not yet read
	idx   int64
	err   error
}

// NewEncrypter returns a reader of src's bytes sealed under k. A read error of src is
// returned unchanged.
func NewEncrypter(k *ObjectKey, src io.Reader) *Encrypter {
	return &Encrypter{k: k, src: src, plain: make([]byte, PackageSize), out: make([]byte, 0, PackageSize+tagSize)}
}

// Read implements io.Reader.
func (e *Encrypter) Read(p []byte) (int, error) {
	for len(e.out) == 0 {
		if e.err != nil {
			return 0, e.err
		}
		n, err := io.ReadFull(e.src, e.plain)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			e.err = io.EOF
		case err != nil:
			e.err = err
			return 0, err
		}
		if n > 0 {
			e.out = e.k.aead.Seal(e.out[:0], e.k.packageNonce(e.idx), e.plain[:n], nil)
			e.idx++
		}
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}

// CipherRange returns the stored range [off, off+length) that holds the packages
// covering plaintext [start, start+n) of an object of size bytes, n > 0.
func CipherRange(start, n, size int64) (off, length int64) {
	first, last := start/PackageSize, (start+n-1)/PackageSize
	off = first * (PackageSize + tagSize)
	end := min((last+1)*(PackageSize+tagSize), CipherSize(size))
	return off, end - off
}

// Decrypter reads the plaintext [start, start+n) of an object of size bytes from src,
// the stored bytes CipherRange names.
type Decrypter struct {
	k      *ObjectKey
	src    io.Reader
	size   int64
	idx    int64 // the next package to read
	skip   int64 // plaintext bytes to drop from the next package
	left   int64 // plaintext bytes still to return
	buf    []byte
	plain  []byte // decrypted, not yet returned
	closer io.Closer
}

// NewDecrypter returns the reader of plaintext [start, start+n) (n > 0) of an object
// of size bytes, reading the stored packages from src. It decrypts the first package
// before it returns, so that a package that does not authenticate is an error before
// any byte is returned. Close closes src if it is an io.Closer.
func NewDecrypter(k *ObjectKey, src io.Reader, start, n, size int64) (*Decrypter, error) {
	d := &Decrypter{k: k, src: src, size: size, idx: start / PackageSize, skip: start % PackageSize, left: n,
		buf: make([]byte, PackageSize+tagSize)}
	if c, ok := src.(io.Closer); ok {
		d.closer = c
	}
	if err := d.fill(); err != nil {
		return nil, err
	}
	return d, nil
}

// fill decrypts the next package.
func (d *Decrypter) fill() error {
	plainLen := min(PackageSize, d.size-d.idx*PackageSize)
	if plainLen <= 0 {
		return fmt.Errorf("%w: read past the last package", ErrAuth)
	}
	buf := d.buf[:plainLen+tagSize]
	if _, err := io.ReadFull(d.src, buf); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: package %d is cut short", ErrAuth, d.idx)
		}
		return err
	}
	plain, err := d.k.aead.Open(buf[:0], d.k.packageNonce(d.idx), buf, nil)
	if err != nil {
		return fmt.Errorf("%w: package %d", ErrAuth, d.idx)
	}
	d.idx++
	plain = plain[d.skip:]
	d.skip = 0
	if int64(len(plain)) > d.left {
		plain = plain[:d.left]
	}
	d.left -= int64(len(plain))
	d.plain = plain
	return nil
}

// Read implements io.Reader.
func (d *Decrypter) Read(p []byte) (int, error) {
	if len(d.plain) == 0 {
		if d.left == 0 {
			return 0, io.EOF
		}
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, d.plain)
	d.plain = d.plain[n:]
	return n, nil
}

// Close closes the stored reader.
func (d *Decrypter) Close() error {
	if d.closer != nil {
		return d.closer.Close()
	}
	return nil
}
