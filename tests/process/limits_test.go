package process

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Stalled-client test parameters.
const (
	stalledGets       = 250
	stalledObjectSize = 20 << 20
	// maxStalledGrowth is a generous bound on the server's peak RSS above its baseline
	// while stalledGets clients hold a GET each: a response holds at most a few blocks
	// (1 MiB each) while its client does not read.
	maxStalledGrowth = 1 << 30
	// stallDeadline is the progress deadline the server is started with here (the
	// default is 30s for writes and 20s for bodies).
	stallDeadline = "2s"
	// downloadDeadline is longer, so that all stalled GETs are open at once before
	// the first is cut.
	downloadDeadline = "5s"
	// cutWithin bounds how long the test waits for the server to act on a deadline.
	cutWithin = 60 * time.Second
)

// TestStalledDownloadsAreCut opens 250 GETs of a 20 MiB object whose clients never
// read, as a slow or malicious client would. The server's resident memory must stay
// within a generous bound while they stall, and every one of their connections must be
// closed by the write-progress deadline (set to 5s here), after which the server
// serves as before. On a server without the deadline the connections stay open.
func TestStalledDownloadsAreCut(t *testing.T) {
	accessKey, secretKey := randomCredentials(t)
	srv := startServer(t, t.TempDir(), accessKey, secretKey, "--write-progress-timeout", downloadDeadline)
	client := newClient(t, srv.S3URL, accessKey, secretKey)
	ctx := context.Background()
	const bucket, key = "stall", "big"
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	body := content(7, stalledObjectSize)
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	presigned, err := s3.NewPresignClient(client).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("presign: %v", err)
	}
	target, err := url.Parse(presigned.URL)
	if err != nil {
		t.Fatal(err)
	}
	// One GET read whole first: the GET path is warm in the baseline.
	if got := httpGet(t, presigned.URL); !bytes.Equal(got, body) {
		t.Fatalf("warm-up GET returned %d bytes, not the object", len(got))
	}
	pid := srv.pid()
	base, err := readMemory(pid)
	if err != nil {
		t.Fatalf("read server memory: %v", err)
	}
	baseSockets := countSockets(t, pid)
	resetPeak(pid)

	conns := make([]net.Conn, 0, stalledGets)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	request := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", target.RequestURI(), target.Host)
	for range stalledGets {
		c, err := net.Dial("tcp", target.Host)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10) // a client that takes almost nothing
		conns = append(conns, c)
		if _, err := io.WriteString(c, request); err != nil {
			t.Fatalf("send GET: %v", err)
		}
	}
	opened := time.Now()
	var peak int64
	held := 0
	waitFor(t, cutWithin, "the write-progress deadline to close the stalled connections", func() bool {
		if m, err := readMemory(pid); err == nil {
			peak = max(peak, m.rss, m.hwm)
		}
		open := countSockets(t, pid) - baseSockets
		held = max(held, open)
		return held >= stalledGets/2 && open <= 5
	})
	t.Logf("%d stalled GETs of a %d MiB object (at most %d open at once): server RSS baseline %s, peak %s (growth %s); all closed %v after they were opened (deadline %s)",
		stalledGets, stalledObjectSize>>20, held, mib(base.rss), mib(peak), mib(peak-base.rss), time.Since(opened).Round(100*time.Millisecond), downloadDeadline)
	if g := peak - base.rss; g > maxStalledGrowth {
		t.Errorf("stalled GETs grew the server's RSS by %s, want at most %s", mib(g), mib(maxStalledGrowth))
	}
	// The client side sees the end: not the whole object, then EOF or a reset.
	_ = conns[0].SetReadDeadline(time.Now().Add(cutWithin))
	n, _ := io.Copy(io.Discard, conns[0])
	if n >= stalledObjectSize {
		t.Errorf("a stalled client still received the whole object (%d bytes) after the deadline", n)
	}
	if got := httpGet(t, presigned.URL); !bytes.Equal(got, body) {
		t.Fatalf("GET after the stalled clients returned %d bytes, not the object", len(got))
	}
}

