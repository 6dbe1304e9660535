// Package proctest runs the cairn binary as real processes for tests: it builds
// cmd/cairn, starts the binary with only the environment a test gives it, reads its
// endpoints from its banner, waits until it is ready, and kills it with SIGKILL.
// tests/process and replication's process soak share it.
package proctest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Build builds cmd/cairn of this module into dir and returns the binary's path.
func Build(dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "cairn")
	build := exec.Command("go", "build", "-o", bin, "./cmd/cairn")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/cairn: %w\n%s", err, out)
	}
	return bin, nil
}

// ModuleRoot returns the directory of go.mod, from `go env GOMOD`, or the
// directory above the working directory's that holds a go.mod (a test runs in its
// package's directory).
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Dir(gomod), nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("cannot find the module root")
		}
		dir = up
	}
}

// Buffer collects a process's output, safe for concurrent use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Proc is one run of the binary.
type Proc struct {
	Cmd      *exec.Cmd
	Output   *Buffer       // stdout and stderr
	Exited   chan struct{} // closed when the process has been waited for
	WaitErr  error         // valid once Exited is closed
	S3URL    string        // from the banner, once Ready has returned nil
	AdminURL string
}

// Spawn starts bin with args and, of the environment, only env and the variables
// that do not start with CAIRN_ (so that only what is given here configures it),
// and returns without waiting for it to be ready. The process is killed when the
// test ends, and the last 150 lines of its output logged if the test failed.
func Spawn(t testing.TB, bin string, args []string, env ...string) *Proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	env = slices.Clip(env) // appending never writes into the caller's array
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CAIRN_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	p := &Proc{Cmd: cmd, Output: &Buffer{}, Exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Output, p.Output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.WaitErr = cmd.Wait()
		close(p.Exited)
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("output of server pid %d (%s):\n%s", cmd.Process.Pid, strings.Join(args, " "), Tail(p.Output.String(), 150))
		}
	})
	return p
}

var bannerURL = regexp.MustCompile(`(?m)^\s*(S3|Admin) endpoint:\s*(http://\S+)\s*$`)

// Ready waits for the banner, reads the S3 and admin endpoints from it, and waits
// until /health/ready answers 200. It fails, with the end of the output, if that
// takes longer than within or the process exits.
func (p *Proc) Ready(within time.Duration) error {
	deadline := time.Now().Add(within)
	poll := func(what string) error {
		select {
		case <-p.Exited:
			return fmt.Errorf("server exited (%v) before %s:\n%s", p.WaitErr, what, Tail(p.Output.String(), 80))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no %s within %v:\n%s", what, within, Tail(p.Output.String(), 80))
		}
		return nil
	}
	for {
		urls := map[string]string{}
		for _, m := range bannerURL.FindAllStringSubmatch(p.Output.String(), -1) {
			urls[m[1]] = m[2]
		}
		if urls["S3"] != "" && urls["Admin"] != "" {
			p.S3URL, p.AdminURL = urls["S3"], urls["Admin"]
			break
		}
		if err := poll("its banner"); err != nil {
			return err
		}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for {
		resp, err := client.Get(p.AdminURL + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if err := poll("/health/ready"); err != nil {
			return err
		}
	}
}

// PID returns the process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	select {
	case <-p.Exited:
		return
	default:
	}
	_ = p.Cmd.Process.Kill()
	<-p.Exited
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[… %d earlier lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
