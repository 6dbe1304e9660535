package node_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// adminClient returns an admin API client for n, signed as root.
func adminClient(t *testing.T, n *node.Node) *client.Client {
	t.Helper()
	access, secret := n.RootCredentials()
	c, err := client.New(client.Config{Endpoint: n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")})
	require.NoError(t, err)
	return c
}

// follower returns a node of nodes that is not the Raft leader.
func follower(nodes []*node.Node) *node.Node {
	for _, n := range nodes {
		if nodetest.Leader(n) == nil {
			return n
		}
	}
	return nil
}

// TestAdminLayoutReadsItsOwnWrites: a layout change made through a follower is in
// that node's answer, and in every read through it right after. Before, the answer
// (and reads for about a second) showed the old layout: the follower answered from
// its own FSM before it had applied the change.
func TestAdminLayoutReadsItsOwnWrites(t *testing.T) {
	ctx := t.Context()
	nodes := nodetest.StartCluster(t, 3)
	f := follower(nodes)
	require.NotNil(t, f)
	c := adminClient(t, f)
	for i, replication := range []int{2, 3, 1, 3} {
		before, err := c.Layout(ctx)
		require.NoError(t, err)
		after, err := c.UpdateLayout(ctx, admin.LayoutChange{Version: before.Version, Replication: replication})
		require.NoError(t, err, "change %d", i)
		require.Equal(t, before.Version+1, after.Version, "change %d: the answer shows the new layout", i)
		require.Equal(t, replication, after.Replication)
		read, err := c.Layout(ctx)
		require.NoError(t, err)
		require.Equal(t, after.Version, read.Version, "change %d: a read right after sees it", i)
		require.Equal(t, after.Version, f.Meta().Layout().Version)
	}
}

// TestRestartWithoutTheClusterSecretNamesIt: a single node first started with
// CAIRN_CLUSTER_SECRET and restarted without it (or with another) is refused with a
// message that names the setting and what sealed its data. Before, it said only
// "cannot decrypt an access key secret (is SecretKey the same on every node?)".
func TestRestartWithoutTheClusterSecretNamesIt(t *testing.T) {
	cfg := nodetest.ClusterConfig(t, "solo")
	first := nodetest.StartConfig(t, cfg)
	cfg = first.Config()
	require.NoError(t, first.Close())

	alone := cfg
	alone.Cluster = node.Cluster{}
	alone.RaftAddr = "127.0.0.1:0"
	_, err := node.Start(t.Context(), alone)
	require.ErrorIs(t, err, meta.ErrSealKey)
	require.ErrorContains(t, err, "sealed with the cluster secret (CAIRN_CLUSTER_SECRET), but this node now starts with this node's own key")

	other := cfg
	other.ClusterSecret = "another cluster secret, long enough"
	_, err = node.Start(t.Context(), other)
	require.ErrorIs(t, err, meta.ErrSealKey)
	require.ErrorContains(t, err, "CAIRN_CLUSTER_SECRET")

	again := nodetest.StartConfig(t, cfg) // the same secret starts it again
	require.NoError(t, again.Close())
}

// logBuffer collects a node's log lines, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDecommissionedNodeStopsServing: once a decommissioned node has left every
// layout in use, it answers S3 requests with 503 ServiceUnavailable saying so, its
// readiness fails, and it logs once that the operator should stop it. Before, it
// went on accepting writes that no one would ever read.
func TestDecommissionedNodeStopsServing(t *testing.T) {
	ctx := t.Context()
	logs := &logBuffer{}
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		if c.NodeID == "node3" {
			c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
		}
	})
	leaving := nodes[2]
	require.Equal(t, http.StatusOK, s3Status(t, leaving, http.MethodPut, "/before-leaving"))
	_, err := adminClient(t, nodes[0]).RemoveNode(ctx, "node3")
	require.NoError(t, err)
	nodetest.WaitFor(t, "node3 has left", func() bool {
		return s3Status(t, leaving, http.MethodPut, "/while-leaving-"+strconv.Itoa(time.Now().Nanosecond())) == http.StatusServiceUnavailable
	})

	access, secret := leaving.RootCredentials()
	c := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")}, func(o *s3.Options) {
		o.BaseEndpoint, o.UsePathStyle, o.RetryMaxAttempts = aws.String(leaving.S3URL()), true, 1
	})
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("before-leaving"), Key: aws.String("k"), Body: strings.NewReader("x")})
	var ae smithy.APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "ServiceUnavailable", ae.ErrorCode())
	require.Contains(t, ae.ErrorMessage(), "has left the cluster")
	_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{})
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "ServiceUnavailable", ae.ErrorCode())

	resp, err := http.Get(leaving.AdminURL() + "/health/ready")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Contains(t, string(body), "left the cluster")

	nodetest.WaitFor(t, "the log tells the operator to stop it", func() bool {
		return strings.Contains(logs.String(), "this node has left the cluster")
	})
	require.Equal(t, 1, strings.Count(logs.String(), "this node has left the cluster: "), "said once")
	// The others serve on.
	require.Equal(t, http.StatusOK, s3Status(t, nodes[0], http.MethodPut, "/after-leaving"))
}

