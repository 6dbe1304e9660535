package process

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Memory test parameters.
const (
	streamSize    = 1 << 30  // the object streamed up and down
	maxRSSGrowth  = 64 << 20 // allowed peak RSS above the warmed-up baseline
	sampleEvery   = 100 * time.Millisecond
	memoryTimeout = 5 * time.Minute // bound on the whole test
)

// TestMemoryStreaming1GiB uploads a 1 GiB object from a body generated on the fly and
// downloads it again, hashing it as it streams, while sampling the server's resident
// memory: neither direction may grow it by more than 64 MiB over the baseline taken
// after a small warm-up PUT and GET. The figures are logged.
//
// The upload takes the SDK's streaming path. aws-sdk-go-v2 computes its default
// CRC32 checksum of a body it cannot seek only as an aws-chunked trailer
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER), and sends trailers only to an https endpoint;
// over plain http it refuses such a body ("unseekable stream is not supported without
// TLS and trailing checksum"). So the client here is given an https endpoint and a
// transport whose TLS dialer returns the plain loopback connection: the SDK does
// exactly what it does against a TLS endpoint, and the server receives those bytes.
func TestMemoryStreaming1GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB each way; skipped with -short")
	}
	accessKey, secretKey := randomCredentials(t)
	srv := startServer(t, t.TempDir(), accessKey, secretKey)
	endpoint := "https://" + strings.TrimPrefix(srv.S3URL, "http://")
	client := newClient(t, endpoint, accessKey, secretKey, func(o *s3.Options) {
		o.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}
		})
	})
	ctx, cancel := context.WithTimeout(context.Background(), memoryTimeout)
	defer cancel()
	const bucket = "memory"
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	// Warm-up: one small object each way through the same paths.
	warm := newStream(1, 4<<20)
	if err := putStream(ctx, client, bucket, "warm-up", warm); err != nil {
		t.Fatalf("warm-up PUT: %v", err)
	}
	if sum, n, err := getStream(ctx, client, bucket, "warm-up"); err != nil || n != warm.size || sum != warm.sum() {
		t.Fatalf("warm-up GET: %d bytes, sha256 match %v, error %v", n, sum == warm.sum(), err)
	}
	pid := srv.pid()
	base, err := readMemory(pid)
	if err != nil {
		t.Fatalf("read server memory: %v", err)
	}
	t.Logf("baseline after warm-up: VmRSS %s (VmHWM since start %s)", mib(base.rss), mib(base.hwm))

	body := newStream(2, streamSize)
	up := measure(t, pid, func() error { return putStream(ctx, client, bucket, "big", body) })
	if up.err != nil {
		t.Fatalf("PUT of 1 GiB: %v", up.err)
	}
	t.Logf("upload 1 GiB in %v (%.0f MiB/s): %s", up.elapsed.Round(time.Millisecond),
		float64(streamSize)/(1<<20)/up.elapsed.Seconds(), up.describe(base))
	head, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("big")})
	if err != nil {
		t.Fatalf("HEAD after the upload: %v", err)
	}
	if got := aws.ToInt64(head.ContentLength); got != streamSize {
		t.Fatalf("HEAD after the upload: Content-Length %d, want %d", got, streamSize)
	}

	var sum [32]byte
	var n int64
	down := measure(t, pid, func() error {
		var err error
		sum, n, err = getStream(ctx, client, bucket, "big")
		return err
	})
	if down.err != nil {
		t.Fatalf("GET of 1 GiB: %v", down.err)
	}
	t.Logf("download 1 GiB in %v (%.0f MiB/s): %s", down.elapsed.Round(time.Millisecond),
		float64(streamSize)/(1<<20)/down.elapsed.Seconds(), down.describe(base))
	if n != streamSize || sum != body.sum() {
		t.Fatalf("GET returned %d bytes with sha256 %x, want %d bytes with %x", n, sum, int64(streamSize), body.sum())
	}

	if g := up.peak - base.rss; g >= maxRSSGrowth {
		t.Errorf("upload grew the server's RSS by %s over the baseline, want < %s", mib(g), mib(maxRSSGrowth))
	}
	if g := down.peak - base.rss; g >= maxRSSGrowth {
		t.Errorf("download grew the server's RSS by %s over the baseline, want < %s", mib(g), mib(maxRSSGrowth))
	}
	srv.stop(t)
}

