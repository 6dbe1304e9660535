// Package process tests the real cairn binary as a separate process: it is built once
// in TestMain, started on loopback ports in a temporary data directory, and driven
// with aws-sdk-go-v2 over real sockets. The tests kill it for real (SIGKILL) and read
// its memory use from /proc.
package process

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/tests/proctest"
)

// cairnBin is the server binary that TestMain builds.
var cairnBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests builds cmd/cairn into a temporary directory, runs the tests and removes it.
// CAIRN_BIN, if set, names a binary to test instead (as for tests/clients/run.sh).
func runTests(m *testing.M) int {
	if bin := os.Getenv("CAIRN_BIN"); bin != "" {
		cairnBin = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "cairn-process-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "process tests:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if cairnBin, err = proctest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, "process tests:", err)
		return 1
	}
	return m.Run()
}

// server is one run of the cairn binary, and its data directory.
type server struct {
	*proctest.Proc
	dataDir string
}

// Startup bounds: the banner and readiness normally take well under a second.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
)

// startServer starts the binary on ephemeral loopback ports (read back from its
// banner) with the data directory and root credentials given, and returns once
// /health/ready answers 200. The process is killed when the test ends, and its output
// is logged if the test failed. extraArgs are added to the command line.
func startServer(t *testing.T, dataDir, accessKey, secretKey string, extraArgs ...string) *server {
	t.Helper()
	s := spawn(t, append([]string{"server",
		"--data", dataDir,
		"--s3-addr", "127.0.0.1:0",
		"--admin-addr", "127.0.0.1:0",
		"--node-id", "n1"}, extraArgs...),
		"CAIRN_ROOT_ACCESS_KEY="+accessKey, "CAIRN_ROOT_SECRET_KEY="+secretKey)
	s.dataDir = dataDir
	s.waitReady(t)
	return s
}

// spawn starts the binary (proctest.Spawn) without waiting for it to be ready.
func spawn(t *testing.T, args []string, env ...string) *server {
	t.Helper()
	return &server{Proc: proctest.Spawn(t, cairnBin, args, env...)}
}

// waitReady waits until the server has printed its endpoints and is ready, failing
// the test if that takes longer than startTimeout or the process exits.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	if err := s.Ready(startTimeout); err != nil {
		t.Fatal(err)
	}
}

// pid returns the server's process id.
func (s *server) pid() int { return s.PID() }

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() { s.Kill() }

// stop asks the server to shut down (SIGTERM) and waits, killing it if it has not
// gone within stopTimeout.
func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.Exited:
		if s.WaitErr != nil {
			t.Errorf("server exited with %v after SIGTERM", s.WaitErr)
		}
	case <-time.After(stopTimeout):
		t.Errorf("server did not stop within %v of SIGTERM", stopTimeout)
		s.kill()
	}
}

// randomCredentials returns a fresh root access key and secret.
func randomCredentials(t *testing.T) (accessKey, secretKey string) {
	t.Helper()
	b := make([]byte, 30)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "AK" + strings.ToUpper(hex.EncodeToString(b[:9])), hex.EncodeToString(b[9:])
}

// newClient returns an aws-sdk-go-v2 S3 client with the SDK's default configuration
// (retries, checksums, HTTP client), except for what a private endpoint needs: static
// credentials, region us-east-1, the endpoint, and path-style addressing. The shared
// config and credentials files are not read, so this machine's cannot interfere.
func newClient(t testing.TB, endpoint, accessKey, secretKey string, optFns ...func(*s3.Options)) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		t.Fatalf("aws config: %v", err)
	}
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		// Only a log line: GETs of multipart objects, whose checksums are composite,
		// are not validated by the SDK, and it would say so on every one.
		o.DisableLogOutputChecksumValidationSkipped = true
	}}, optFns...)...)
}

// ---- the crash test ---------------------------------------------------------------

// Crash test parameters. The load runs for loadDuration per cycle once at least
// minAcks writes have been acknowledged, then the server is killed.
const (
	crashCycles   = 3
	uploaders     = 16
	keysPerWorker = 6 // keys are overwritten, so an interrupted overwrite is tested too
	loadDuration  = 3 * time.Second
	minAcks       = uploaders
	loadTimeout   = 60 * time.Second // bound on reaching minAcks
	inlineLimit   = 16 << 10         // objects below this are inlined in their record
	partSize      = 5 << 20          // the first part of the multipart uploads
)

