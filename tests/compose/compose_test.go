// Package compose tests the deployment in deploy/compose for real: it builds nothing
// itself (`make test-compose` builds the images and bin/cairn first), starts the
// three-node cluster behind HAProxy with docker-compose, and drives it through the
// load balancer with the aws cli, boto3, aws-sdk-go-v2 and `cairn bench` while it
// kills, cuts off, restarts and replaces nodes. It is skipped unless
// CAIRN_COMPOSE_TEST=1.
package compose

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

const bucket = "compose-test"

// TestComposeCluster runs every phase on one cluster, in order, logging the numbers
// the deployment docs report (search the output for "NUMBER").
func TestComposeCluster(t *testing.T) {
	requireDocker(t)
	c := newCluster(t)
	took := c.up()
	t.Logf("NUMBER compose start to ready (3 nodes + lb, all healthy, lb ready): %s", took.Round(100*time.Millisecond))

	ctx := context.Background()
	s3c := c.client(0)
	_, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)

	t.Run("clients", func(t *testing.T) { clientsThroughLB(t, c) })
	t.Run("multipart", func(t *testing.T) { multipartAcrossNodes(t, c) })
	t.Run("bench", func(t *testing.T) { benchMixed(t, c) })

	var all []map[string]string
	killed := c.container("cairn2")
	t.Run("kill", func(t *testing.T) { all = append(all, killOneNode(t, c, killed)) })
	restarted := time.Now()
	docker(t, "start", killed)

	var cut string
	var reconnected time.Time
	t.Run("partition", func(t *testing.T) {
		var acked map[string]string
		cut, acked, reconnected = cutOffLeader(t, c)
		all = append(all, acked)
	})
	c.waitHealthy(90 * time.Second)
	t.Run("catch-up", func(t *testing.T) {
		since := map[string]time.Time{"cairn2": restarted}
		if cut != "" {
			since[cut] = reconnected
		}
		waitCaughtUp(t, c, since)
	})
	for _, acked := range all {
		readAll(t, s3c, bucket, acked)
	}

	t.Run("restart-all", func(t *testing.T) {
		start := time.Now()
		c.dc("restart", "-t", "20", "cairn1", "cairn2", "cairn3")
		c.waitHealthy(120 * time.Second)
		waitReady(t, c)
		t.Logf("NUMBER docker-compose restart of the three nodes to ready: %s", time.Since(start).Round(100*time.Millisecond))
		for _, acked := range all {
			readAll(t, c.client(0), bucket, acked)
		}
	})
	t.Run("rolling-upgrade", func(t *testing.T) { rollingUpgrade(t, c) })
}

// clientsThroughLB runs tests/clients/run.sh (aws cli and boto3) against the load balancer.
func clientsThroughLB(t *testing.T, c *cluster) {
	cmd := exec.Command("bash", filepath.Join(c.root, "tests/clients/run.sh"))
	cmd.Env = append(os.Environ(), "CAIRN_CLIENTS_ENDPOINT="+c.s3URL,
		"CAIRN_CLIENTS_ACCESS_KEY="+c.env["CAIRN_ROOT_ACCESS_KEY"], "CAIRN_CLIENTS_SECRET_KEY="+c.env["CAIRN_ROOT_SECRET_KEY"],
		"CAIRN_CLIENTS_EVENTUAL_BUCKETS=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Equal(t, "PASS", lines[len(lines)-1])
	t.Log(lines[len(lines)-2])
}

// multipartAcrossNodes uploads 64 MiB in 8 parts, 4 at a time, checks the bytes, and
// checks in HAProxy's log that the parts were served by more than one node.
func multipartAcrossNodes(t *testing.T, c *cluster) {
	ctx := context.Background()
	body := make([]byte, 64<<20)
	_, _ = rand.Read(body)
	want := sha256.Sum256(body)
	up := manager.NewUploader(c.client(0), func(u *manager.Uploader) { u.PartSize, u.Concurrency = 8<<20, 4 })
	_, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("big-64mib"), Body: bytes.NewReader(body)})
	require.NoError(t, err)
	require.NoError(t, getAndCheck(ctx, c.client(0), bucket, "big-64mib", hex.EncodeToString(want[:])))

	logs := c.dc("logs", "--no-color", "lb")
	servers := map[string]int{}
	re := regexp.MustCompile(`s3/(node\d+) .*"PUT /` + bucket + `/big-64mib\?partNumber=`)
	for _, m := range re.FindAllStringSubmatch(logs, -1) {
		servers[m[1]]++
	}
	t.Logf("UploadPart requests per server: %v", servers)
	require.GreaterOrEqual(t, len(servers), 2, "the parts all went to one node")
}

