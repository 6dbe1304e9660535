package s3api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/stretchr/testify/require"
)

// minioChecksums lists the checksum types minio-go can send, with their S3 names.
var minioChecksums = []minio.ChecksumType{
	minio.ChecksumCRC32, minio.ChecksumCRC32C, minio.ChecksumCRC64NVME, minio.ChecksumSHA1, minio.ChecksumSHA256,
	minio.ChecksumSHA512, minio.ChecksumMD5, minio.ChecksumXXHash64, minio.ChecksumXXHash3, minio.ChecksumXXHash128,
}

// TestMinioTrailingChecksums uploads through minio-go with its defaults (a plain-HTTP
// endpoint, so signed aws-chunked bodies with the checksum in a signed trailer), on a
// single PUT and on the multipart path, with every checksum type, and reads each
// checksum back with checksum mode enabled.
func TestMinioTrailingChecksums(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("minio-trailers")
	mc, modes := minioTrailerClient(t, e)
	ctx := context.Background()

	small := randomBytes(61, 300<<10)
	for _, ct := range minioChecksums {
		t.Run("single/"+ct.String(), func(t *testing.T) {
			key := "single-" + ct.String()
			info, err := mc.PutObject(ctx, b, key, bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{Checksum: ct})
			require.NoError(t, err)
			require.Equal(t, []string{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER " + ct.Key()}, modes.take())
			want := ct.EncodeToString(small)
			require.Equal(t, want, uploadChecksum(info, ct))
			requireMinioChecksum(t, mc, b, key, ct, want, small)
		})
	}

	// With DisableContentSha256 minio-go sends STREAMING-UNSIGNED-PAYLOAD-TRAILER.
	for _, ct := range minioChecksums {
		t.Run("unsigned/"+ct.String(), func(t *testing.T) {
			key := "unsigned-" + ct.String()
			info, err := mc.PutObject(ctx, b, key, bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{Checksum: ct, DisableContentSha256: true})
			require.NoError(t, err)
			require.Equal(t, []string{"STREAMING-UNSIGNED-PAYLOAD-TRAILER " + ct.Key()}, modes.take())
			want := ct.EncodeToString(small)
			require.Equal(t, want, uploadChecksum(info, ct))
			requireMinioChecksum(t, mc, b, key, ct, want, small)
		})
	}

	// The multipart path: every part carries its checksum in a signed trailer, the
	// completion lists them, and the object gets the composite (or, for CRC64NVME,
	// the full-object) checksum.
	const partSize = 5 << 20
	big := randomBytes(62, 2*partSize+1234)
	for _, ct := range minioChecksums {
		t.Run("multipart/"+ct.String(), func(t *testing.T) {
			key := "multi-" + ct.String()
			info, err := mc.PutObject(ctx, b, key, bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{Checksum: ct, PartSize: partSize})
			require.NoError(t, err)
			require.Equal(t, []string{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER " + ct.Key()}, modes.take())
			require.Contains(t, info.ETag, "-3")
			want := minioMultipartChecksum(ct, big, partSize)
			require.Equal(t, want, uploadChecksum(info, ct))
			requireMinioChecksum(t, mc, b, key, ct, want, big)
		})
	}
	// FULL_OBJECT CRC32 and CRC32C, which minio-go asks for with x-amz-checksum-type.
	for _, ct := range []minio.ChecksumType{minio.ChecksumFullObjectCRC32, minio.ChecksumFullObjectCRC32C} {
		t.Run("multipart/full-object-"+ct.String(), func(t *testing.T) {
			key := "multi-full-" + ct.String()
			info, err := mc.PutObject(ctx, b, key, bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{Checksum: ct, PartSize: partSize})
			require.NoError(t, err)
			want := ct.EncodeToString(big)
			require.Equal(t, want, uploadChecksum(info, ct))
			require.Equal(t, "FULL_OBJECT", info.ChecksumMode)
			requireMinioChecksum(t, mc, b, key, ct, want, big)
		})
	}
	t.Run("multipart/unknown-size", func(t *testing.T) { // minio-go's streaming path
		info, err := mc.PutObject(ctx, b, "multi-stream", io.MultiReader(bytes.NewReader(big)), -1, minio.PutObjectOptions{PartSize: partSize})
		require.NoError(t, err)
		want := minioMultipartChecksum(minio.ChecksumCRC32C, big, partSize)
		require.Equal(t, want, uploadChecksum(info, minio.ChecksumCRC32C))
		requireMinioChecksum(t, mc, b, "multi-stream", minio.ChecksumCRC32C, want, big)
	})
	t.Run("multipart/default", func(t *testing.T) { // AutoChecksum: CRC32C
		info, err := mc.PutObject(ctx, b, "multi-default", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{PartSize: partSize})
		require.NoError(t, err)
		want := minioMultipartChecksum(minio.ChecksumCRC32C, big, partSize)
		require.Equal(t, want, uploadChecksum(info, minio.ChecksumCRC32C))
		requireMinioChecksum(t, mc, b, "multi-default", minio.ChecksumCRC32C, want, big)
	})
}

// minioMultipartChecksum returns the checksum S3 gives an object uploaded in parts of
// partSize with checksum type ct: FULL_OBJECT for CRC64NVME (the checksum of the
// whole object), otherwise COMPOSITE (the checksum of the parts' raw checksums, "-N").
func minioMultipartChecksum(ct minio.ChecksumType, data []byte, partSize int) string {
	if ct == minio.ChecksumCRC64NVME {
		return ct.EncodeToString(data)
	}
	h := ct.Hasher()
	n := 0
	for off := 0; off < len(data); off += partSize {
		part := ct.Hasher()
		part.Write(data[off:min(off+partSize, len(data))])
		h.Write(part.Sum(nil))
		n++
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(n)
}

// minioTrailerClient is minioClient with TrailingHeaders on, which minio-go requires
// for any checksum option (and which the mc client sets); everything else default.
// It records the x-amz-content-sha256 mode of every PUT it sends.
func minioTrailerClient(t *testing.T, e *env) (*minio.Client, *modeRecorder) {
	t.Helper()
	u, err := url.Parse(e.node.S3URL())
	require.NoError(t, err)
	access, secret := e.node.RootCredentials()
	rec := &modeRecorder{next: http.DefaultTransport, seen: map[string]bool{}}
	c, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(access, secret, ""), Region: "us-east-1", TrailingHeaders: true, Transport: rec})
	require.NoError(t, err)
	return c, rec
}

// modeRecorder is an http.RoundTripper that notes the x-amz-content-sha256 and
// x-amz-trailer of each PUT.
type modeRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen map[string]bool
}

func (m *modeRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		m.mu.Lock()
		m.seen[r.Header.Get("X-Amz-Content-Sha256")+" "+r.Header.Get("X-Amz-Trailer")] = true
		m.mu.Unlock()
	}
	return m.next.RoundTrip(r)
}

// take returns the modes seen since the last call.
func (m *modeRecorder) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Sorted(maps.Keys(m.seen))
	clear(m.seen)
	return out
}