// attempt is one write of a key: its content is content(seed, size).
type attempt struct {
	seed uint64
	size int64
	sum  [32]byte
	kind string // "inline", "blocks" or "multipart"
}

// keyState is what was written to one key, by one uploader, in order.
type keyState struct {
	attempts []attempt
	// acked is the index of the newest acknowledged attempt, or -1.
	acked int
	// seen is the attempt a GET returned after the last restart (-1: no such key),
	// or -2 if the key has not been checked since it was last written. Once seen, a
	// key that is not written again must read the same after every later restart.
	seen int
}

// ledger records every write attempt and acknowledgement of the crash test.
type ledger struct {
	mu   sync.Mutex
	keys map[string]*keyState
}

// begin records that attempt a of key is about to be sent and returns its index.
func (l *ledger) begin(key string, a attempt) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ks := l.keys[key]
	if ks == nil {
		ks = &keyState{acked: -1}
		l.keys[key] = ks
	}
	ks.attempts = append(ks.attempts, a)
	ks.seen = -2
	return len(ks.attempts) - 1
}

// ack records that attempt i of key was acknowledged.
func (l *ledger) ack(key string, i int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ks := l.keys[key]; i > ks.acked {
		ks.acked = i
	}
}

// content returns the size bytes of pseudo-random content derived from seed, so that
// any attempt can be regenerated.
func content(seed uint64, size int64) []byte {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	b := make([]byte, size)
	_, _ = mrand.NewChaCha8(s).Read(b)
	return b
}

// TestCrashKeepsAcknowledgedWrites runs concurrent uploads of inlined, multi-block and
// multipart objects against the server, kills it with SIGKILL in the middle of them,
// restarts it on the same data directory and checks that every acknowledged write
// reads back byte-identical, that nothing listed is partial or unreadable, and that
// the temp files of interrupted block writes are gone; three times over.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	dataDir := t.TempDir()
	accessKey, secretKey := randomCredentials(t)
	baseSeed := uint64(time.Now().UnixNano())
	t.Logf("base seed %d", baseSeed)
	const bucket = "crash"
	l := &ledger{keys: map[string]*keyState{}}

	srv := startServer(t, dataDir, accessKey, secretKey)
	ctx := context.Background()
	if _, err := newClient(t, srv.S3URL, accessKey, secretKey).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	for cycle := 1; cycle <= crashCycles; cycle++ {
		client := newClient(t, srv.S3URL, accessKey, secretKey)
		stats := runLoadAndKill(t, srv, client, bucket, cycle, baseSeed, l)
		t.Logf("cycle %d: %s", cycle, stats)
		if t.Failed() {
			return
		}
		leftover := tempFiles(t, dataDir)
		srv = startServer(t, dataDir, accessKey, secretKey)
		if left := tempFiles(t, dataDir); len(left) > 0 {
			t.Errorf("cycle %d: %d temp files of interrupted writes left after restart (%d before it), e.g. %s",
				cycle, len(left), len(leftover), left[0])
		} else {
			t.Logf("cycle %d: %d temp files after the kill, none after the restart", cycle, len(leftover))
		}
		verify(t, newClient(t, srv.S3URL, accessKey, secretKey), bucket, l, fmt.Sprintf("cycle %d", cycle))
		if t.Failed() {
			return
		}
	}
	srv.stop(t)
}

// loadStats summarises one cycle of load.
type loadStats struct {
	started, acked, inFlight int64
	elapsed                  time.Duration
}

func (s loadStats) String() string {
	return fmt.Sprintf("%d writes started, %d acknowledged, %d in flight at the kill after %v",
		s.started, s.acked, s.inFlight, s.elapsed.Round(time.Millisecond))
}