// benchMixed runs a short `cairn bench mixed` through the load balancer; the command
// fails on any error.
func benchMixed(t *testing.T, c *cluster) {
	ep := strings.Replace(c.s3URL, "http://", "http://"+c.env["CAIRN_ROOT_ACCESS_KEY"]+":"+c.env["CAIRN_ROOT_SECRET_KEY"]+"@", 1)
	cmd := exec.Command(filepath.Join(c.root, "bin/cairn"), "bench", "mixed", "--endpoints", ep,
		"--duration", "10s", "--concurrency", "8", "--objects", "200", "--size", "1KiB-256KiB")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "OK: no errors")
}

// killOneNode runs a write and read load (SDK retries on, and off) through the load
// balancer, kills one node's container in the middle of it, and counts the failures.
func killOneNode(t *testing.T, c *cluster, container string) map[string]string {
	on := startLoad("kill-retries-on", c.client(0), bucket, 3)
	off := startLoad("kill-retries-off", c.client(1), bucket, 3)
	time.Sleep(4 * time.Second) // load before the kill
	docker(t, "kill", container)
	time.Sleep(12 * time.Second) // load while the node is gone
	acked := merge(on.finish(), off.finish())
	t.Logf("NUMBER failed requests while one node is killed: %s; %s", on, off)
	if on.fail.Load() > 0 {
		t.Logf("the nodes' warnings (a lost quorum is logged with each owner's error):\n%s", warnings(c))
		c.logNodeViews(t)
	}
	require.Zero(t, on.fail.Load(), "with SDK retries on, a killed node must cost no failed request")
	require.Greater(t, on.ok.Load(), int64(0))
	return acked
}

// cutOffLeader disconnects the Raft leader's container from the network for 30 s
// under a write load, checks another leader is elected, reconnects it with the same
// address, and counts the failures. It returns the node's service name.
func cutOffLeader(t *testing.T, c *cluster) (string, map[string]string, time.Time) {
	var leader string
	require.Eventually(t, func() bool { leader = c.raftLeader(); return leader != "" }, 60*time.Second, 500*time.Millisecond)
	ip := docker(t, "inspect", "--format", "{{(index .NetworkSettings.Networks \""+c.network()+"\").IPAddress}}", c.container(leader))
	on := startLoad("cut-retries-on", c.client(0), bucket, 3)
	off := startLoad("cut-retries-off", c.client(1), bucket, 3)
	time.Sleep(3 * time.Second)
	docker(t, "network", "disconnect", c.network(), c.container(leader))
	cutAt := time.Now()
	var newLeader string
	require.Eventually(t, func() bool {
		newLeader = c.raftLeader()
		return newLeader != "" && newLeader != leader
	}, 25*time.Second, 500*time.Millisecond, "no other leader while %s is cut off", leader)
	t.Logf("leader %s cut off; %s leads after %s", leader, newLeader, time.Since(cutAt).Round(100*time.Millisecond))
	time.Sleep(time.Until(cutAt.Add(30 * time.Second)))
	still := c.raftLeader()
	require.True(t, still != "" && still != leader, "at the end of the cut the leader is %q", still)
	docker(t, "network", "connect", "--ip", ip, "--alias", "cairn-node", c.network(), c.container(leader))
	back := time.Now()
	time.Sleep(3 * time.Second)
	acked := merge(on.finish(), off.finish())
	t.Logf("NUMBER failed requests while the leader is cut off 30 s: %s; %s", on, off)
	if on.fail.Load() > 0 {
		t.Logf("the nodes' warnings (a lost quorum is logged with each owner's error):\n%s", warnings(c))
		c.logNodeViews(t)
	}
	require.Zero(t, on.fail.Load(), "with SDK retries on, a cut-off node must cost no failed request")
	return leader, acked, back
}

// waitCaughtUp waits until each node has finished an anti-entropy round that started
// after it came back, with nothing left pending, and logs how long that took.
func waitCaughtUp(t *testing.T, c *cluster, since map[string]time.Time) {
	type repair struct {
		Running                bool      `json:"running"`
		LastStart              time.Time `json:"lastStart"`
		PartitionsPending      int       `json:"partitionsPending"`
		BlockPartitionsPending int       `json:"blockPartitionsPending"`
		BlocksPending          int       `json:"blocksPending"`
		RecordsPulled          int64     `json:"recordsPulled"`
		BlocksPulled           int64     `json:"blocksPulled"`
		LastError              string    `json:"lastError"`
	}
	var sync struct {
		Nodes []struct {
			ID     string  `json:"id"`
			Repair *repair `json:"repair"`
		} `json:"nodes"`
	}
	pending := map[string]time.Time{}
	for k, v := range since {
		pending[k] = v
	}
	// Catch-up took 15-71 s in most runs (one anti-entropy interval is 1 min). Once,
	// in a clean-clone CI run, the cut-off node had not caught up after 150 s: gossip
	// had not healed (both sides held each other dead once memberlist stopped
	// gossiping to the dead), which membership's reconnect loop now fixes. The
	// deadline leaves room for a slow machine; the failure message says what each
	// pending node last reported.
	deadline := time.Now().Add(300 * time.Second)
	var lastErr error
	seen := map[string]string{}
	for len(pending) > 0 {
		require.True(t, time.Now().Before(deadline), "not caught up: %v (last admin error: %v; last repair status seen: %v)", pending, lastErr, seen)
		if lastErr = c.admin(&sync, "sync"); lastErr == nil {
			for _, n := range sync.Nodes {
				from, ok := pending[n.ID]
				r := n.Repair
				if ok {
					seen[n.ID] = "no repair status"
					if r != nil {
						seen[n.ID] = fmt.Sprintf("%+v", *r)
					}
				}
				if !ok || r == nil || r.Running || r.LastStart.Before(from) ||
					r.PartitionsPending+r.BlockPartitionsPending+r.BlocksPending != 0 {
					continue
				}
				t.Logf("NUMBER %s caught up %s after it came back (records pulled %d, blocks pulled %d since its start)",
					n.ID, time.Since(from).Round(time.Second), r.RecordsPulled, r.BlocksPulled)
				delete(pending, n.ID)
			}
		}
		time.Sleep(time.Second)
	}
}

