package checksum

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestKnownVectors(t *testing.T) {
	check := []byte("123456789")
	a66560 := bytes.Repeat([]byte("a"), 66560)
	for _, tc := range []struct {
		alg  Algorithm
		data []byte
		want string // hex of the big-endian digest
	}{
		{CRC32, check, "cbf43926"},
		{CRC32C, check, "e3069283"},
		{CRC64NVME, check, "ae8b14860a799888"},
		{CRC32, nil, "00000000"},
		{CRC64NVME, nil, "0000000000000000"},
		{SHA1, []byte("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{SHA256, []byte("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		// FIPS 180-2 and RFC 1321.
		{SHA512, []byte("abc"), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{MD5, nil, "d41d8cd98f00b204e9800998ecf8427e"},
		{MD5, []byte("abc"), "900150983cd24fb0d6963f7d28e17f72"},
		// The reference xxHash values (seed 0), in canonical big-endian form.
		{XXHASH64, nil, "ef46db3751d8e999"},
		{XXHASH64, []byte("abc"), "44bc2cf5ad770999"},
		{XXHASH3, nil, "2d06800538d394c2"},
		{XXHASH3, []byte("abc"), "78af5f94892f3950"},
		{XXHASH128, nil, "99aa06d3014798d86001c324468d497f"},
		{XXHASH128, []byte("abc"), "06b05ab6733a618578af5f94892f3950"},
		// The trailing checksum of AWS's "PUT Object in chunks with a trailing header"
		// example: 66560 bytes of 'a' have x-amz-checksum-crc32c sOO8/Q==.
		{CRC32C, a66560, hexOfBase64(t, "sOO8/Q==")},
		// aws-sdk-go-v2's aws-chunked example: "Hello world" has
		// x-amz-checksum-sha256 ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=.
		{SHA256, []byte("Hello world"), hexOfBase64(t, "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=")},
	} {
		h := tc.alg.New()
		h.Write(tc.data)
		if got := hex.EncodeToString(h.Sum(nil)); got != tc.want {
			t.Errorf("%s(%.12q) = %s, want %s", tc.alg, tc.data, got, tc.want)
		}
		if got, want := tc.alg.Sum(tc.data), base64.StdEncoding.EncodeToString(mustHex(t, tc.want)); got != want {
			t.Errorf("%s.Sum = %s, want %s", tc.alg, got, want)
		}
		if h.Size() != tc.alg.Size() {
			t.Errorf("%s: hash size %d, Size() %d", tc.alg, h.Size(), tc.alg.Size())
		}
	}
}

// crc64NVMEBitwise is an independent, bit-at-a-time CRC-64/NVME: reflected, init and
// xorout all ones.
func crc64NVMEBitwise(data []byte) uint64 {
	crc := ^uint64(0)
	for _, b := range data {
		crc ^= uint64(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x9a6c9329ac4bc9b5
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

func TestCRC64NVMEMatchesBitwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 100, 1000, 4096, 100003} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		want := crc64NVMEBitwise(data)
		h := newCRC64NVME()
		h.Write(data)
		if got := h.Sum64(); got != want {
			t.Fatalf("len %d: one write %x, want %x", n, got, want)
		}
		// The same data in uneven writes.
		h.Reset()
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+rng.IntN(200))
			h.Write(rest[:k])
			rest = rest[k:]
		}
		if got := h.Sum64(); got != want {
			t.Fatalf("len %d: split writes %x, want %x", n, got, want)
		}
	}
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]Algorithm{
		"crc32": CRC32, "CRC32C": CRC32C, "Crc64Nvme": CRC64NVME, "sha1": SHA1, "SHA256": SHA256,
		"sha512": SHA512, "md5": MD5, "XxHash64": XXHASH64, "xxhash3": XXHASH3, "XXHASH128": XXHASH128,
	} {
		got, err := ParseAlgorithm(in)
		if err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "md4", "crc", "sha-256", "crc32 ", "xxh3", "sha384"} {
		if _, err := ParseAlgorithm(in); !errors.Is(err, ErrUnknownAlgorithm) {
			t.Errorf("ParseAlgorithm(%q) error = %v, want ErrUnknownAlgorithm", in, err)
		}
	}
}

