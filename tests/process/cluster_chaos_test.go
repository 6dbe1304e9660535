package process

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cairnstore/cairn/s3api/admin/client"
)

// Chaos test parameters. The load runs for at least chaosLoad; meanwhile, every
// chaosGap (plus up to as much again, at random) after the previous node is back, a
// random node is killed with SIGKILL and restarted after chaosDowntime (plus up to
// as much again). One node at most is down at any time, so with R=3 and W=2 every
// request through a live node has its quorums.
const (
	chaosNodes       = 3
	chaosLoad        = 60 * time.Second
	chaosGap         = 4 * time.Second
	chaosDowntime    = 2 * time.Second
	chaosMaxCycles   = 12
	chaosWriters     = 6
	chaosReaders     = 3
	chaosSlots       = 12               // keys per writer, overwritten in turn
	chaosOpTimeout   = 30 * time.Second // bound on one write or read
	chaosSettle      = 90 * time.Second // bound on anti-entropy settling at the end
	chaosSecretBytes = 24
)

// clusterNode is one node of a process cluster: fixed ports and data directory, so
// that a restart is the same node, and the process currently running it.
type clusterNode struct {
	id      string
	dataDir string
	args    []string
	env     []string
	srv     *server
}

// start starts the node's process, without waiting for it to be ready.
func (n *clusterNode) start(t *testing.T) {
	t.Helper()
	n.srv = spawn(t, n.args, n.env...)
	n.srv.dataDir = n.dataDir
}

// newProcessCluster prepares count nodes on loopback: five free ports each (S3,
// admin, gossip, Raft, RPC), every node joining the others' gossip ports with
// --bootstrap-expect count, the same cluster secret and root credentials.
func newProcessCluster(t *testing.T, count int, secret, accessKey, secretKey string) []*clusterNode {
	t.Helper()
	ports := freePorts(t, 5*count)
	gossip := func(i int) string { return "127.0.0.1:" + strconv.Itoa(ports[5*i+2]) }
	nodes := make([]*clusterNode, count)
	for i := range nodes {
		var join []string
		for j := range count {
			if j != i {
				join = append(join, gossip(j))
			}
		}
		p := ports[5*i : 5*i+5]
		n := &clusterNode{id: fmt.Sprintf("n%d", i+1), dataDir: t.TempDir()}
		n.args = []string{"server",
			"--node-id", n.id,
			"--data", n.dataDir,
			"--s3-addr", "127.0.0.1:" + strconv.Itoa(p[0]),
			"--admin-addr", "127.0.0.1:" + strconv.Itoa(p[1]),
			"--gossip-addr", gossip(i),
			"--raft-addr", "127.0.0.1:" + strconv.Itoa(p[3]),
			"--rpc-addr", "127.0.0.1:" + strconv.Itoa(p[4]),
			"--bootstrap-expect", strconv.Itoa(count),
			"--join", strings.Join(join, ","),
			"--log-level", "warn",
		}
		n.args = append(n.args, chaosGCFlags...)
		n.args = append(n.args, "--usage-max-age", "1s")
		n.env = []string{"CAIRN_CLUSTER_SECRET=" + secret, "CAIRN_ROOT_ACCESS_KEY=" + accessKey, "CAIRN_ROOT_SECRET_KEY=" + secretKey}
		nodes[i] = n
	}
	return nodes
}

// freePorts returns n distinct loopback ports, each free for both TCP and UDP (the
// gossip port needs both), drawn below the kernel's ephemeral range so that the ":0"
// listeners of other tests never take them between this check and the node's start.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	seen := map[int]bool{}
	var out []int
	for tries := 0; len(out) < n; tries++ {
		if tries > 100*n {
			t.Fatalf("found only %d free ports", len(out))
		}
		port := 20000 + mrand.IntN(12000)
		if seen[port] {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		tcp, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		udp, err := net.ListenPacket("udp", addr)
		tcp.Close()
		if err != nil {
			continue
		}
		udp.Close()
		seen[port] = true
		out = append(out, port)
	}
	return out
}

// chaosStats counts what the load did.
type chaosStats struct {
	writes, acked, writeErrs, reads, readErrs atomic.Int64
	badReads                                  atomic.Int64 // wrong content: each is a failure
}

