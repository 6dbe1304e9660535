package replication_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
)

// The bidirectional soak (TestBidirectionalSoak): two Cairn sites of three
// in-process nodes each, a bidirectional rule on each towards the other, through
// a TCP link the test cuts and restores. Each site first writes on its own,
// before the rules exist (their backfills reconcile it). Then a seeded random
// workload writes and deletes a small set of keys on both sides at once while the
// test kills and restarts nodes of each site and cuts the link in one or both
// directions. Each
// write's origin time is read back from the site it was made on. Once the workload
// stops and everything is healed, both sites must list the same keys, with for
// each the value a last-write-wins model over the whole history predicts.
//
// CAIRN_SOAK_SEED=N runs that one seed; CAIRN_SOAK_SECONDS=S makes each seed's
// workload run S seconds (make test-soak). A failure names its seed. The workload
// is seeded; the interleaving of two sites and their nodes is not, so a seed
// reproduces the same operations and chaos, not the same timing.

// soakBucket is the bucket synced between the two sites.
const soakBucket = "soak"

// soakSite is one site of the soak: a cluster whose nodes the test kills and
// restarts on their data, in this process or as cairn processes (soakNodes).
type soakSite struct {
	name  string
	id    string // the site id (cluster id)
	nodes soakNodes

	// mu guards clients; an operation holds it for reading for its whole length, so
	// that a node killed gracefully (in process) is never closed under a request the
	// workload made. A process is killed with SIGKILL before it is taken out, mid
	// request: its requests fail, their outcome unknown, and are retried.
	mu      sync.RWMutex
	clients []*s3.Client // nil while down

	amu   sync.Mutex
	addrs []string // the S3 addresses (host:port) of the live nodes, for the link

	// failed counts the workload's attempts that failed and were retried (a node
	// killed or restarting, an election); inflight each node's workload requests
	// under way; midRequest the kills made while one was.
	failed     atomic.Int64
	inflight   []atomic.Int32
	midRequest atomic.Int64
}

// soakNodes runs the nodes of a soak site: in this process (inProcessNodes) or as
// real cairn processes (processNodes).
type soakNodes interface {
	// size is the number of nodes.
	size() int
	// id names node i.
	id(i int) string
	// siteID is the site's id (its cluster id).
	siteID(t testing.TB) string
	// client is a root S3 client of node i, which is up; addr its S3 host:port.
	client(i int) *s3.Client
	addr(i int) string
	// kill stops node i, calling detach (which takes it out of the workload's
	// choice and waits for the workload's requests through it to end) before the
	// node stops if the kill is graceful, after it is gone if it is abrupt. An
	// abrupt kill first waits a moment for busy (a workload request through the
	// node under way), to kill it mid request, and says whether it did.
	kill(i int, busy func() bool, detach func()) (midRequest bool)
	// restart starts node i again on its data and returns once it is ready.
	restart(t *testing.T, i int) error
	// connect creates the connection "peer" towards endpoint (host:port) and the
	// bidirectional rule of soakBucket through it.
	connect(t testing.TB, ctx context.Context, endpoint string)
	// settle returns once site sync has run (in process, two more rounds on every
	// live node; processes, each rule's backlog drained on every node).
	settle(t *testing.T)
	// logStatus logs each live node's site sync status, for a failure.
	logStatus(t *testing.T)
}

// newSoakSite makes a site of nodes, every one of them up.
func newSoakSite(t testing.TB, name string, nodes soakNodes) *soakSite {
	st := &soakSite{name: name, nodes: nodes, clients: make([]*s3.Client, nodes.size()), inflight: make([]atomic.Int32, nodes.size())}
	for i := range st.clients {
		st.clients[i] = nodes.client(i)
	}
	st.id = nodes.siteID(t)
	st.updateAddrs()
	return st
}

func (st *soakSite) updateAddrs() {
	var addrs []string
	for i, c := range st.clients {
		if c != nil {
			addrs = append(addrs, st.nodes.addr(i))
		}
	}
	st.amu.Lock()
	st.addrs = addrs
	st.amu.Unlock()
}