// TestLogAboutADownNodeStaysBounded: with one node of three down, what each survivor
// logs about it stays a few short lines however long it is down. Before, each wrote
// about 1.2 MB a minute: a Raft heartbeat error every ~200 ms and, per anti-entropy
// round, a line of one error per shared partition (25 KB).
func TestLogAboutADownNodeStaysBounded(t *testing.T) {
	logs := map[string]*logBuffer{}
	var mu sync.Mutex
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		b := &logBuffer{}
		mu.Lock()
		logs[c.NodeID] = b
		mu.Unlock()
		c.Logger = slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo}))
		c.Tuning.SyncInterval = 200 * time.Millisecond
	})
	down := nodes[2]
	names := []string{down.NodeID(), down.RPCAddr(), down.Meta().RaftAddr(), down.GossipAddr()}
	require.Equal(t, http.StatusOK, s3Status(t, nodes[0], http.MethodPut, "/bucket"))
	require.NoError(t, down.Close())
	start := map[string]int{}
	rounds := map[string]uint64{}
	for _, n := range nodes[:2] {
		start[n.NodeID()] = len(logs[n.NodeID()].String())
		rounds[n.NodeID()] = n.Store().SyncStatus().Rounds
	}

	// Many failing rounds (each 50 ms after a failure), and a Raft heartbeat that
	// fails all along: several seconds with the node down.
	nodetest.WaitFor(t, "40 anti-entropy rounds on each survivor", func() bool {
		for _, n := range nodes[:2] {
			if n.Store().SyncStatus().Rounds < rounds[n.NodeID()]+40 {
				return false
			}
		}
		return true
	})
	for _, n := range nodes[:2] {
		st := n.Store().SyncStatus()
		require.NotEmpty(t, st.LastError, "the rounds fail on %s", down.NodeID())
		require.LessOrEqual(t, strings.Count(st.LastError, "\n"), 2, "summarized, not listed per partition: %s", st.LastError)
		require.Less(t, len(st.LastError), 2<<10)

		// Warnings and errors naming the peer: informational lines (an election
		// under load re-adding it as a Raft peer) are not failures about it.
		lines, size := 0, 0
		for _, line := range strings.Split(logs[n.NodeID()].String()[start[n.NodeID()]:], "\n") {
			failure := strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR")
			if failure && slices.ContainsFunc(names, func(s string) bool { return s != "" && strings.Contains(line, s) }) {
				lines++
				size += len(line)
				t.Logf("%s: %s", n.NodeID(), line)
			}
		}
		require.LessOrEqual(t, lines, 10, "%s logged %d lines about %s", n.NodeID(), lines, down.NodeID())
		require.LessOrEqual(t, size, 8<<10, "%s logged %d bytes about %s", n.NodeID(), size, down.NodeID())
	}
}

// TestRestartedNodeIsNoDataTargetUntilItServes: a restarting node joins gossip (for
// Raft) before its object store is open; the others must not call its data API until
// it announces that it serves. Before, every start and restart gave the others
// hundreds of "404 page not found" errors for several seconds.
func TestRestartedNodeIsNoDataTargetUntilItServes(t *testing.T) {
	logs := &logBuffer{}
	nodes := nodetest.StartCluster(t, 3, func(c *node.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		c.Tuning.SyncInterval = 50 * time.Millisecond
	})
	cfg := nodes[2].Config()
	require.NoError(t, nodes[2].Close())

	// Watch the survivors' anti-entropy reports all through the restart.
	var seen []string
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			for _, n := range nodes[:2] {
				if e := n.Store().SyncStatus().LastError; strings.Contains(e, "not found") || strings.Contains(e, "404") {
					seen = append(seen, e)
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	back := nodetest.StartConfig(t, cfg)
	synced := map[string]uint64{}
	for _, n := range nodes[:2] {
		synced[n.NodeID()] = n.Store().SyncStatus().Rounds
	}
	nodetest.WaitFor(t, "the survivors' rounds complete with the node back", func() bool {
		for _, n := range nodes[:2] {
			st := n.Store().SyncStatus()
			if st.Rounds <= synced[n.NodeID()] || st.LastError != "" {
				return false
			}
		}
		return true
	})
	close(stop)
	<-watched
	require.Empty(t, seen, "no peer called the data API of %s before it served", back.NodeID())
	require.NotContains(t, logs.String(), "page not found")
}

// TestAdminNodesShowCairnsOwnBytes: the node list gives, for every node, the bytes
// Cairn itself stores there (its block files and its index, from the object layer's
// counts) apart from the file system's use and free space. Before, DISK USED was the
// whole file system's.
func TestAdminNodesShowCairnsOwnBytes(t *testing.T) {
	ctx := t.Context()
	nodes := nodetest.StartCluster(t, 3)
	access, secret := nodes[0].RootCredentials()
	c := s3.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(access, secret, "")}, func(o *s3.Options) {
		o.BaseEndpoint, o.UsePathStyle = aws.String(nodes[0].S3URL()), true
	})
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("usage")})
	require.NoError(t, err)
	body := make([]byte, 2<<20) // two distinct blocks, on every owner
	_, _ = rand.Read(body)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("usage"), Key: aws.String("big"), Body: bytes.NewReader(body)})
	require.NoError(t, err)

	list, err := adminClient(t, nodes[1]).Nodes(ctx)
	require.NoError(t, err)
	require.Len(t, list, 3)
	var blocks int64
	for _, n := range list {
		st := n.Stats
		require.NotNil(t, st, "%s answered its figures", n.ID)
		require.Equal(t, st.BlockBytes+st.IndexBytes, st.DataBytes, n.ID)
		blocks += st.BlockBytes
		require.Positive(t, st.IndexBytes)
		require.NotZero(t, st.DiskFreeBytes)
		require.LessOrEqual(t, uint64(st.DataBytes), st.DiskUsedBytes, "Cairn's bytes are part of the file system's use")
		require.NotNil(t, st.Repair, "%s reports its anti-entropy work", n.ID)
	}
	require.GreaterOrEqual(t, blocks, int64(2*len(body)), "every block on a write quorum of its owners")
}
