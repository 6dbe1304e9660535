package compose

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// repoRoot is the checkout this test runs from (tests/compose → ../..).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

// requireDocker skips the test unless it was asked for (CAIRN_COMPOSE_TEST=1, which
// `make test-compose` sets after building the images) and a Docker Engine answers.
func requireDocker(t *testing.T) {
	t.Helper()
	if os.Getenv("CAIRN_COMPOSE_TEST") != "1" {
		t.Skip("compose tests skipped: run `make test-compose` (needs a Docker Engine and docker-compose)")
	}
	for _, tool := range []string{"docker", "docker-compose", "aws", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("CAIRN_COMPOSE_TEST=1 but %s is not installed", tool)
		}
	}
	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Size}}", "cairn:latest", "cairn-lb:latest").CombinedOutput()
	require.NoError(t, err, "the images are missing: make image lb-image\n%s", out)
	t.Logf("image sizes (cairn, cairn-lb): %s bytes", strings.Join(strings.Fields(string(out)), ", "))
}

// cluster is one compose project of deploy/compose, with its own env file, project
// name, network and published ports.
type cluster struct {
	t        *testing.T
	root     string
	envFile  string
	project  string
	env      map[string]string
	s3URL    string
	adminURL string
}

// newCluster writes an env file with fresh secrets (through deploy/compose/env.sh),
// a unique project name and subnet, and ports published on free loopback ports, and
// removes everything the project made (containers, network, volumes) at cleanup.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	root := repoRoot(t)
	suffix := randHex(3)
	c := &cluster{t: t, root: root, project: "cairn-test-" + suffix, envFile: filepath.Join(t.TempDir(), "compose.env")}
	var b [1]byte
	_, _ = rand.Read(b[:])
	cmd := exec.Command("bash", filepath.Join(root, "deploy/compose/env.sh"))
	cmd.Env = append(os.Environ(), "ENV_FILE="+c.envFile, "COMPOSE_PROJECT_NAME="+c.project,
		"CAIRN_S3_PUBLISH=127.0.0.1:", "CAIRN_ADMIN_PUBLISH=127.0.0.1:",
		fmt.Sprintf("CAIRN_SUBNET_PREFIX=172.31.%d", 100+int(b[0])%100))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	c.env = readEnv(t, c.envFile)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := c.dcOut("logs", "--no-color", "--tail", "80")
			t.Logf("compose logs:\n%s", logs)
		}
		if out, err := c.dcOut("--profile", "scale", "down", "-v", "--remove-orphans", "-t", "5"); err != nil {
			t.Logf("compose down: %v\n%s", err, out)
		}
	})
	return c
}

// readEnv parses a KEY=VALUE file.
func readEnv(t *testing.T, path string) map[string]string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	return env
}

// dcOut runs docker-compose for this project and returns its combined output.
func (c *cluster) dcOut(args ...string) (string, error) {
	return c.dcEnv(nil, args...)
}

// dcEnv runs docker-compose with extra environment variables (which win over the
// env file, as compose documents).
func (c *cluster) dcEnv(extra []string, args ...string) (string, error) {
	full := append([]string{"-p", c.project, "--env-file", c.envFile, "-f", filepath.Join(c.root, "deploy/compose/docker-compose.yml")}, args...)
	cmd := exec.Command("docker-compose", full...)
	cmd.Env = append(os.Environ(), extra...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// dc runs docker-compose and fails the test on error.
func (c *cluster) dc(args ...string) string {
	c.t.Helper()
	out, err := c.dcOut(args...)
	require.NoError(c.t, err, "docker-compose %v:\n%s", args, out)
	return out
}

// docker runs a docker command and fails the test on error.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %v:\n%s", args, out)
	return strings.TrimSpace(string(out))
}

// container is the container name of a compose service.
func (c *cluster) container(service string) string { return c.project + "_" + service + "_1" }

// network is the compose project's private network.
func (c *cluster) network() string { return c.project + "_cairn" }

// up runs deploy/compose/up.sh (docker-compose up -d, then wait for every node to be
// healthy and the load balancer ready) and reads the published endpoints back.
func (c *cluster) up(services ...string) time.Duration {
	c.t.Helper()
	start := time.Now()
	cmd := exec.Command("bash", append([]string{filepath.Join(c.root, "deploy/compose/up.sh")}, services...)...)
	cmd.Env = append(os.Environ(), "ENV_FILE="+c.envFile, "READY_TIMEOUT=150")
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, "up.sh:\n%s", out)
	took := time.Since(start)
	c.s3URL = "http://" + c.port("9000")
	c.adminURL = "http://" + c.port("9001")
	return took
}