// TestStalledUploadGetsRequestTimeout sends PUTs whose body stops after a few bytes,
// and one whose body trickles a byte at a time. Each must be answered 400
// RequestTimeout with S3's message within the read-progress deadline (2s here, plus
// scheduling), and leave no object and no partial file behind.
func TestStalledUploadGetsRequestTimeout(t *testing.T) {
	accessKey, secretKey := randomCredentials(t)
	dataDir := t.TempDir()
	srv := startServer(t, dataDir, accessKey, secretKey, "--read-progress-timeout", stallDeadline)
	client := newClient(t, srv.S3URL, accessKey, secretKey)
	ctx := context.Background()
	const bucket = "stall"
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	for _, tc := range []struct {
		name    string
		trickle bool
	}{{"silent", false}, {"trickle", true}} {
		t.Run(tc.name, func(t *testing.T) {
			key := "stalled-" + tc.name
			const size = 1 << 20
			presigned, err := s3.NewPresignClient(client).PresignPutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(key), ContentLength: aws.Int64(size)})
			if err != nil {
				t.Fatalf("presign: %v", err)
			}
			target, _ := url.Parse(presigned.URL)
			c, err := net.Dial("tcp", target.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			start := time.Now()
			fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n0123456789", target.RequestURI(), target.Host, size)
			answer := make(chan string, 1)
			go func() {
				_ = c.SetReadDeadline(time.Now().Add(cutWithin))
				b, _ := io.ReadAll(c)
				answer <- string(b)
			}()
			var got string
			if tc.trickle {
				tick := time.NewTicker(200 * time.Millisecond)
				defer tick.Stop()
			trickle:
				for {
					select {
					case got = <-answer:
						break trickle
					case <-tick.C:
						_, _ = c.Write([]byte{'x'})
					}
				}
			} else {
				got = <-answer
			}
			cut := time.Since(start)
			t.Logf("stalled upload (%s) cut after %v", tc.name, cut.Round(10*time.Millisecond))
			if !strings.HasPrefix(got, "HTTP/1.1 400 ") || !strings.Contains(got, "<Code>RequestTimeout</Code>") ||
				!strings.Contains(got, "Your socket connection to the server was not read from or written to within the timeout period.") {
				t.Fatalf("stalled upload answered %q, want 400 RequestTimeout", got)
			}
			_, err = client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err == nil {
				t.Fatalf("a stalled upload created object %s", key)
			}
		})
	}
	if left := tempFiles(t, dataDir); len(left) > 0 {
		t.Errorf("stalled uploads left files behind: %v", left)
	}
}

// TestConnectionCapAnswersSlowDown fills the S3 listener's connection cap (4 here)
// with idle connections; one more gets 503 with an S3 SlowDown error, and once a
// connection closes a new client is served again.
func TestConnectionCapAnswersSlowDown(t *testing.T) {
	accessKey, secretKey := randomCredentials(t)
	srv := startServer(t, t.TempDir(), accessKey, secretKey, "--max-connections", "4")
	host := strings.TrimPrefix(srv.S3URL, "http://")
	var idle []net.Conn
	for range 4 {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	httpc := &http.Client{Timeout: cutWithin, Transport: &http.Transport{DisableKeepAlives: true}}
	// The idle connections are accepted in order before this one; the server may take
	// a moment to accept them, so wait until it refuses.
	var body string
	waitFor(t, cutWithin, "503 SlowDown over the connection cap", func() bool {
		resp, err := httpc.Get(srv.S3URL + "/")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		return resp.StatusCode == http.StatusServiceUnavailable
	})
	if !strings.Contains(body, "<Code>SlowDown</Code>") || !strings.Contains(body, "--max-connections") {
		t.Fatalf("over the cap: body %q, want an S3 SlowDown error naming --max-connections", body)
	}
	idle[0].Close()
	waitFor(t, cutWithin, "a request to be served once a connection closed", func() bool {
		resp, err := httpc.Get(srv.S3URL + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusForbidden // anonymous ListBuckets: served, denied
	})
}

// httpGet fetches url whole.
func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := (&http.Client{Timeout: cutWithin}).Get(url)
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET: status %d, error %v", resp.StatusCode, err)
	}
	return b
}

// countSockets counts the open sockets of process pid.
func countSockets(t *testing.T, pid int) int {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("list %s: %v", dir, err)
	}
	n := 0
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(target, "socket:") {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds, failing the test after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