// requireMinioChecksum reads key through minio-go with checksum mode on and checks
// the checksum it reports and the data.
func requireMinioChecksum(t *testing.T, mc *minio.Client, bucket, key string, ct minio.ChecksumType, want string, data []byte) {
	t.Helper()
	ctx := context.Background()
	st, err := mc.StatObject(ctx, bucket, key, minio.StatObjectOptions{Checksum: true})
	require.NoError(t, err)
	require.Equal(t, want, st.Checksum(ct), "HEAD with checksum mode")
	obj, err := mc.GetObject(ctx, bucket, key, minio.GetObjectOptions{Checksum: true})
	require.NoError(t, err)
	got, err := io.ReadAll(obj)
	require.NoError(t, err)
	require.Equal(t, sha(data), sha(got))
	st, err = obj.Stat()
	require.NoError(t, err)
	require.Equal(t, want, st.Checksum(ct), "GET with checksum mode")
}

// uploadChecksum returns the checksum of type ct minio-go read from an upload's answer.
func uploadChecksum(info minio.UploadInfo, ct minio.ChecksumType) string {
	return minio.ObjectInfo{
		ChecksumCRC32: info.ChecksumCRC32, ChecksumCRC32C: info.ChecksumCRC32C, ChecksumSHA1: info.ChecksumSHA1,
		ChecksumSHA256: info.ChecksumSHA256, ChecksumCRC64NVME: info.ChecksumCRC64NVME, ChecksumMD5: info.ChecksumMD5,
		ChecksumSHA512: info.ChecksumSHA512, ChecksumXXHash64: info.ChecksumXXHash64, ChecksumXXHash3: info.ChecksumXXHash3,
		ChecksumXXHash128: info.ChecksumXXHash128,
	}.Checksum(ct)
}