// port is the host address the load balancer's port is published on.
func (c *cluster) port(p string) string {
	out := strings.TrimSpace(c.dc("port", "lb", p))
	return "127.0.0.1:" + out[strings.LastIndex(out, ":")+1:]
}

// waitHealthy waits until every running node container reports healthy.
func (c *cluster) waitHealthy(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ids := strings.Fields(c.dc("ps", "-q"))
		out := docker(c.t, append([]string{"inspect", "--format", "{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"}, ids...)...)
		bad := []string{}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) == 3 && (f[1] != "running" || (f[2] != "healthy" && f[2] != "none")) {
				bad = append(bad, line)
			}
		}
		if len(bad) == 0 {
			return
		}
		require.True(c.t, time.Now().Before(deadline), "not healthy within %s: %v", timeout, bad)
		time.Sleep(500 * time.Millisecond)
	}
}

// admin runs `cairn admin ... --json` through the load balancer and decodes the answer.
func (c *cluster) admin(v any, args ...string) error {
	ep := strings.Replace(c.adminURL, "http://", "http://"+c.env["CAIRN_ROOT_ACCESS_KEY"]+":"+c.env["CAIRN_ROOT_SECRET_KEY"]+"@", 1)
	cmd := exec.Command(filepath.Join(c.root, "bin/cairn"), append(append([]string{"admin"}, args...), "--endpoint", ep, "--json")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("cairn admin %v: %w: %s", args, err, stderr.String())
	}
	return json.Unmarshal(out, v)
}

// raftLeader is the leader's node id as the serving node sees it ("" if none, with
// the reason logged).
func (c *cluster) raftLeader() string {
	var r struct {
		Leader string `json:"leader"`
	}
	if err := c.admin(&r, "raft"); err != nil {
		c.t.Logf("no leader: %v", err)
		return ""
	}
	return r.Leader
}

// client is an S3 client through the load balancer; maxAttempts 1 turns retries off,
// 0 keeps the SDK's default (standard retryer, 3 attempts).
func (c *cluster) client(maxAttempts int) *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:     aws.String(c.s3URL),
		Region:           "us-east-1",
		UsePathStyle:     true,
		Credentials:      credentials.NewStaticCredentialsProvider(c.env["CAIRN_ROOT_ACCESS_KEY"], c.env["CAIRN_ROOT_SECRET_KEY"], ""),
		RetryMaxAttempts: maxAttempts,
	})
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// load writes small objects (and reads back earlier ones) through the load balancer
// from a few workers until stopped, with SDK retries on or off, and keeps every
// acknowledged write's key and SHA-256 so the test can check none is lost.
type load struct {
	name     string
	client   *s3.Client
	bucket   string
	ok, fail atomic.Int64
	mu       sync.Mutex
	acked    map[string]string
	errs     []string
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// startLoad starts workers writing to bucket with client.
func startLoad(name string, client *s3.Client, bucket string, workers int) *load {
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{name: name, client: client, bucket: bucket, acked: map[string]string{}, stop: cancel}
	for w := 0; w < workers; w++ {
		l.wg.Add(1)
		go func(w int) {
			defer l.wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				l.step(ctx, fmt.Sprintf("%s/w%d/%06d", name, w, i))
			}
		}(w)
	}
	return l
}

