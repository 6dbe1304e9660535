package nodetest

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/membership"
	"github.com/cairnstore/cairn/cmd/node"
)

// ClusterSecret is the cluster secret of the nodes StartCluster starts.
const ClusterSecret = "nodetest-cluster-secret-0123456789"

// ClusterTimings are the shortened failure-detection periods of test clusters: a
// dead leader is replaced in well under a second.
func ClusterTimings() node.Timings {
	return node.Timings{
		Gossip:          membership.LoopbackTimings(),
		RaftHeartbeat:   200 * time.Millisecond,
		RaftLeaderLease: 100 * time.Millisecond,
		RaftCommit:      10 * time.Millisecond,
		Reconcile:       200 * time.Millisecond,
		JoinRetry:       100 * time.Millisecond,
		SiteSync:        50 * time.Millisecond,
	}
}

// ClusterConfig is the configuration of test node id ("node1", "node2", ...) of a
// cluster: every address on 127.0.0.1 (the gossip port picked free beforehand, since
// the others must be told it), the test secret and root credentials, shortened
// timings, and data in a fresh temporary directory.
func ClusterConfig(t testing.TB, id string) node.Config {
	t.Helper()
	return node.Config{
		NodeID:        id,
		DataDir:       t.TempDir(),
		S3Addr:        "127.0.0.1:0",
		AdminAddr:     "127.0.0.1:0",
		RaftAddr:      "127.0.0.1:0",
		RootAccessKey: "TESTROOTACCESSKEY0001",
		RootSecretKey: "test-root-secret-key-0123456789abcdef",
		Logger:        slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Cluster: node.Cluster{
			GossipAddr:    "127.0.0.1:" + strconv.Itoa(FreeGossipPort(t)),
			RPCAddr:       "127.0.0.1:0",
			ClusterSecret: ClusterSecret,
			Capacity:      1,
			Timings:       ClusterTimings(),
		},
		// Above net/http's 5 s grace for connections that never sent a request, which
		// Shutdown waits out; at 5 s a client's unused connection failed Close.
		ShutdownTimeout: 10 * time.Second,
	}
}

// StartCluster starts n nodes in-process, node1 … nodeN, each joining all the others
// with --bootstrap-expect n, and returns them in id order once every node is ready
// and the layout holds all n. The options adjust each node's configuration. The
// nodes are closed when the test ends.
func StartCluster(t testing.TB, n int, options ...func(*node.Config)) []*node.Node {
	t.Helper()
	return StartConfigs(t, ClusterConfigs(t, n, options...))
}

// ClusterConfigs returns the configurations StartCluster starts: node1 … nodeN,
// each joining all the others with --bootstrap-expect n, adjusted by the options. A
// test that restarts nodes on their data keeps them.
func ClusterConfigs(t testing.TB, n int, options ...func(*node.Config)) []node.Config {
	t.Helper()
	cfgs := make([]node.Config, n)
	for i := range cfgs {
		cfgs[i] = ClusterConfig(t, fmt.Sprintf("node%d", i+1))
		cfgs[i].BootstrapExpect = n
	}
	for i := range cfgs {
		for j := range cfgs {
			if i != j {
				cfgs[i].Join = append(cfgs[i].Join, cfgs[j].GossipAddr)
			}
		}
		for _, o := range options {
			o(&cfgs[i])
		}
	}
	return cfgs
}

// StartConfigs starts a node of each of cfgs at once (a cluster's, as
// ClusterConfigs makes them) and returns them in order once every node is ready
// and every node's layout holds all of them. They are closed when the test ends.
func StartConfigs(t testing.TB, cfgs []node.Config) []*node.Node {
	t.Helper()
	n := len(cfgs)
	nodes := make([]*node.Node, n)
	errs := make([]error, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nodes[i], errs[i] = node.Start(ctx, cfgs[i])
		}()
	}
	wg.Wait()
	for i, nd := range nodes {
		if nd != nil {
			t.Cleanup(func() { _ = nd.Close() })
		}
		if errs[i] != nil {
			t.Fatalf("start %s: %v", cfgs[i].NodeID, errs[i])
		}
	}
	ids := make([]string, n)
	for i, c := range cfgs {
		ids[i] = c.NodeID
	}
	WaitFor(t, "every node's layout holds all nodes", func() bool {
		for _, nd := range nodes {
			if !LayoutHolds(nd, ids...) {
				return false
			}
		}
		return true
	})
	return nodes
}

// StartJoining starts one more node, id, that joins the cluster through the gossip
// address of via (with --join, no --bootstrap-expect), and returns it once it is
// ready. It is closed when the test ends.
func StartJoining(t testing.TB, via *node.Node, id string, options ...func(*node.Config)) *node.Node {
	t.Helper()
	cfg := ClusterConfig(t, id)
	cfg.Join = []string{via.GossipAddr()}
	for _, o := range options {
		o(&cfg)
	}
	return StartConfig(t, cfg)
}

// StartConfig starts a node from cfg, waiting up to 30s for it to be ready, and
// closes it when the test ends.
func StartConfig(t testing.TB, cfg node.Config) *node.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := node.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start %s: %v", cfg.NodeID, err)
	}
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// LayoutHolds reports whether n's current layout holds exactly the given node ids.
func LayoutHolds(n *node.Node, ids ...string) bool {
	l := n.Meta().Layout()
	if l == nil || len(l.Nodes) != len(ids) {
		return false
	}
	for _, id := range ids {
		if !slices.ContainsFunc(l.Nodes, func(ln layout.Node) bool { return string(ln.ID) == id }) {
			return false
		}
	}
	return true
}

// Leader returns the node that is the Raft leader, or nil if none of nodes is.
func Leader(nodes ...*node.Node) *node.Node {
	for _, n := range nodes {
		if state, _, _, _, _ := n.Meta().RaftState(); state == "Leader" {
			return n
		}
	}
	return nil
}

// WaitLeader returns the node of nodes that is the Raft leader, waiting (as WaitFor)
// while there is none: a cluster that is ready has had a leader, but an election,
// frequent on a loaded machine with the short test timings, leaves it without one
// for a moment.
func WaitLeader(t testing.TB, nodes ...*node.Node) *node.Node {
	t.Helper()
	var leader *node.Node
	WaitFor(t, "one of the nodes is the raft leader", func() bool {
		leader = Leader(nodes...)
		return leader != nil
	})
	return leader
}

// WaitFor polls cond every 10ms until it holds, failing the test after 40s: a
// generous limit, as a 2-core CI machine running two test packages at once (each
// with its own clusters) can take many seconds over what takes one second alone.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling, not synchronisation
	}
}

// FreeGossipPort returns a loopback port that is free for both TCP and UDP, as
// memberlist needs the same port for both. The port is released before it is
// returned, so it is drawn at random below the kernel's ephemeral range (Linux:
// 32768 and up): the ":0" listeners of tests running meanwhile never get it.
func FreeGossipPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		tcp, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		udp, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		tcp.Close()
		if err == nil {
			udp.Close()
			return port
		}
	}
	t.Fatalf("no port free for both TCP and UDP")
	return 0
}