// live returns the address of one live node, at random; "" when none.
func (st *soakSite) live() string {
	st.amu.Lock()
	defer st.amu.Unlock()
	if len(st.addrs) == 0 {
		return ""
	}
	return st.addrs[rand.IntN(len(st.addrs))]
}

// kill stops node i and takes it out of the workload's choice.
func (st *soakSite) kill(i int) {
	mid := st.nodes.kill(i, func() bool { return st.inflight[i].Load() > 0 }, func() {
		st.mu.Lock()
		st.clients[i] = nil
		st.updateAddrs()
		st.mu.Unlock()
	})
	if mid {
		st.midRequest.Add(1)
	}
}

// restart starts node i again on its data.
func (st *soakSite) restart(t *testing.T, i int) error {
	if err := st.nodes.restart(t, i); err != nil {
		return fmt.Errorf("restart %s of %s: %w", st.nodes.id(i), st.name, err)
	}
	st.mu.Lock()
	st.clients[i] = st.nodes.client(i)
	st.updateAddrs()
	st.mu.Unlock()
	return nil
}

// client returns a client of a live node.
func (st *soakSite) client() *s3.Client {
	st.mu.RLock()
	defer st.mu.RUnlock()
	for _, i := range rand.Perm(len(st.clients)) {
		if st.clients[i] != nil {
			return st.clients[i]
		}
	}
	return nil
}

// inProcessNodes are the nodes of a soak site in this process; a kill is a Close,
// which ends the node's listeners, gossip and Raft (requests in flight finish).
type inProcessNodes struct {
	cfgs  []node.Config
	nodes []*node.Node // nil while down
}

// startInProcessSite starts a site of n in-process nodes (node1 … nodeN), the
// options adjusting each one's configuration, and waits until it is ready.
func startInProcessSite(t testing.TB, name string, n int, options ...func(*node.Config)) *soakSite {
	t.Helper()
	ns := &inProcessNodes{cfgs: nodetest.ClusterConfigs(t, n, options...)}
	ns.nodes = nodetest.StartConfigs(t, ns.cfgs)
	return newSoakSite(t, name, ns)
}

func (ns *inProcessNodes) size() int                { return len(ns.cfgs) }
func (ns *inProcessNodes) id(i int) string          { return ns.cfgs[i].NodeID }
func (ns *inProcessNodes) siteID(testing.TB) string { return ns.nodes[0].Meta().ClusterID() }
func (ns *inProcessNodes) client(i int) *s3.Client  { return s3Client(ns.nodes[i]) }
func (ns *inProcessNodes) addr(i int) string {
	return strings.TrimPrefix(ns.nodes[i].S3URL(), "http://")
}

func (ns *inProcessNodes) kill(i int, _ func() bool, detach func()) bool {
	detach()
	nd := ns.nodes[i]
	ns.nodes[i] = nil
	if nd != nil {
		_ = nd.Close()
	}
	return false
}

func (ns *inProcessNodes) restart(t *testing.T, i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nd, err := node.Start(ctx, ns.cfgs[i])
	if err != nil {
		return err
	}
	t.Cleanup(func() { _ = nd.Close() })
	ns.nodes[i] = nd
	return nil
}

// live returns the nodes up now (the chaos loop, which kills and restarts them,
// has ended when this is called).
func (ns *inProcessNodes) live() []*node.Node { return upOnly(ns.nodes) }