// stream is an object body generated on the fly from a seed: a plain io.Reader (no
// Seek), hashed as it is read.
type stream struct {
	rng       *mrand.ChaCha8
	size, off int64
	h         hash.Hash
}

func newStream(seed byte, size int64) *stream {
	return &stream{rng: mrand.NewChaCha8([32]byte{seed}), size: size, h: sha256.New()}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.size-s.off)]
	_, _ = s.rng.Read(p)
	s.h.Write(p)
	s.off += int64(len(p))
	return len(p), nil
}

// sum returns the SHA-256 of the bytes read so far: of the whole body once read.
func (s *stream) sum() (sum [32]byte) {
	s.h.Sum(sum[:0])
	return sum
}

// putStream uploads s with one PutObject of known length, and checks that it was all read.
func putStream(ctx context.Context, client *s3.Client, bucket, key string, s *stream) error {
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Body: s, ContentLength: aws.Int64(s.size),
	})
	if err == nil && s.off != s.size {
		err = fmt.Errorf("the SDK read %d of %d bytes of the body", s.off, s.size)
	}
	return err
}

// getStream downloads an object and returns its SHA-256 and length.
func getStream(ctx context.Context, client *s3.Client, bucket, key string) ([32]byte, int64, error) {
	var sum [32]byte
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return sum, 0, err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	h.Sum(sum[:0])
	return sum, n, err
}

// memory is a reading of /proc/PID/status, in bytes.
type memory struct {
	rss int64 // VmRSS: resident now
	hwm int64 // VmHWM: peak resident since start or the last reset
}

// readMemory reads VmRSS and VmHWM of a process.
func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("%s: %q: %w", name, value, err)
		}
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
	}
	if err := sc.Err(); err != nil {
		return memory{}, err
	}
	if m.rss == 0 || m.hwm == 0 {
		return memory{}, errors.New("no VmRSS or VmHWM in /proc/PID/status")
	}
	return m, nil
}

// resetPeak resets a process's VmHWM to its current RSS (Linux ≥ 4.0), and reports
// whether it could.
func resetPeak(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// phase is the memory use of the server during one operation.
type phase struct {
	err         error
	elapsed     time.Duration
	peak        int64 // highest of the samples and, if it could be reset, VmHWM
	sampledPeak int64
	hwm         int64 // VmHWM at the end; 0 if it could not be reset at the start
	after       int64 // VmRSS at the end
	samples     int
}

func (p phase) describe(base memory) string {
	hwm := "VmHWM not resettable"
	if p.hwm > 0 {
		hwm = "VmHWM " + mib(p.hwm)
	}
	return fmt.Sprintf("peak RSS %s (%s, highest of %d samples %s), after %s; growth over baseline %s",
		mib(p.peak), hwm, p.samples, mib(p.sampledPeak), mib(p.after), mib(p.peak-base.rss))
}

// measure runs op while sampling the RSS of pid every sampleEvery, with VmHWM reset
// at the start so that it reports this phase's peak.
func measure(t *testing.T, pid int, op func() error) phase {
	t.Helper()
	var p phase
	hwmReset := resetPeak(pid)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(sampleEvery)
		defer tick.Stop()
		for {
			if m, err := readMemory(pid); err == nil {
				p.samples++
				p.sampledPeak = max(p.sampledPeak, m.rss)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	start := time.Now()
	err := op()
	p.elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	p.err = err
	m, merr := readMemory(pid)
	if merr != nil {
		t.Fatalf("read server memory: %v", merr)
	}
	p.after = m.rss
	p.peak = max(p.sampledPeak, m.rss)
	if hwmReset {
		p.hwm = m.hwm
		p.peak = max(p.peak, m.hwm)
	}
	return p
}

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
