package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// encryptingStore is a store with an encryption key.
func encryptingStore(t testing.TB) *Store {
	cfg := testConfig(t)
	cfg.EncryptionKey = bytes.Repeat([]byte{7}, 32)
	return openStore(t, cfg)
}

func TestEncryptedPutReadsBackAndStoresNoPlaintext(t *testing.T) {
	s := encryptingStore(t)
	ctx := context.Background()
	for _, n := range []int{0, 10, testInline + 1, 3*testBlock + 123, 200_000} {
		data := randBytes(n, uint64(n))
		info, err := s.PutObject(ctx, PutInput{Bucket: "b", Key: "k", Body: bytes.NewReader(data), Encrypt: true})
		require.NoError(t, err, n)
		sum := md5.Sum(data)
		require.Equal(t, hex.EncodeToString(sum[:]), info.ETag, n)
		require.True(t, info.Encrypted)
		require.Equal(t, int64(n), info.Size)
		o, err := s.OpenObject(ctx, "b", "k")
		require.NoError(t, err, n)
		require.True(t, o.Info.Encrypted)
		for _, r := range [][2]int64{{0, -1}, {1, 5}, {int64(n) / 3, int64(n) / 2}} {
			if r[0] > int64(n) || n == 0 && r[1] > 0 {
				continue
			}
			rd, err := o.NewReader(ctx, r[0], r[1])
			require.NoError(t, err, n)
			got, err := io.ReadAll(rd)
			rd.Close()
			require.NoError(t, err)
			end := int64(n)
			if r[1] >= 0 {
				end = min(end, r[0]+r[1])
			}
			require.True(t, bytes.Equal(data[r[0]:end], got), "size %d range %v", n, r)
		}
		if n > 64 {
			for _, ref := range o.blocks {
				raw, err := s.blocks.Get(ref.Hash)
				require.NoError(t, err)
				require.False(t, bytes.Contains(raw, data[:64]), "a block holds the plaintext")
			}
			require.False(t, bytes.Contains(o.inline, data[:64]), "the record holds the plaintext")
		}
	}
}

func TestEncryptedPutWithoutKeyIsRefused(t *testing.T) {
	s := newStore(t)
	_, err := s.PutObject(context.Background(), PutInput{Bucket: "b", Key: "k", Body: bytes.NewReader([]byte("x")), Encrypt: true})
	require.True(t, errors.Is(err, ErrNoEncryptionKey), "%v", err)
}

func TestEncryptedMultipartReadsBackAcrossParts(t *testing.T) {
	s := encryptingStore(t)
	ctx := context.Background()
	up, err := s.CreateUpload(ctx, CreateUploadInput{Bucket: "b", Key: "mp", Encrypt: true})
	require.NoError(t, err)
	require.True(t, up.Encrypted)
	sizes := []int{2*testBlock + 100, 3*testBlock + 5, 777}
	var whole []byte
	var parts []CompletePart
	for i, n := range sizes {
		// The first part is uploaded twice: the second upload replaces it, under a
		// data key of its own.
		if i == 0 {
			_, err := s.UploadPart(ctx, UploadPartInput{Bucket: "b", Key: "mp", UploadID: up.UploadID, PartNumber: 1, Body: bytes.NewReader(randBytes(n, 99))})
			require.NoError(t, err)
		}
		data := randBytes(n, uint64(i+1))
		pi, err := s.UploadPart(ctx, UploadPartInput{Bucket: "b", Key: "mp", UploadID: up.UploadID, PartNumber: i + 1, Body: bytes.NewReader(data)})
		require.NoError(t, err)
		require.NotNil(t, pi.Sealed)
		sum := md5.Sum(data)
		require.Equal(t, hex.EncodeToString(sum[:]), pi.ETag, "a part's ETag is its plaintext's MD5")
		whole = append(whole, data...)
		parts = append(parts, CompletePart{PartNumber: i + 1, ETag: pi.ETag})
	}
	info, err := s.CompleteUpload(ctx, "b", "mp", up.UploadID, parts)
	require.NoError(t, err)
	require.True(t, info.Encrypted)
	require.Equal(t, int64(len(whole)), info.Size)

	o, err := s.OpenObject(ctx, "b", "mp")
	require.NoError(t, err)
	n := int64(len(whole))
	p1 := int64(sizes[0])
	for _, r := range [][2]int64{{0, -1}, {0, 1}, {p1 - 3, 6}, {p1, 10}, {p1 - 1, int64(sizes[1]) + 2}, {n - 5, 5}, {n - 1, -1}} {
		rd, err := o.NewReader(ctx, r[0], r[1])
		require.NoError(t, err, r)
		got, err := io.ReadAll(rd)
		rd.Close()
		require.NoError(t, err, r)
		end := n
		if r[1] >= 0 {
			end = r[0] + r[1]
		}
		require.True(t, bytes.Equal(whole[r[0]:end], got), "range %v", r)
	}
	for _, ref := range o.blocks {
		raw, err := s.blocks.Get(ref.Hash)
		require.NoError(t, err)
		require.False(t, bytes.Contains(raw, whole[:64]), "a block holds the plaintext")
	}

	// A copy shares the ciphertext and the parts' keys.
	_, err = s.CopyObject(ctx, CopyInput{Src: o, Bucket: "b", Key: "copy"})
	require.NoError(t, err)
	c, err := s.OpenObject(ctx, "b", "copy")
	require.NoError(t, err)
	require.True(t, c.Info.Encrypted)
	rd, err := c.NewReader(ctx, p1-10, 20)
	require.NoError(t, err)
	got, err := io.ReadAll(rd)
	rd.Close()
	require.NoError(t, err)
	require.Equal(t, whole[p1-10:p1+10], got)
}
