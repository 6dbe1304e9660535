package process

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestSecondProcessOnDataDirectory starts a second real process on a data directory
// that a first one uses: it must exit at once, naming the directory and the first
// process's PID, and the first must keep serving.
func TestSecondProcessOnDataDirectory(t *testing.T) {
	accessKey, secretKey := randomCredentials(t)
	dataDir := t.TempDir()
	first := startServer(t, dataDir, accessKey, secretKey)
	second := spawn(t, []string{"server", "--data", dataDir, "--s3-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--node-id", "n1"},
		"CAIRN_ROOT_ACCESS_KEY="+accessKey, "CAIRN_ROOT_SECRET_KEY="+secretKey)
	select {
	case <-second.Exited:
	case <-time.After(startTimeout):
		t.Fatal("the second process did not exit")
	}
	want := fmt.Sprintf("data directory %s is in use by another cairn process (pid %d)", dataDir, first.pid())
	if second.WaitErr == nil || !strings.Contains(second.Output.String(), want) {
		t.Fatalf("second process: exit %v, output %q; want a failure saying %q", second.WaitErr, second.Output.String(), want)
	}
	client := newClient(t, first.S3URL, accessKey, secretKey)
	if _, err := client.ListBuckets(context.Background(), &s3.ListBucketsInput{}); err != nil {
		t.Fatalf("the first process stopped serving: %v", err)
	}
}

// TestGeneratedSecretGoesToFile starts a real process without root credentials and
// with its output collected (not a terminal): the generated secret must not appear in
// the output, but in a 0600 file in the data directory whose path the output names,
// and the credentials in it must work.
func TestGeneratedSecretGoesToFile(t *testing.T) {
	dataDir := t.TempDir()
	srv := spawn(t, []string{"server", "--data", dataDir, "--s3-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--node-id", "n1"})
	srv.waitReady(t)
	path := filepath.Join(dataDir, "root-credentials")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no credentials file: %v\noutput:\n%s", err, srv.Output.String())
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	access, secret := env["CAIRN_ROOT_ACCESS_KEY"], env["CAIRN_ROOT_SECRET_KEY"]
	if len(access) < 16 || len(secret) < 32 {
		t.Fatalf("credentials file holds %q", data)
	}
	out := srv.Output.String()
	if strings.Contains(out, secret) {
		t.Fatal("the generated secret appears in the server's output")
	}
	if !strings.Contains(out, path) {
		t.Errorf("the output does not name the credentials file %s:\n%s", path, out)
	}
	client := newClient(t, srv.S3URL, access, secret)
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("works")}); err != nil {
		t.Fatalf("the credentials from the file do not work: %v", err)
	}
}

// TestSingleNodeStartIsQuiet: a single node's start prints, before its banner, no
// Raft chatter and no warning; with --log-format json every log line is a JSON object.
func TestSingleNodeStartIsQuiet(t *testing.T) {
	accessKey, secretKey := randomCredentials(t)
	srv := startServer(t, t.TempDir(), accessKey, secretKey, "--log-format", "json")
	out := srv.Output.String()
	before, _, ok := strings.Cut(out, "Cairn is running.")
	if !ok {
		t.Fatalf("no banner in %q", out)
	}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(before), "\n") {
		if line == "" {
			continue
		}
		lines++
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		if rec["component"] == "raft" || rec["level"] != "INFO" {
			t.Errorf("a single node's start logged %q", line)
		}
	}
	if lines > 8 {
		t.Errorf("a single node's start logged %d lines before its banner:\n%s", lines, before)
	}
}