// step PUTs one object, then GETs a random acknowledged one and checks its bytes.
func (l *load) step(ctx context.Context, key string) {
	body := make([]byte, 1024+int(key[len(key)-1])*97)
	_, _ = rand.Read(body)
	sum := sha256.Sum256(body)
	rctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, err := l.client.PutObject(rctx, &s3.PutObjectInput{Bucket: &l.bucket, Key: &key, Body: bytes.NewReader(body)})
	if ctx.Err() != nil && err != nil {
		return // stopped while in flight: neither acknowledged nor failed
	}
	l.record(err)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.acked[key] = hex.EncodeToString(sum[:])
	l.mu.Unlock()
	if err := getAndCheck(rctx, l.client, l.bucket, key, hex.EncodeToString(sum[:])); ctx.Err() == nil {
		l.record(err)
	}
}

func (l *load) record(err error) {
	if err == nil {
		l.ok.Add(1)
		return
	}
	l.fail.Add(1)
	l.mu.Lock()
	if len(l.errs) < 5 {
		l.errs = append(l.errs, err.Error())
	}
	l.mu.Unlock()
}

// finish stops the workers and returns the acknowledged keys.
func (l *load) finish() map[string]string {
	l.stop()
	l.wg.Wait()
	return l.acked
}

func (l *load) String() string {
	return fmt.Sprintf("%s: %d ok, %d failed %v", l.name, l.ok.Load(), l.fail.Load(), l.errs)
}

// getAndCheck GETs an object and fails unless its SHA-256 is want.
func getAndCheck(ctx context.Context, client *s3.Client, bucket, key, want string) error {
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s/%s: sha256 %s, want %s", bucket, key, got, want)
	}
	return nil
}

// readAll checks every acknowledged object through the load balancer, 8 at a time.
func readAll(t *testing.T, client *s3.Client, bucket string, acked map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	keys := make(chan string)
	var lost atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range keys {
				if err := getAndCheck(ctx, client, bucket, key, acked[key]); err != nil {
					if lost.Add(1) <= 5 {
						mu.Lock()
						t.Errorf("acknowledged write %s: %v", key, err)
						mu.Unlock()
					}
				}
			}
		}()
	}
	for key := range acked {
		keys <- key
	}
	close(keys)
	wg.Wait()
	require.Zero(t, lost.Load(), "%d of %d acknowledged writes did not read back", lost.Load(), len(acked))
}

// logNodeViews logs, for each node container, its /health/ready answer and the node
// list as that node sees it (gossip state, starting, Raft role), asked directly at the
// container's address rather than through the load balancer: what a failure message
// needs to tell a node that cannot see its peers from one the balancer took out.
func (c *cluster) logNodeViews(t *testing.T) {
	t.Helper()
	creds := c.env["CAIRN_ROOT_ACCESS_KEY"] + ":" + c.env["CAIRN_ROOT_SECRET_KEY"] + "@"
	for _, svc := range []string{"cairn1", "cairn2", "cairn3"} {
		ip, err := exec.Command("docker", "inspect", "--format", "{{(index .NetworkSettings.Networks \""+c.network()+"\").IPAddress}}", c.container(svc)).Output()
		if err != nil || strings.TrimSpace(string(ip)) == "" {
			t.Logf("VIEW %s: no address (%v)", svc, err)
			continue
		}
		base := "http://" + strings.TrimSpace(string(ip)) + ":9001"
		ready := "unreachable"
		if resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(base + "/health/ready"); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			ready = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body))
		}
		cmd := exec.Command(filepath.Join(c.root, "bin/cairn"), "admin", "nodes", "--endpoint", strings.Replace(base, "http://", "http://"+creds, 1))
		out, _ := cmd.CombinedOutput()
		t.Logf("VIEW %s ready: %s\n%s", svc, ready, out)
	}
}
