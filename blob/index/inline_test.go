package index

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// encodeRecordV1 is the encoder of releases before inline checksums (format 1 for
// every record), kept to test that their records still read.
func encodeRecordV1(r *Record) []byte {
	b := []byte{format1, 0}
	b = appendString(b, r.Node)
	b = binary.AppendVarint(b, r.Size)
	b = appendString(b, r.ETag)
	b = appendBytes(b, r.Meta)
	b = appendBytes(b, r.Parts)
	b = appendBytes(b, r.Inline)
	return appendBlocks(b, r.Blocks)
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func TestInlineChecksumRoundTripAndBitFlip(t *testing.T) {
	data := []byte("a small object kept inside its record")
	r := Record{Node: "n1", Size: int64(len(data)), ETag: "not-an-md5", Inline: data}
	v := encodeRecord(&r)
	require.Equal(t, byte(format2), v[0])
	var got Record
	require.NoError(t, decodeRecord(v, &got))
	require.Equal(t, data, got.Inline)
	require.True(t, recordInlineOK(v))

	for bit := range 8 * len(data) {
		bad := append([]byte(nil), v...)
		i := len(v) - 8 - 1 - len(data) + bit/8 // inline bytes sit before the sum and the empty block list
		bad[i] ^= 1 << (bit % 8)
		var got Record
		require.ErrorIs(t, decodeRecord(bad, &got), ErrCorruptInline, "bit %d", bit)
		require.Nil(t, got.Inline)
		require.False(t, recordInlineOK(bad))
	}
	// A record without inline bytes keeps format 1.
	require.Equal(t, byte(format1), encodeRecord(&Record{Node: "n1", Blocks: []BlockRef{{Size: 1}}})[0])
}

func TestLegacyInlineRecordCheckedAgainstMD5ETag(t *testing.T) {
	data := []byte("written by a release without inline checksums")
	v := encodeRecordV1(&Record{Node: "n1", Size: int64(len(data)), ETag: md5Hex(data), Inline: data})
	var got Record
	require.NoError(t, decodeRecord(v, &got))
	require.Equal(t, data, got.Inline)

	bad := append([]byte(nil), v...)
	bad[len(bad)-1-len(data)/2] ^= 0x10
	require.ErrorIs(t, decodeRecord(bad, &got), ErrCorruptInline)
	require.False(t, recordInlineOK(bad))

	// A legacy record whose ETag is not an MD5 cannot be verified: never served.
	v = encodeRecordV1(&Record{Node: "n1", Size: int64(len(data)), ETag: "abc-2", Inline: data})
	require.ErrorIs(t, decodeRecord(v, &got), ErrCorruptInline)
}

func TestIncomingInlineMustMatchItsETag(t *testing.T) {
	x := openTest(t)
	data := []byte("payload")
	r := Record{Bucket: "b", Key: "k", HLC: 1, Node: "n", Size: int64(len(data)), ETag: md5Hex([]byte("other")), Inline: data}
	_, err := x.PutRecord(t.Context(), 0, r)
	require.ErrorIs(t, err, ErrCorruptInline)
	r.ETag = md5Hex(data)
	ok, err := x.PutRecord(t.Context(), 0, r)
	require.NoError(t, err)
	require.True(t, ok)
}

// BenchmarkDecodeInline4KiB decodes a record holding 4 KiB inline: checked by its
// XXH3-64 (format 2), by its MD5 ETag (format 1, before checksums), and the decode
// alone (a format-1 record with a multipart ETag, had it not been refused).
func BenchmarkDecodeInline4KiB(b *testing.B) {
	data := make([]byte, 4096)
	for i := range data {
		data[i] = byte(i * 7)
	}
	r := Record{Node: "node-1", Size: 4096, ETag: md5Hex(data), Meta: make([]byte, 80), Inline: data}
	for _, c := range []struct {
		name string
		v    []byte
	}{{"xxh3", encodeRecord(&r)}, {"legacy-md5", encodeRecordV1(&r)}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var got Record
				if err := decodeRecord(c.v, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("no-check", func(b *testing.B) {
		v := encodeRecordV1(&r)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			d := decoder{b: v}
			var e Entry
			decodeEntry(&d, nil, &e)
			d.bytes()
			_ = d.bytes()
			d.blocks()
		}
	})
}