// TestClusterChaosKeepsAcknowledgedWrites runs three real `cairn server` processes
// as a cluster (a cluster secret, --bootstrap-expect 3) under a concurrent load of
// writers and readers spread over every node for at least a minute, killing a random
// node with SIGKILL again and again and restarting it on its data directory and
// ports. Meanwhile no read may return a partial object, an unknown content, or
// anything older than what was acknowledged when it started. Beside it, writers of a
// versioned bucket add versions, delete markers and permanent deletes of versions,
// and the block collector runs every 2 s with short grace periods (chaosGCFlags). At
// the end, once all nodes are back and anti-entropy has settled, every acknowledged
// write must read back byte-identical through every node, every node's listing must
// agree, no acknowledged version or delete marker may be lost nor any acknowledged
// permanent delete undone, the collector must have removed blocks, and every node's
// admin API must count each bucket's objects, versions and delete markers as the
// listings show them (once each, not once per owner).
func TestClusterChaosKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("kills cluster nodes for over a minute; skipped with -short")
	}
	accessKey, secretKey := randomCredentials(t)
	secret := randomSecret(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := mrand.New(mrand.NewPCG(seed, 1))
	nodes := newProcessCluster(t, chaosNodes, secret, accessKey, secretKey)
	for _, n := range nodes {
		n.start(t)
	}
	for _, n := range nodes {
		n.srv.waitReady(t)
	}
	clients := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		// The S3 endpoint is fixed, so one client serves every run of the node.
		clients[i] = newClient(t, n.srv.S3URL, accessKey, secretKey)
	}
	const bucket = "chaos"
	ctx := context.Background()
	if _, err := clients[0].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}

	const versioned = "chaos-versions"
	if _, err := clients[1].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(versioned)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := clients[2].PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(versioned),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}

	l := &ledger{keys: map[string]*keyState{}}
	vl := &versionLedger{keys: map[string]*versionedKey{}}
	var stats chaosStats
	var vstats versionStats
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	var wg sync.WaitGroup
	for w := range chaosWriters {
		wg.Go(func() { chaosWriter(loadCtx, clients, bucket, w, seed, l, &stats) })
	}
	// The versioned writers' clients send each request once: an SDK retry of a PUT or
	// a DELETE whose first attempt did land makes a second version or marker, which
	// the ledger could not tell from one made by no request at all.
	once := make([]*s3.Client, len(nodes))
	for i, n := range nodes {
		once[i] = newClient(t, n.srv.S3URL, accessKey, secretKey, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	}
	for w := range chaosVersionWriters {
		wg.Go(func() { chaosVersionWriter(loadCtx, t, once, versioned, w, seed, vl, &vstats, &stats) })
	}
	for r := range chaosReaders {
		wg.Go(func() { chaosReader(loadCtx, t, clients, bucket, r, seed, l, &stats) })
	}

	// Kill a random node, bring it back, again and again.
	start := time.Now()
	var kills []string
	lastBack := start // when the last node to come back was started
	// A cycle starts only if it ends within the load, whatever its random pauses.
	lastStart := chaosLoad - 2*chaosGap - 2*chaosDowntime
	for cycle := 1; cycle <= chaosMaxCycles && time.Since(start) < lastStart; cycle++ {
		pause(t, chaosGap+time.Duration(rng.Int64N(int64(chaosGap))))
		if t.Failed() {
			break
		}
		victim := nodes[rng.IntN(len(nodes))]
		acked := stats.acked.Load()
		victim.srv.kill()
		killedAt := time.Since(start)
		pause(t, chaosDowntime+time.Duration(rng.Int64N(int64(chaosDowntime))))
		victim.start(t)
		back := time.Now()
		lastBack = back
		victim.srv.waitReady(t)
		kills = append(kills, fmt.Sprintf("%s at %v (ready %v after its restart)", victim.id,
			killedAt.Round(100*time.Millisecond), time.Since(back).Round(10*time.Millisecond)))
		if stats.acked.Load() == acked {
			t.Errorf("cycle %d: no write was acknowledged while %s was down and restarting", cycle, victim.id)
		}
	}
	// The load lasts at least chaosLoad, however the kills went.
	for time.Since(start) < chaosLoad && !t.Failed() {
		pause(t, min(time.Second, chaosLoad-time.Since(start)))
	}
	stopLoad()
	wg.Wait()
	loadTook := time.Since(start)
	t.Logf("load of %v: %d writes (%d acknowledged, %d failed), %d reads (%d failed); %d kills: %v",
		loadTook.Round(time.Second), stats.writes.Load(), stats.acked.Load(), stats.writeErrs.Load(),
		stats.reads.Load(), stats.readErrs.Load(), len(kills), kills)
	t.Logf("versioned bucket: %d versions, %d delete markers, %d permanent deletes acknowledged, %d requests failed, %d reads by version id",
		vstats.puts.Load(), vstats.markers.Load(), vstats.removals.Load(), vstats.failed.Load(), vstats.reads.Load())
	if bad := stats.badReads.Load(); bad > 0 {
		t.Errorf("%d reads returned wrong content or lost an acknowledged write", bad)
	}
	if len(kills) < 3 {
		t.Errorf("only %d kills during the load", len(kills))
	}
	if t.Failed() {
		return
	}

	// Every node back and anti-entropy settled, then every acknowledged write reads
	// back through every node.
	settled := waitSettled(t, nodes, accessKey, secretKey, lastBack)
	t.Logf("all nodes ready and anti-entropy settled %v after the load stopped", settled.Round(100*time.Millisecond))
	for i, c := range clients {
		verify(t, c, bucket, l, "through "+nodes[i].id)
		verifyVersions(t, c, versioned, vl, "versioned bucket through "+nodes[i].id)
		if t.Failed() {
			return
		}
	}
	checkUsage(t, nodes, accessKey, secretKey, clients[0], bucket, versioned)
	// The collector ran, and removed blocks (of overwritten objects and of versions
	// deleted for good), while every acknowledged version stayed.
	// A block unreferenced at the end of the load is removed once the 10 s grace has
	// passed, so poll a while: a node restarted late counts from its restart.
	var blocks, runs int64
	for deadline := time.Now().Add(time.Minute); ; {
		if blocks, runs = gcReclaimed(t, nodes, accessKey, secretKey); blocks > 0 || time.Now().After(deadline) {
			break
		}
		pause(t, time.Second) // polling
	}
	t.Logf("block collector since the nodes' last starts: %d runs, %d blocks removed", runs, blocks)
	if blocks == 0 {
		t.Errorf("the block collector removed nothing (%d runs)", runs)
	}
	for _, n := range nodes {
		n.srv.stop(t)
	}
}

