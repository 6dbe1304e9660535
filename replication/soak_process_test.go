package replication_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
	"github.com/cairnstore/cairn/tests/proctest"
)

// TestBidirectionalSoakProcesses is the soak (TestBidirectionalSoak) with each
// site's three nodes real `cairn server` processes, killed with SIGKILL (mid
// request, mid write, mid delivery) and restarted on their data directories, while
// the link between the sites is cut and restored. The workload, the link, the
// last-write-wins model and the checks are the soak's. make test runs one seed of
// 10 s (11: a versioned bucket, a node of each site killed, the link cut both ways); CAIRN_SOAK_SEED and CAIRN_SOAK_SECONDS choose as for the soak (make
// test-soak runs both soaks for each seed). CAIRN_BIN names a binary to test
// instead of building cmd/cairn.
func TestBidirectionalSoakProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of two 3-process sites")
	}
	bin := cairnBinary(t)
	sc := soakConfig{seed: 11, versioned: true, workload: 10 * time.Second, keys: 16}
	if os.Getenv("CAIRN_SOAK_SEED") != "" || os.Getenv("CAIRN_SOAK_SECONDS") != "" {
		sc = soakSeeds(t)[0]
		if os.Getenv("CAIRN_SOAK_SEED") == "" {
			sc.seed, sc.versioned = 11, true
		}
	}
	t.Run(fmt.Sprintf("seed=%d/versioned=%t", sc.seed, sc.versioned), func(t *testing.T) {
		t.Logf("seed %d: reproduce with CAIRN_SOAK_SEED=%d go test -count=1 -run TestBidirectionalSoakProcesses ./replication/", sc.seed, sc.seed)
		ak, sk := randomRoot(t)
		a, b := startProcessSite(t, bin, "a", 3, ak, sk), startProcessSite(t, bin, "b", 3, ak, sk)
		runSoak(t, sc, a, b)
	})
}

// cairnBinary returns the cairn binary to run: $CAIRN_BIN, or cmd/cairn built into
// the test's temporary directory. The test is skipped, saying why, if it cannot be
// built.
func cairnBinary(t *testing.T) string {
	if bin := os.Getenv("CAIRN_BIN"); bin != "" {
		return bin
	}
	bin, err := proctest.Build(t.TempDir())
	if err != nil {
		t.Skipf("cannot build the cairn binary: %v", err)
	}
	return bin
}

// randomRoot returns root credentials for both sites (each site's connection signs
// with them towards the other).
func randomRoot(t *testing.T) (string, string) {
	ak, sk := make([]byte, 8), make([]byte, 20)
	for _, b := range [][]byte{ak, sk} {
		_, err := rand.Read(b)
		require.NoError(t, err)
	}
	return fmt.Sprintf("SOAKROOT%X", ak), fmt.Sprintf("%x", sk)
}

// processNodes are the nodes of a soak site as `cairn server` processes: a kill is
// SIGKILL, a restart a new process on the same data directory and gossip port (its
// other ports are picked anew, as an in-process node's are).
type processNodes struct {
	t      *testing.T
	bin    string
	ak, sk string
	args   [][]string
	env    []string

	mu    sync.Mutex
	procs []*proctest.Proc // nil while down
}

// startProcessSite starts a site of n processes (n1 … nN, --bootstrap-expect n,
// each joining the others) and returns once every one is ready and the layout
// holds all of them.
func startProcessSite(t *testing.T, bin, name string, n int, ak, sk string) *soakSite {
	t.Helper()
	ns := &processNodes{t: t, bin: bin, ak: ak, sk: sk, procs: make([]*proctest.Proc, n),
		env: []string{"CAIRN_CLUSTER_SECRET=" + nodetest.ClusterSecret, "CAIRN_ROOT_ACCESS_KEY=" + ak, "CAIRN_ROOT_SECRET_KEY=" + sk}}
	gossip := make([]string, n)
	for i := range gossip {
		gossip[i] = "127.0.0.1:" + strconv.Itoa(nodetest.FreeGossipPort(t))
	}
	for i := range n {
		var join []string
		for j := range n {
			if j != i {
				join = append(join, gossip[j])
			}
		}
		ns.args = append(ns.args, []string{"server",
			"--node-id", fmt.Sprintf("%s-n%d", name, i+1),
			"--data", t.TempDir(),
			"--s3-addr", "127.0.0.1:0",
			"--admin-addr", "127.0.0.1:0",
			"--raft-addr", "127.0.0.1:0",
			"--rpc-addr", "127.0.0.1:0",
			"--gossip-addr", gossip[i],
			"--bootstrap-expect", strconv.Itoa(n),
			"--join", strings.Join(join, ","),
			"--raft-heartbeat", "500ms",
			"--log-level", "warn",
		})
	}
	for i := range n {
		ns.procs[i] = ns.spawn(i)
	}
	for i := range n {
		require.NoError(t, ns.procs[i].Ready(60*time.Second), "%s", ns.id(i))
	}
	// Every node ready and in the layout, as nodetest.StartConfigs waits for.
	adm := ns.adminClient(ns.procs[0])
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := adm.Sync(ctx)
		cancel()
		if err == nil && st.Done && len(st.Nodes) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("site %s: the layout does not hold its %d nodes: %+v, %v", name, n, st, err)
		}
		time.Sleep(100 * time.Millisecond) // polling
	}
	return newSoakSite(t, name, ns)
}