// upOnly returns the nodes of all that are up (not nil).
func upOnly[T any](all []*T) []*T {
	var out []*T
	for _, n := range all {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

func (ns *inProcessNodes) connect(t testing.TB, ctx context.Context, endpoint string) {
	ak, sk := ns.nodes[0].RootCredentials() // the same root key on every test site
	m := ns.nodes[0].Meta()
	create := func(what string, fn func() error) {
		soakCreate(t, ctx, what, fn, func(err error) bool { return errors.Is(err, meta.ErrNotReady) },
			func(err error) bool {
				return errors.Is(err, meta.ErrConnectionExists) || errors.Is(err, meta.ErrReplicationRuleExists)
			})
	}
	create("connection", func() error {
		_, err := m.CreateConnection(ctx, meta.ConnectionInput{Name: "peer", Endpoint: "http://" + ak + ":" + sk + "@" + endpoint})
		return err
	})
	create("rule", func() error {
		_, err := m.CreateReplicationRule(ctx, meta.ReplicationRule{Bucket: soakBucket, ID: "two-way", Connection: "peer",
			TargetBucket: soakBucket, Mode: meta.ModeBidirectional, ReplicateDeletes: true})
		return err
	})
}

// soakCreate makes a create (fn) whose outcome an election can leave unknown
// (busy: ErrNotReady in process, a 503 to an admin client): it is retried as a
// client would, and exists (the thing exists already) then means it landed.
func soakCreate(t testing.TB, ctx context.Context, what string, fn func() error, busy, exists func(error) bool) {
	for {
		err := fn()
		if err != nil && busy(err) && ctx.Err() == nil {
			t.Logf("creating the %s: %v; again", what, err)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		if err != nil && exists(err) {
			err = nil
		}
		require.NoError(t, err, "creating the %s", what)
		return
	}
}

func (ns *inProcessNodes) settle(t *testing.T) { waitRounds(t, ns.live()...) }

func (ns *inProcessNodes) logStatus(t *testing.T) {
	for _, nd := range ns.live() {
		t.Logf("%s: status %+v", nd.NodeID(), nd.SiteSync().Status())
	}
}

// soakLink is a TCP link towards a site that the test cuts and restores: each
// connection goes to one of the site's live nodes.
type soakLink struct {
	ln    net.Listener
	to    *soakSite
	mu    sync.Mutex
	up    bool
	conns map[net.Conn]bool
}

func newSoakLink(t testing.TB, to *soakSite) *soakLink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	l := &soakLink{ln: ln, to: to, up: true, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); l.setUp(false) })
	go l.serve()
	return l
}

func (l *soakLink) serve() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		go l.carry(c)
	}
}

// track adds c to the connections a cut drops; false (and c closed) when the link
// is down.
func (l *soakLink) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.up {
		c.Close()
		return false
	}
	l.conns[c] = true
	return true
}

func (l *soakLink) untrack(c net.Conn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
	c.Close()
}

func (l *soakLink) carry(c net.Conn) {
	if !l.track(c) {
		return
	}
	defer l.untrack(c)
	addr := l.to.live()
	if addr == "" {
		return
	}
	s, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	if !l.track(s) {
		return
	}
	defer l.untrack(s)
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
}

// setUp restores the link, or cuts it: every connection dropped, new ones refused.
func (l *soakLink) setUp(up bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = up
	if !up {
		for c := range l.conns {
			c.Close()
		}
		clear(l.conns)
	}
}

// soakWrite is one acknowledged write (a PUT, or a DELETE when body is "") and the
// origin time the site it was made on gave it: 0 when it had already been
// superseded there by a newer write when read back (it then cannot be the last).
type soakWrite struct {
	site    string
	key     string
	body    string
	hlc     uint64
	version string // in a versioned bucket, the version (or delete marker) id
}

// soakConfig is one run of the soak.
type soakConfig struct {
	seed      uint64
	versioned bool
	workload  time.Duration
	keys      int
}

func soakSeeds(t *testing.T) []soakConfig {
	work := 6 * time.Second
	if s := os.Getenv("CAIRN_SOAK_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err, "CAIRN_SOAK_SECONDS")
		work = time.Duration(n) * time.Second
	}
	if s := os.Getenv("CAIRN_SOAK_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "CAIRN_SOAK_SEED")
		return []soakConfig{{seed: n, versioned: n%2 == 1, workload: work, keys: 16}}
	}
	var out []soakConfig
	for _, seed := range []uint64{1, 2, 3} {
		out = append(out, soakConfig{seed: seed, versioned: seed%2 == 1, workload: work, keys: 16})
	}
	return out
}

// TestBidirectionalSoak: see the comment at the top of this file.
func TestBidirectionalSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of two 3-node sites")
	}
	for _, sc := range soakSeeds(t) {
		t.Run(fmt.Sprintf("seed=%d/versioned=%t", sc.seed, sc.versioned), func(t *testing.T) {
			t.Logf("seed %d: reproduce with CAIRN_SOAK_SEED=%d go test -count=1 -run TestBidirectionalSoak ./replication/", sc.seed, sc.seed)
			a, b := startInProcessSite(t, "a", 3), startInProcessSite(t, "b", 3)
			runSoak(t, sc, a, b)
		})
	}
}