func TestHeaderNameAndList(t *testing.T) {
	want := map[Algorithm]string{
		CRC32: "x-amz-checksum-crc32", CRC32C: "x-amz-checksum-crc32c",
		CRC64NVME: "x-amz-checksum-crc64nvme", SHA1: "x-amz-checksum-sha1", SHA256: "x-amz-checksum-sha256",
		SHA512: "x-amz-checksum-sha512", MD5: "x-amz-checksum-md5", XXHASH64: "x-amz-checksum-xxhash64",
		XXHASH3: "x-amz-checksum-xxhash3", XXHASH128: "x-amz-checksum-xxhash128",
	}
	algs := Algorithms()
	if len(algs) != len(want) {
		t.Fatalf("Algorithms() = %v", algs)
	}
	for _, a := range algs {
		if a.HeaderName() != want[a] {
			t.Errorf("%s.HeaderName() = %q, want %q", a, a.HeaderName(), want[a])
		}
		if !a.Valid() {
			t.Errorf("%s not Valid", a)
		}
	}
	algs[0] = "mutated"
	if Algorithms()[0] != CRC32 {
		t.Error("Algorithms shares its backing array")
	}
	if Algorithm("crc32").Valid() || Algorithm("md5").Valid() {
		t.Error("Valid accepts a non-canonical name")
	}
}

func TestDecode(t *testing.T) {
	if _, err := CRC32.Decode("yPQ5Jg=="); err != nil {
		t.Errorf("valid CRC32: %v", err)
	}
	for _, tc := range []struct {
		alg Algorithm
		v   string
	}{
		{CRC32, ""}, {CRC32, "yPQ5Jg"}, {CRC32, "yPQ5Jgo="}, {CRC32, "!!!!!!=="},
		{SHA256, "yPQ5Jg=="}, {CRC64NVME, "yPQ5Jg=="}, {"SHA384", "yPQ5Jg=="},
	} {
		if _, err := tc.alg.Decode(tc.v); err == nil {
			t.Errorf("%s.Decode(%q) succeeded", tc.alg, tc.v)
		}
	}
}

func TestCompositeOf(t *testing.T) {
	parts := [][]byte{[]byte("first part"), []byte("second"), bytes.Repeat([]byte{7}, 5000)}
	for _, alg := range []Algorithm{CRC32, CRC32C, SHA1, SHA256, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128} {
		var values []string
		var raw []byte
		for _, p := range parts {
			h := alg.New()
			h.Write(p)
			sum := h.Sum(nil)
			raw = append(raw, sum...)
			values = append(values, Encode(sum))
		}
		got, err := CompositeOf(alg, values)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		want := alg.Sum(raw) + "-3"
		if got != (Checksum{Algorithm: alg, Value: want, Type: Composite}) {
			t.Errorf("%s: CompositeOf = %+v, want value %s", alg, got, want)
		}
	}
	// A hand-checked CRC32 case: the composite of one part whose CRC32 is CBF43926 is
	// the CRC32 of the four bytes cb f4 39 26.
	got, err := CompositeOf(CRC32, []string{"y/Q5Jg=="})
	if err != nil {
		t.Fatal(err)
	}
	var four [4]byte
	binary.BigEndian.PutUint32(four[:], crc32.ChecksumIEEE([]byte{0xcb, 0xf4, 0x39, 0x26}))
	if want := Encode(four[:]) + "-1"; got.Value != want {
		t.Errorf("CompositeOf(CRC32, [y/Q5Jg==]) = %s, want %s", got.Value, want)
	}

	if _, err := CompositeOf(CRC64NVME, []string{"AAAAAAAAAAA="}); !errors.Is(err, ErrNotComposite) {
		t.Errorf("CRC64NVME composite: %v", err)
	}
	if _, err := CompositeOf(CRC32, nil); !errors.Is(err, ErrNoParts) {
		t.Errorf("no parts: %v", err)
	}
	if _, err := CompositeOf(CRC32, []string{"y/Q5Jg==", "bad"}); err == nil || !strings.Contains(err.Error(), "part 2") {
		t.Errorf("bad part value: %v", err)
	}
	if _, err := CompositeOf("SHA384", []string{"y/Q5Jg=="}); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("unknown algorithm: %v", err)
	}
}