// runLoadAndKill runs the uploaders until the load has lasted loadDuration, kills the
// server, and returns once every uploader has stopped. An error before the kill fails
// the test.
func runLoadAndKill(t *testing.T, srv *server, client *s3.Client, bucket string, cycle int, baseSeed uint64, l *ledger) loadStats {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		killed                   atomic.Bool
		started, acked, inFlight atomic.Int64
		wg                       sync.WaitGroup
	)
	// errs holds the first write that failed before the kill.
	errs := make(chan error, 1)
	fail := func(err error) {
		if killed.Load() || ctx.Err() != nil {
			return // expected: the server is gone
		}
		select {
		case errs <- err:
		default:
		}
	}
	for w := range uploaders {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(baseSeed, uint64(cycle)<<32|uint64(w)))
			for n := 0; ctx.Err() == nil; n++ {
				key := fmt.Sprintf("c%d/w%02d/k%d", cycle, w, n%keysPerWorker)
				a := attempt{seed: baseSeed ^ (uint64(cycle)<<48 | uint64(w)<<32 | uint64(n))}
				switch p := rng.IntN(100); {
				case p < 40:
					a.kind, a.size = "inline", rng.Int64N(inlineLimit)
				case p < 85:
					a.kind, a.size = "blocks", 1<<20+rng.Int64N(4<<20+1)
				default:
					a.kind, a.size = "multipart", partSize+1+rng.Int64N(256<<10)
				}
				data := content(a.seed, a.size)
				a.sum = sha256.Sum256(data)
				i := l.begin(key, a)
				started.Add(1)
				inFlight.Add(1)
				err := put(ctx, client, bucket, key, a.kind, data)
				inFlight.Add(-1)
				if err != nil {
					fail(fmt.Errorf("%s write of %s (%d bytes): %w", a.kind, key, a.size, err))
					return
				}
				l.ack(key, i)
				acked.Add(1)
			}
		})
	}

	start := time.Now()
	deadline := start.Add(loadTimeout)
	var writeErr error
load:
	for time.Since(start) < loadDuration || acked.Load() < minAcks {
		if time.Now().After(deadline) {
			t.Errorf("cycle %d: only %d writes acknowledged within %v", cycle, acked.Load(), loadTimeout)
			break
		}
		select {
		case <-srv.Exited:
			t.Errorf("cycle %d: server exited under load: %v", cycle, srv.WaitErr)
			break load
		case writeErr = <-errs:
			t.Errorf("cycle %d: a write failed before the kill: %v", cycle, writeErr)
			break load
		case <-time.After(20 * time.Millisecond):
		}
	}
	stats := loadStats{inFlight: inFlight.Load(), elapsed: time.Since(start)}
	killed.Store(true)
	srv.kill()
	cancel()
	wg.Wait()
	stats.started, stats.acked = started.Load(), acked.Load()
	if writeErr == nil {
		select {
		case err := <-errs: // failed before the kill, reported after it
			t.Errorf("cycle %d: a write failed before the kill: %v", cycle, err)
		default:
		}
	}
	return stats
}

// put writes one object: a single PutObject, or for kind "multipart" an upload of a
// 5 MiB part and a small one.
func put(ctx context.Context, client *s3.Client, bucket, key, kind string, data []byte) error {
	if kind != "multipart" {
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
		})
		return err
	}
	up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
	})
	if err != nil {
		return err
	}
	var parts []types.CompletedPart
	for i, p := range [][]byte{data[:partSize], data[partSize:]} {
		out, err := client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p),
		})
		if err != nil {
			return err
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}

