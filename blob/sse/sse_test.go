package sse

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
)

func testMaster(t testing.TB) *Master {
	t.Helper()
	key := make([]byte, KeySize)
	rand.Read(key)
	m, err := NewMaster(key)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func seal(t *testing.T, k *ObjectKey, plain []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(NewEncrypter(k, bytes.NewReader(plain)))
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(out)) != CipherSize(int64(len(plain))) {
		t.Fatalf("sealed %d bytes into %d, CipherSize says %d", len(plain), len(out), CipherSize(int64(len(plain))))
	}
	return out
}

func readRange(k *ObjectKey, stored []byte, start, n, size int64) ([]byte, error) {
	off, length := CipherRange(start, n, size)
	d, err := NewDecrypter(k, bytes.NewReader(stored[off:off+length]), start, n, size)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(d)
}

func TestRoundTripAndRanges(t *testing.T) {
	m := testMaster(t)
	for _, size := range []int64{1, 100, PackageSize - 1, PackageSize, PackageSize + 1, 3*PackageSize + 17} {
		plain := make([]byte, size)
		rand.Read(plain)
		k, sealed, err := m.NewObjectKey()
		if err != nil {
			t.Fatal(err)
		}
		stored := seal(t, k, plain)
		if bytes.Contains(stored, plain[:min(size, 64)]) && size >= 16 {
			t.Fatalf("size %d: stored bytes contain the plaintext", size)
		}
		k2, err := m.Open(sealed)
		if err != nil {
			t.Fatal(err)
		}
		ranges := [][2]int64{{0, size}, {0, 1}, {size - 1, 1}, {size / 2, size - size/2}}
		if size > PackageSize+10 {
			ranges = append(ranges, [2]int64{PackageSize - 5, 10}, [2]int64{PackageSize, 1}, [2]int64{PackageSize + 3, size - PackageSize - 3})
		}
		for _, r := range ranges {
			got, err := readRange(k2, stored, r[0], r[1], size)
			if err != nil {
				t.Fatalf("size %d range %v: %v", size, r, err)
			}
			if !bytes.Equal(got, plain[r[0]:r[0]+r[1]]) {
				t.Fatalf("size %d range %v: wrong bytes", size, r)
			}
		}
	}
}

func TestTamperFails(t *testing.T) {
	m := testMaster(t)
	size := int64(2*PackageSize + 5)
	plain := bytes.Repeat([]byte("cairn"), int(size)/5+1)[:size]
	k, sealed, _ := m.NewObjectKey()
	stored := seal(t, k, plain)

	flipped := bytes.Clone(stored)
	flipped[PackageSize+tagSize+7] ^= 1 // in the second package
	if _, err := readRange(k, flipped, 0, size, size); !errors.Is(err, ErrAuth) {
		t.Fatalf("flipped byte: %v, want ErrAuth", err)
	}
	// The first package still reads: a range decrypts only what it covers.
	if got, err := readRange(k, flipped, 0, 10, size); err != nil || !bytes.Equal(got, plain[:10]) {
		t.Fatalf("untouched package: %q, %v", got, err)
	}
	// A damaged first package fails before any byte.
	first := bytes.Clone(stored)
	first[3] ^= 1
	if _, err := NewDecrypter(k, bytes.NewReader(first), 0, size, size); !errors.Is(err, ErrAuth) {
		t.Fatalf("damaged first package: %v, want ErrAuth", err)
	}

	swapped := bytes.Clone(stored)
	p := PackageSize + tagSize
	copy(swapped[:p], stored[p:2*p])
	copy(swapped[p:2*p], stored[:p])
	if _, err := readRange(k, swapped, 0, size, size); !errors.Is(err, ErrAuth) {
		t.Fatalf("reordered packages: %v, want ErrAuth", err)
	}
	short := bytes.Clone(stored[:len(stored)-1])
	if _, err := NewDecrypter(k, bytes.NewReader(short[2*p:]), 2*PackageSize, 5, size); !errors.Is(err, ErrAuth) {
		t.Fatalf("cut short: %v, want ErrAuth", err)
	}
	// Another object's key does not open these packages.
	other, _, _ := m.NewObjectKey()
	if _, err := readRange(other, stored, 0, size, size); !errors.Is(err, ErrAuth) {
		t.Fatalf("other key: %v, want ErrAuth", err)
	}
	// Another master key does not unseal the data key; a damaged sealed key fails.
	if _, err := testMaster(t).Open(sealed); !errors.Is(err, ErrAuth) {
		t.Fatalf("other master: %v, want ErrAuth", err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if _, err := m.Open(bad); !errors.Is(err, ErrAuth) {
		t.Fatalf("damaged sealed key: %v, want ErrAuth", err)
	}
	// The base nonce is bound to the data key.
	bad = bytes.Clone(sealed)
	bad[2] ^= 1
	if _, err := m.Open(bad); !errors.Is(err, ErrAuth) {
		t.Fatalf("changed base nonce: %v, want ErrAuth", err)
	}
}

func TestEmptyObject(t *testing.T) {
	m := testMaster(t)
	k, _, _ := m.NewObjectKey()
	if got := seal(t, k, nil); len(got) != 0 {
		t.Fatalf("empty object sealed to %d bytes", len(got))
	}
}

// The cost of encryption per byte, against which a PUT's and a GET's own costs can
// be set: go test -run - -bench . ./blob/sse/
func BenchmarkEncrypt(b *testing.B) {
	m := testMaster(b)
	plain := make([]byte, 8<<20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		k, _, _ := m.NewObjectKey()
		if _, err := io.Copy(io.Discard, NewEncrypter(k, bytes.NewReader(plain))); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	m := testMaster(b)
	plain := make([]byte, 8<<20)
	k, _, _ := m.NewObjectKey()
	stored, _ := io.ReadAll(NewEncrypter(k, bytes.NewReader(plain)))
	size := int64(len(plain))
	b.SetBytes(size)
	for b.Loop() {
		d, err := NewDecrypter(k, bytes.NewReader(stored), 0, size, size)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}