// pause waits d: the scenario's pacing (how long a node stays up or down), not a
// synchronisation; every wait for a state polls it.
func pause(t *testing.T, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	<-timer.C
}

// chaosWriter writes through the nodes in turn until ctx ends: inline objects,
// objects of a few blocks, and now and then a multipart upload, each to one of the
// writer's keys. A key is overwritten only while its every write so far was
// acknowledged: after a failure the writer moves that slot to a new key, since a
// failed write may still land later and win by last write wins, which S3 allows.
func chaosWriter(ctx context.Context, clients []*s3.Client, bucket string, w int, seed uint64, l *ledger, stats *chaosStats) {
	rng := mrand.New(mrand.NewPCG(seed, uint64(w)+100))
	generation := make([]int, chaosSlots)
	for n := 0; ctx.Err() == nil; n++ {
		slot := n % chaosSlots
		key := fmt.Sprintf("w%02d/k%02d-g%d", w, slot, generation[slot])
		a := attempt{seed: seed ^ (uint64(w)<<40 | uint64(n))}
		switch p := rng.IntN(100); {
		case p < 50:
			a.kind, a.size = "inline", rng.Int64N(inlineLimit)
		case p < 96:
			a.kind, a.size = "blocks", inlineLimit+1+rng.Int64N(3<<20)
		default:
			a.kind, a.size = "multipart", partSize+1+rng.Int64N(256<<10)
		}
		data := content(a.seed, a.size)
		a.sum = sha256.Sum256(data)
		i := l.begin(key, a)
		stats.writes.Add(1)
		octx, cancel := context.WithTimeout(ctx, chaosOpTimeout)
		err := put(octx, clients[(w+n)%len(clients)], bucket, key, a.kind, data)
		cancel()
		if err != nil {
			stats.writeErrs.Add(1)
			generation[slot]++
			continue
		}
		l.ack(key, i)
		stats.acked.Add(1)
	}
}

// chaosReader reads acknowledged keys through random nodes until ctx ends. A read
// may fail (its node may be down), but one that succeeds must return an attempt of
// the key no older than the one acknowledged when the read started; NoSuchKey for an
// acknowledged key is a lost write.
func chaosReader(ctx context.Context, t *testing.T, clients []*s3.Client, bucket string, r int, seed uint64, l *ledger, stats *chaosStats) {
	rng := mrand.New(mrand.NewPCG(seed, uint64(r)+200))
	for ctx.Err() == nil {
		key, ackedAtStart := l.pickAcked(rng)
		if key == "" {
			pause(t, 10*time.Millisecond) // nothing acknowledged yet
			continue
		}
		via := rng.IntN(len(clients))
		stats.reads.Add(1)
		octx, cancel := context.WithTimeout(ctx, chaosOpTimeout)
		err := chaosRead(octx, clients[via], bucket, key, ackedAtStart, l)
		cancel()
		var ce *contentError
		switch {
		case err == nil:
		case errors.As(err, &ce):
			if stats.badReads.Add(1) <= 10 {
				t.Errorf("read of %s through n%d: %v", key, via+1, err)
			}
		default:
			stats.readErrs.Add(1) // the node is down, or the request was cut
		}
	}
}