// waitReady waits until the load balancer answers /health/ready.
func waitReady(t *testing.T, c *cluster) {
	require.Eventually(t, func() bool { return c.raftLeader() != "" }, 60*time.Second, 500*time.Millisecond)
}

// rollingUpgrade replaces each node in turn by a "newer build" (the same image under
// a new tag, so compose recreates the container) while a load runs, and checks that
// no request failed and every write reads back.
func rollingUpgrade(t *testing.T, c *cluster) {
	next := "cairn:compose-test-next"
	docker(t, "tag", "cairn:latest", next)
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", next).Run() })
	on := startLoad("upgrade-retries-on", c.client(0), bucket, 3)
	var replaced []string // what the nodes warned of while each was replaced
	for _, svc := range []string{"cairn1", "cairn2", "cairn3"} {
		out, err := c.dcEnv([]string{"CAIRN_IMAGE=" + next}, "up", "-d", "--no-deps", svc)
		require.NoError(t, err, "%s", out)
		replaced = append(replaced, "while "+svc+" was replaced:\n"+warnings(c))
		c.waitHealthy(120 * time.Second)
		img := docker(t, "inspect", "--format", "{{.Config.Image}}", c.container(svc))
		require.Equal(t, next, img)
	}
	acked := on.finish()
	t.Logf("NUMBER rolling upgrade of 3 nodes under load: %s", on)
	if on.fail.Load() > 0 {
		for _, w := range replaced {
			t.Log(w)
		}
		c.logNodeViews(t)
	}
	require.Zero(t, on.fail.Load())
	readAll(t, c.client(0), bucket, acked)
}

// warnings returns the WARN and ERROR lines of every node's log (Raft's own excepted)
// from the last minute; a failure message needs them, and the containers that a
// rolling upgrade replaces take their logs with them.
func warnings(c *cluster) string {
	var b strings.Builder
	for _, other := range []string{"cairn1", "cairn2", "cairn3"} {
		out, _ := exec.Command("docker", "logs", "--since", "60s", c.container(other)).CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if (strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")) && !strings.Contains(line, "component=raft") {
				fmt.Fprintf(&b, "  %s: %s\n", other, line)
			}
		}
	}
	return b.String()
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestComposeSiteB starts the single-node "site B" project (deploy/compose/site-b.yml)
// with its own name, volume and credentials, and checks it serves S3 with them.
func TestComposeSiteB(t *testing.T) {
	requireDocker(t)
	c := newCluster(t)
	c.project += "-b"
	file := filepath.Join(c.root, "deploy/compose/site-b.yml")
	dcB := func(args ...string) (string, error) {
		cmd := exec.Command("docker-compose", append([]string{"-p", c.project, "--env-file", c.envFile, "-f", file}, args...)...)
		cmd.Env = append(os.Environ(), "CAIRN_SITE_B_S3_PUBLISH=127.0.0.1:", "CAIRN_SITE_B_ADMIN_PUBLISH=127.0.0.1:")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { _, _ = dcB("down", "-v", "-t", "5") })
	out, err := dcB("up", "-d")
	require.NoError(t, err, "%s", out)
	out, err = dcB("port", "cairn-b1", "9000")
	require.NoError(t, err, "%s", out)
	out = strings.TrimSpace(out)
	endpoint := "http://127.0.0.1:" + out[strings.LastIndex(out, ":")+1:]
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(c.env["CAIRN_SITE_B_ROOT_ACCESS_KEY"], c.env["CAIRN_SITE_B_ROOT_SECRET_KEY"], ""),
	})
	require.Eventually(t, func() bool {
		_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("site-b")})
		return err == nil
	}, 90*time.Second, time.Second, "site B does not accept its own root key")
	_, err = client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("site-b"), Key: aws.String("k"), Body: strings.NewReader("b")})
	require.NoError(t, err)
}