// spawn starts node i's process (proctest.Spawn).
func (ns *processNodes) spawn(i int) *proctest.Proc {
	return proctest.Spawn(ns.t, ns.bin, ns.args[i], ns.env...)
}

func (ns *processNodes) adminClient(p *proctest.Proc) *client.Client {
	c, err := client.New(client.Config{Endpoint: p.AdminURL, Credentials: credentials.NewStaticCredentialsProvider(ns.ak, ns.sk, "")})
	require.NoError(ns.t, err)
	return c
}

func (ns *processNodes) proc(i int) *proctest.Proc {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return ns.procs[i]
}

func (ns *processNodes) size() int       { return len(ns.args) }
func (ns *processNodes) id(i int) string { return ns.args[i][2] }
func (ns *processNodes) addr(i int) string {
	return strings.TrimPrefix(ns.proc(i).S3URL, "http://")
}

func (ns *processNodes) client(i int) *s3.Client {
	return s3.New(s3.Options{BaseEndpoint: aws.String(ns.proc(i).S3URL), UsePathStyle: true, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ns.ak, ns.sk, "")})
}

// siteID reads the site id from the x-cairn-site-id header of an S3 answer.
func (ns *processNodes) siteID(t testing.TB) string {
	out, err := ns.client(0).ListBuckets(context.Background(), &s3.ListBucketsInput{})
	require.NoError(t, err)
	id := outputHeaders(out.ResultMetadata).Get("x-cairn-site-id")
	require.NotEmpty(t, id, "no x-cairn-site-id header")
	return id
}

// kill sends SIGKILL to node i, once a workload request through it is under way
// (or after 2 s without one), then takes it out.
func (ns *processNodes) kill(i int, busy func() bool, detach func()) bool {
	mid := false
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if mid = busy(); mid {
			break
		}
		time.Sleep(time.Millisecond) // polling for a request under way
	}
	if p := ns.proc(i); p != nil {
		p.Kill()
	}
	detach()
	ns.mu.Lock()
	ns.procs[i] = nil
	ns.mu.Unlock()
	return mid
}

func (ns *processNodes) restart(_ *testing.T, i int) error {
	p := ns.spawn(i)
	if err := p.Ready(60 * time.Second); err != nil {
		p.Kill()
		return err
	}
	ns.mu.Lock()
	ns.procs[i] = p
	ns.mu.Unlock()
	return nil
}

// live returns the processes up now.
func (ns *processNodes) live() []*proctest.Proc {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	return upOnly(ns.procs)
}

// connect creates the connection and the rule through the admin API, retrying an
// answer 503 (an election left the outcome unknown) as a client would; a conflict
// then means the first attempt landed.
func (ns *processNodes) connect(t testing.TB, ctx context.Context, endpoint string) {
	adm := ns.adminClient(ns.live()[0])
	create := func(what string, fn func() error) {
		status := func(err error) int {
			var ae *client.Error
			if errors.As(err, &ae) {
				return ae.Status
			}
			return 0
		}
		soakCreate(t, ctx, what, fn,
			func(err error) bool { return status(err) == http.StatusServiceUnavailable },
			func(err error) bool { return status(err) == http.StatusConflict })
	}
	create("connection", func() error {
		_, err := adm.CreateConnection(ctx, admin.ConnectionRequest{Name: "peer", Endpoint: "http://" + ns.ak + ":" + ns.sk + "@" + endpoint})
		return err
	})
	create("rule", func() error {
		_, err := adm.CreateReplicationRule(ctx, soakBucket, admin.ReplicationRuleRequest{ID: "two-way", Connection: "peer",
			TargetBucket: soakBucket, Mode: meta.ModeBidirectional, ReplicateDeletes: true})
		return err
	})
}

// settle waits until every node reports the rule with nothing left to send.
func (ns *processNodes) settle(t *testing.T) {
	nodetest.WaitFor(t, "every node's site sync backlog drained", func() bool {
		for _, p := range ns.live() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := ns.adminClient(p).ReplicationStatus(ctx)
			cancel()
			if err != nil || len(st.Items) == 0 {
				return false
			}
			for _, r := range st.Items {
				if r.Backlog > 0 || !r.OldestUnsent.IsZero() {
					return false
				}
			}
		}
		return true
	})
}

func (ns *processNodes) logStatus(t *testing.T) {
	for _, p := range ns.live() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := ns.adminClient(p).ReplicationStatus(ctx)
		cancel()
		js, _ := json.Marshal(st)
		t.Logf("%s: status %s %v", p.AdminURL, js, err)
	}
}