func TestFullObjectOfMatchesWholeCRC(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for trial := range 40 {
			nparts := 1 + rng.IntN(6)
			var whole []byte
			var parts []PartCRC
			for range nparts {
				var size int
				switch rng.IntN(4) {
				case 0:
					size = rng.IntN(3) // tiny, including empty parts
				case 1:
					size = rng.IntN(100)
				default:
					size = rng.IntN(300000)
				}
				data := make([]byte, size)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				whole = append(whole, data...)
				parts = append(parts, PartCRC{Value: alg.Sum(data), Size: int64(size)})
			}
			got, err := FullObjectOf(alg, parts)
			if err != nil {
				t.Fatal(err)
			}
			want := Checksum{Algorithm: alg, Value: alg.Sum(whole), Type: FullObject}
			if got != want {
				t.Fatalf("%s trial %d (%d parts, %d bytes): got %+v, want %+v", alg, trial, nparts, len(whole), got, want)
			}
		}
	}
}

func TestCombineLargeLength(t *testing.T) {
	// CRC(A‖Z) where Z is n zero bytes: combining with CRC(Z) must equal extending A by
	// n zeros, checked against direct computation for a length beyond a few MiB.
	const n = 5<<20 + 3
	zeros := make([]byte, n)
	a := []byte("prefix")
	for _, alg := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		crcA := crcValue(alg, a)
		crcZ := crcValue(alg, zeros)
		want := crcValue(alg, append(append([]byte{}, a...), zeros...))
		if got := Combine(alg, crcA, crcZ, n); got != want {
			t.Errorf("%s: Combine = %x, want %x", alg, got, want)
		}
	}
}

func crcValue(alg Algorithm, data []byte) uint64 {
	h := alg.New()
	h.Write(data)
	sum := h.Sum(nil)
	if len(sum) == 4 {
		return uint64(binary.BigEndian.Uint32(sum))
	}
	return binary.BigEndian.Uint64(sum)
}

func TestFullObjectOfErrors(t *testing.T) {
	for _, alg := range []Algorithm{SHA1, SHA256, SHA512, MD5, XXHASH64, XXHASH3, XXHASH128} {
		if _, err := FullObjectOf(alg, []PartCRC{{Value: alg.Sum(nil), Size: 0}}); !errors.Is(err, ErrNotFullObject) {
			t.Errorf("%s: %v, want ErrNotFullObject", alg, err)
		}
	}
	if _, err := FullObjectOf(CRC32, nil); !errors.Is(err, ErrNoParts) {
		t.Errorf("no parts: %v", err)
	}
	if _, err := FullObjectOf(CRC32, []PartCRC{{Value: "AAAAAAAAAAA=", Size: 1}}); err == nil {
		t.Error("CRC64-sized value accepted for CRC32")
	}
	if _, err := FullObjectOf(CRC32, []PartCRC{{Value: "AAAAAA==", Size: 1}, {Value: "AAAAAA==", Size: -1}}); err == nil {
		t.Error("negative size accepted")
	}
	if _, err := FullObjectOf("SHA384", []PartCRC{{Value: "AAAAAA==", Size: 1}}); !errors.Is(err, ErrUnknownAlgorithm) {
		t.Errorf("unknown algorithm: %v", err)
	}
}

func TestNewPanicsOnUnknown(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New of an unknown algorithm did not panic")
		}
	}()
	Algorithm("SHA384").New()
}

func BenchmarkCRC64NVME(b *testing.B) {
	buf := make([]byte, 1<<20)
	h := CRC64NVME.New()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		h.Write(buf)
	}
}

func hexOfBase64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkAlgorithms measures each algorithm over 1 MiB, the block size: the cost a
// client's choice of checksum adds to an upload.
func BenchmarkAlgorithms(b *testing.B) {
	data := bytes.Repeat([]byte("cairn checksum "), 1<<20/15+1)[:1<<20]
	for _, alg := range Algorithms() {
		b.Run(string(alg), func(b *testing.B) {
			h := alg.New()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				h.Reset()
				h.Write(data)
				h.Sum(nil)
			}
		})
	}
}