// contentError is a read that answered with the wrong content: a partial or unknown
// body, an older write than acknowledged, or no object where one was acknowledged.
type contentError struct{ err error }

func (e *contentError) Error() string { return e.err.Error() }
func (e *contentError) Unwrap() error { return e.err }

// chaosRead reads key through c and checks the content against the ledger: it must
// be an attempt no older than acked, the one acknowledged when the read started (it
// may be a later attempt, even one begun during the read). A failed request is
// returned as it is; wrong content as a *contentError.
func chaosRead(ctx context.Context, c *s3.Client, bucket, key string, acked int, l *ledger) error {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return &contentError{fmt.Errorf("acknowledged attempt %d is not found: %w", acked, err)}
		}
		return err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return fmt.Errorf("body cut after %d bytes: %w", n, err)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	l.mu.Lock()
	attempts := l.keys[key].attempts
	l.mu.Unlock()
	for i := len(attempts) - 1; i >= 0; i-- {
		if attempts[i].sum == sum {
			if i < acked {
				return &contentError{fmt.Errorf("reads back as attempt %d, older than acknowledged attempt %d", i, acked)}
			}
			return nil
		}
	}
	return &contentError{fmt.Errorf("reads back %d bytes that match none of its %d attempts (acknowledged %d)", n, len(attempts), acked)}
}

// pickAcked returns a random key with an acknowledged write and the index of its
// newest acknowledged attempt now, or "" if there is none yet.
func (l *ledger) pickAcked(rng *mrand.Rand) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range 20 {
		for key, ks := range l.keys { // map order is random; rng picks how far to go
			if rng.IntN(4) != 0 {
				continue
			}
			if ks.acked >= 0 {
				return key, ks.acked
			}
		}
	}
	return "", -1
}

// waitSettled waits until every node answers /health/ready, the cluster reports no
// layout still syncing, and every node has finished an anti-entropy round that
// started after since (when the last node came back) and left no work undone; it
// returns how long that took.
func waitSettled(t *testing.T, nodes []*clusterNode, accessKey, secretKey string, since time.Time) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(chaosSettle)
	admin, err := client.New(client.Config{
		Endpoint:    nodes[0].srv.AdminURL,
		Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	httpc := &http.Client{Timeout: 5 * time.Second}
	for {
		why := settledState(httpc, admin, nodes, since)
		if why == "" {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled %v after the load stopped: %s", chaosSettle, why)
		}
		pause(t, 200*time.Millisecond) // polling
	}
}

// settledState returns "" once the cluster has settled, else what it waits for.
func settledState(httpc *http.Client, admin *client.Client, nodes []*clusterNode, since time.Time) string {
	for _, n := range nodes {
		resp, err := httpc.Get(n.srv.AdminURL + "/health/ready")
		if err != nil {
			return fmt.Sprintf("%s: %v", n.id, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Sprintf("%s is not ready (%d)", n.id, resp.StatusCode)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := admin.Sync(ctx)
	if err != nil {
		return fmt.Sprintf("GET /admin/v1/sync: %v", err)
	}
	if !st.Done {
		return fmt.Sprintf("layout versions %v still syncing", st.Syncing)
	}
	for _, ns := range st.Nodes {
		r := ns.Repair
		switch {
		case r == nil:
			return fmt.Sprintf("%s does not report its anti-entropy", ns.ID)
		case r.LastStart == nil || r.LastStart.Before(since):
			return fmt.Sprintf("%s: no anti-entropy round since the last node came back", ns.ID)
		case r.LastError != "" || r.PartitionsPending+r.BlockPartitionsPending+r.BlocksPending > 0:
			return fmt.Sprintf("%s: last anti-entropy round left work undone (%d partitions, %d block partitions, %d blocks): %s",
				ns.ID, r.PartitionsPending, r.BlockPartitionsPending, r.BlocksPending, r.LastError)
		}
	}
	if len(st.Nodes) != len(nodes) {
		return fmt.Sprintf("%d nodes report their sync, want %d", len(st.Nodes), len(nodes))
	}
	return ""
}

// randomSecret returns a fresh cluster secret.
func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, chaosSecretBytes)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