// runSoak runs the soak sc between the sites a and b, both up.
func runSoak(t *testing.T, sc soakConfig, a, b *soakSite) {
	ctx := t.Context()
	require.NotEqual(t, a.id, b.id)
	toB, toA := newSoakLink(t, b), newSoakLink(t, a)
	for _, st := range []*soakSite{a, b} {
		c := st.client()
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(soakBucket)})
		require.NoError(t, err)
		if sc.versioned {
			_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(soakBucket),
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
			require.NoError(t, err)
		}
	}
	connect := func(from *soakSite, link *soakLink) { from.nodes.connect(t, ctx, link.ln.Addr().String()) }

	keys := make([]string, sc.keys)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%02d", i)
	}
	var (
		hmu     sync.Mutex
		history []soakWrite
	)
	// Before the rules: each site writes and deletes on its own, which the two
	// sides' backfills then reconcile (last write wins), under the chaos too.
	for si, st := range []*soakSite{a, b} {
		rng := rand.New(rand.NewPCG(sc.seed, 100+uint64(si)))
		for n := range sc.keys {
			body := ""
			if rng.IntN(4) != 0 {
				body = fmt.Sprintf("%s-before-%d", st.name, n)
			}
			w, err := st.write(ctx, keys[rng.IntN(len(keys))], body)
			require.NoError(t, err)
			history = append(history, w)
		}
	}
	connect(a, toB)
	connect(b, toA)
	wctx, stop := context.WithTimeout(ctx, sc.workload)
	defer stop()
	var wg sync.WaitGroup
	var failed error
	var fmu sync.Mutex
	fail := func(err error) {
		fmu.Lock()
		if failed == nil {
			failed = err
		}
		fmu.Unlock()
		stop()
	}
	for si, st := range []*soakSite{a, b} {
		rng := rand.New(rand.NewPCG(sc.seed, uint64(si)))
		wg.Go(func() {
			for n := 0; wctx.Err() == nil; n++ {
				key := keys[rng.IntN(len(keys))]
				body := ""
				if rng.IntN(4) != 0 {
					body = fmt.Sprintf("%s-%d-%s", st.name, n, strings.Repeat("x", rng.IntN(3000)))
				}
				w, err := st.write(ctx, key, body)
				if err != nil {
					fail(fmt.Errorf("site %s: %w", st.name, err))
					return
				}
				hmu.Lock()
				history = append(history, w)
				hmu.Unlock()
				sleep(wctx, time.Duration(rng.IntN(30))*time.Millisecond)
			}
		})
	}
	// Chaos: one event at a time, each healed before the next.
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(sc.seed, 99))
		for wctx.Err() == nil {
			sleep(wctx, time.Duration(100+rng.IntN(400))*time.Millisecond)
			hold := time.Duration(200+rng.IntN(1500)) * time.Millisecond
			switch ev := rng.IntN(5); ev {
			case 0, 1: // kill a node of a site, restart it after a while
				st := []*soakSite{a, b}[ev]
				i := rng.IntN(st.nodes.size())
				t.Logf("chaos: kill %s of %s for %v", st.nodes.id(i), st.name, hold)
				st.kill(i)
				sleep(wctx, hold)
				if err := st.restart(t, i); err != nil {
					fail(err)
					return
				}
			case 2, 3: // cut one direction
				l := []*soakLink{toB, toA}[ev-2]
				t.Logf("chaos: cut the link to %s for %v", l.to.name, hold)
				l.setUp(false)
				sleep(wctx, hold)
				l.setUp(true)
			case 4: // cut both
				t.Logf("chaos: cut both directions for %v", hold)
				toB.setUp(false)
				toA.setUp(false)
				sleep(wctx, hold)
				toB.setUp(true)
				toA.setUp(true)
			}
		}
	})
	wg.Wait()
	require.NoError(t, failed)
	want := lastWrites(history, keys)
	superseded, won := 0, map[string]int{}
	for _, w := range history {
		if w.hlc == 0 {
			superseded++
		}
	}
	for _, w := range want {
		switch {
		case w.hlc == 0:
			won["never written"]++
		case w.body == "":
			won["deleted on "+w.site[:6]]++
		default:
			won["written on "+w.site[:6]]++
		}
	}
	t.Logf("%d writes and deletes (%d superseded by the other site's before they were read back); failed attempts retried %d on a, %d on b; kills mid request %d on a, %d on b; the last of each key: %v",
		len(history), superseded, a.failed.Load(), b.failed.Load(), a.midRequest.Load(), b.midRequest.Load(), won)
	var differs string
	converged := func() bool {
		differs = ""
		la, lb := a.listing(ctx), b.listing(ctx)
		if la == nil || lb == nil {
			differs = "a listing failed"
			return false
		}
		if !equalListings(la, lb) {
			differs = fmt.Sprintf("listings differ: a %v, b %v", la, lb)
			return false
		}
		for _, key := range keys {
			w := want[key]
			for _, st := range []*soakSite{a, b} {
				got, ok, err := read(ctx, st.client(), soakBucket, key)
				switch {
				case err != nil:
					differs = fmt.Sprintf("%s on %s: %v", key, st.name, err)
				case ok != (w.body != ""):
					differs = fmt.Sprintf("%s on %s: present %t, the last write is %s", key, st.name, ok, w)
				case ok && got.body != w.body:
					differs = fmt.Sprintf("%s on %s: %.12q, the last write is %s", key, st.name, got.body, w)
				}
				if differs != "" {
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(90 * time.Second) // a guard against a hang, not a timing
	for !converged() {
		if time.Now().After(deadline) {
			a.nodes.logStatus(t)
			b.nodes.logStatus(t)
			for _, key := range keys {
				t.Logf("%s: last %s; a %s; b %s", key, want[key], a.describe(ctx, key), b.describe(ctx, key))
			}
			t.Fatalf("seed %d: the sites did not converge to the last writes: %s", sc.seed, differs)
		}
		time.Sleep(100 * time.Millisecond) // polling, not synchronisation
	}
	for range 2 {
		a.nodes.settle(t)
		b.nodes.settle(t)
	}
	require.True(t, converged(), "seed %d: the sites moved apart again: %s", sc.seed, differs)
	if sc.versioned {
		// No acknowledged version or delete marker is lost on the site it was made
		// on, whatever was killed under it or after it.
		for _, st := range []*soakSite{a, b} {
			have := st.versions(ctx)
			require.NotNil(t, have, "listing the versions of %s", st.name)
			lost := 0
			for _, w := range history {
				if w.site == st.id && !have[w.key+"\x00"+w.version] {
					lost++
					t.Errorf("seed %d: %s of %s (version %q) is not among %s's versions", sc.seed, w, w.key, w.version, st.name)
				}
			}
			require.Zero(t, lost, "seed %d: acknowledged versions lost on %s", sc.seed, st.name)
		}
	}
}

// waitLong is nodetest.WaitFor with a longer guard (5 minutes) for the long runs
// (a 10,000-object backfill).
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling, not synchronisation
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (w soakWrite) String() string {
	what := "delete"
	if w.body != "" {
		what = fmt.Sprintf("put %.12q", w.body)
	}
	return fmt.Sprintf("%s on %s at %d", what, w.site, w.hlc)
}

// lastWrites is the model: each key's last write by origin time, the site id
// breaking a tie (the higher wins).
func lastWrites(history []soakWrite, keys []string) map[string]soakWrite {
	out := map[string]soakWrite{}
	for _, key := range keys {
		out[key] = soakWrite{key: key} // never written: absent
	}
	for _, w := range history {
		if w.hlc == 0 {
			continue // superseded when read back: never the last
		}
		cur := out[w.key]
		if w.hlc > cur.hlc || w.hlc == cur.hlc && w.site > cur.site {
			out[w.key] = w
		}
	}
	return out
}

// write makes one write or delete through a live node, retrying until it is
// acknowledged (a retry is a newer write of the same value, so an attempt that
// failed but took effect somewhere never decides the outcome), and reads back the
// origin time it was given.
func (st *soakSite) write(ctx context.Context, key, body string) (soakWrite, error) {
	w := soakWrite{site: st.id, key: key, body: body}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := st.try(ctx, &w)
		if err == nil {
			return w, nil
		}
		st.failed.Add(1)
		if time.Now().After(deadline) || ctx.Err() != nil {
			return w, fmt.Errorf("%s %s: %w", key, w, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// try makes one attempt of w, and its read-back, through one live node, which is
// not killed meanwhile.
func (st *soakSite) try(ctx context.Context, w *soakWrite) error {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var c *s3.Client
	for _, i := range rand.Perm(len(st.clients)) {
		if c = st.clients[i]; c != nil {
			st.inflight[i].Add(1)
			defer st.inflight[i].Add(-1)
			break
		}
	}
	if c == nil {
		return errors.New("no live node")
	}
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var err error
	if w.body != "" {
		var out *s3.PutObjectOutput
		if out, err = c.PutObject(rctx, &s3.PutObjectInput{Bucket: aws.String(soakBucket), Key: aws.String(w.key), Body: strings.NewReader(w.body)}); err == nil {
			w.version = aws.ToString(out.VersionId)
		}
	} else {
		var out *s3.DeleteObjectOutput
		if out, err = c.DeleteObject(rctx, &s3.DeleteObjectInput{Bucket: aws.String(soakBucket), Key: aws.String(w.key)}); err == nil {
			w.version = aws.ToString(out.VersionId)
		}
	}
	if err != nil {
		return err
	}
	// Read back: the key's current state here is this write, or a newer one
	// (replicated meanwhile from the other site).
	h, body, err := current(rctx, c, soakBucket, w.key)
	if err != nil {
		return fmt.Errorf("read back: %w", err)
	}
	if h.Get("x-cairn-origin-site") != st.id || body != w.body {
		return nil // superseded already: hlc 0
	}
	w.hlc, err = strconv.ParseUint(h.Get("x-cairn-origin-time"), 10, 64)
	if err != nil {
		return fmt.Errorf("read back the origin time: %w", err)
	}
	return nil
}

// current reads the current state of bucket/key: the answer's headers and the body ("" when there is no current version).
func current(ctx context.Context, c *s3.Client, bucket, key string) (http.Header, string, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return re.Response.Header, "", nil
		}
		return nil, "", err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", err
	}
	return outputHeaders(out.ResultMetadata), string(data), nil
}

// describe says what the site holds under key, for a failure's log.
func (st *soakSite) describe(ctx context.Context, key string) string {
	c := st.client()
	h, body, err := current(ctx, c, soakBucket, key)
	if err != nil {
		return err.Error()
	}
	what := "absent"
	if body != "" {
		what = fmt.Sprintf("%.12q", body)
	}
	return fmt.Sprintf("%s from %s at %s", what, h.Get("x-cairn-origin-site"), h.Get("x-cairn-origin-time"))
}

// versions returns the set of key+"\x00"+version id of the bucket's versions and
// delete markers; nil on an error.
func (st *soakSite) versions(ctx context.Context) map[string]bool {
	c := st.client()
	if c == nil {
		return nil
	}
	out := map[string]bool{}
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(soakBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil
		}
		for _, v := range page.Versions {
			out[aws.ToString(v.Key)+"\x00"+aws.ToString(v.VersionId)] = true
		}
		for _, m := range page.DeleteMarkers {
			out[aws.ToString(m.Key)+"\x00"+aws.ToString(m.VersionId)] = true
		}
	}
	return out
}

// soakEntry is one key of a listing.
type soakEntry struct{ Key, ETag string }

// listing lists the bucket's current keys and ETags; nil on an error.
func (st *soakSite) listing(ctx context.Context) []soakEntry {
	c := st.client()
	if c == nil {
		return nil
	}
	out := []soakEntry{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(soakBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil
		}
		for _, o := range page.Contents {
			out = append(out, soakEntry{aws.ToString(o.Key), aws.ToString(o.ETag)})
		}
	}
	return out
}

func equalListings(a, b []soakEntry) bool { return slices.Equal(a, b) }