// verify checks, after a restart, every key ever written: an acknowledged key reads
// back as its newest acknowledged attempt or a later one (never older, never partial);
// an unacknowledged key is absent or reads back as one of its attempts; a key checked
// after an earlier restart and not written since reads the same as then. The listing
// of the bucket must hold exactly the keys that read back, with their sizes. label
// (e.g. "cycle 2") starts every message.
func verify(t *testing.T, client *s3.Client, bucket string, l *ledger, label string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.keys))
	for k := range l.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	type result struct {
		key  string
		seen int
		err  error
	}
	jobs := make(chan string)
	results := make(chan result)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for key := range jobs {
				seen, err := readBack(ctx, client, bucket, key, l.keys[key])
				results <- result{key, seen, err}
			}
		})
	}
	go func() {
		defer close(jobs)
		for _, k := range keys {
			select {
			case jobs <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()

	var failures, ackedKeys, present, older int
	for r := range results {
		ks := l.keys[r.key]
		if r.err != nil {
			failures++
			if failures <= 10 {
				t.Errorf("%s: %s: %v", label, r.key, r.err)
			}
			continue
		}
		if ks.acked >= 0 {
			ackedKeys++
		}
		if r.seen >= 0 {
			present++
		}
		if ks.seen != -2 && ks.seen != r.seen {
			failures++
			t.Errorf("%s: %s read back as attempt %d after an earlier restart and now as attempt %d (-1: missing)",
				label, r.key, ks.seen, r.seen)
		}
		if ks.seen != -2 {
			older++
		}
		ks.seen = r.seen
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("%s: verification did not finish: %v", label, err)
	}
	if failures > 10 {
		t.Errorf("%s: %d keys failed in all", label, failures)
	}

	listed := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for pages := 0; p.HasMorePages(); pages++ {
		if pages > 1000 {
			t.Fatalf("%s: listing did not end after %d pages", label, pages)
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("%s: ListObjectsV2: %v", label, err)
		}
		for _, o := range page.Contents {
			listed[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	for _, k := range keys {
		ks := l.keys[k]
		size, ok := listed[k]
		delete(listed, k)
		switch {
		case ks.seen == -2: // failed above
		case ks.seen == -1 && ok:
			t.Errorf("%s: %s is listed (size %d) but GET says it does not exist", label, k, size)
		case ks.seen >= 0 && !ok:
			t.Errorf("%s: %s reads back but is not listed", label, k)
		case ks.seen >= 0 && size != ks.attempts[ks.seen].size:
			t.Errorf("%s: %s is listed with size %d; it reads back as attempt %d of %d bytes",
				label, k, size, ks.seen, ks.attempts[ks.seen].size)
		}
	}
	for k, size := range listed {
		t.Errorf("%s: listing holds %s (size %d), which was never written", label, k, size)
	}
	t.Logf("%s: verified %d keys (%d acknowledged, %d present, %d checked before), listing consistent",
		label, len(keys), ackedKeys, present, older)
}

// readBack reads key and returns the index of the attempt it matches, or -1 if it does
// not exist; an error if that is not allowed for ks, or the content matches no attempt.
func readBack(ctx context.Context, client *s3.Client, bucket, key string, ks *keyState) (int, error) {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			return -2, fmt.Errorf("GET: %w", err)
		}
		if ks.acked >= 0 {
			a := ks.attempts[ks.acked]
			return -2, fmt.Errorf("acknowledged write lost: attempt %d (%s, %d bytes) is gone: %w", ks.acked, a.kind, a.size, err)
		}
		return -1, nil
	}
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	out.Body.Close()
	if err != nil {
		return -2, fmt.Errorf("GET: reading the body after %d bytes: %w", n, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	for i := len(ks.attempts) - 1; i >= 0; i-- {
		if ks.attempts[i].sum != sum {
			continue
		}
		if i < ks.acked {
			return -2, fmt.Errorf("acknowledged write lost: reads back as attempt %d, older than acknowledged attempt %d", i, ks.acked)
		}
		if cl := aws.ToInt64(out.ContentLength); cl != n {
			return -2, fmt.Errorf("Content-Length %d, body %d bytes", cl, n)
		}
		return i, nil
	}
	sizes := make([]int64, len(ks.attempts))
	for i, a := range ks.attempts {
		sizes[i] = a.size
	}
	return -2, fmt.Errorf("reads back %d bytes (sha256 %x) that match none of the %d attempts (sizes %v, acknowledged %d): a partial or corrupt object",
		n, sum[:8], len(ks.attempts), sizes, ks.acked)
}

// blockTempName matches the temp files of the block store: os.CreateTemp(tmp,
// "<hex sha256>.*"), as blob/block writes them before the rename into place.
var blockTempName = regexp.MustCompile(`^[0-9a-f]{64}\.[0-9]+$`)

// tempFiles returns the temp files of interrupted writes under the object store of
// dataDir: everything inside a directory named tmp, and any file named like a block
// temp file or ending in .tmp elsewhere. It fails the test if there is no tmp
// directory at all, since then the object store's layout has changed and this check
// would prove nothing.
func tempFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	root := filepath.Join(dataDir, "blob")
	var found []string
	tmpDirs := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "tmp" {
				tmpDirs++
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		inTmp := slices.Contains(strings.Split(filepath.ToSlash(filepath.Dir(rel)), "/"), "tmp")
		if inTmp || blockTempName.MatchString(d.Name()) || strings.HasSuffix(d.Name(), ".tmp") {
			found = append(found, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	if tmpDirs == 0 {
		t.Fatalf("no tmp directory under %s: the block store's layout changed; update tempFiles", root)
	}
	return found
}
