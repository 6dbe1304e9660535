package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

func TestSingleNodeTopology(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.ClusterName = "test-cluster"; c.Version = "v9.9.9" })
	c, err := e.root.Cluster(e.ctx)
	require.NoError(t, err)
	require.NotEmpty(t, c.ID)
	require.Equal(t, "test-cluster", c.Name)
	require.Equal(t, "test-node", c.Raft.Leader)
	require.NotZero(t, c.Raft.Term)
	require.NotZero(t, c.Raft.CommitIndex)
	require.Equal(t, uint64(1), c.Layout.Version)
	require.Equal(t, 1, c.Layout.Replication)
	require.Equal(t, 256, c.Layout.Partitions)
	require.Empty(t, c.Layout.Syncing)
	require.Equal(t, admin.Health{Partitions: 256, AllOwners: 256, Quorum: 256, Status: "healthy"}, c.Health)
	require.Equal(t, map[string]int{"alive": 1}, c.Nodes)

	nodes, err := e.root.Nodes(e.ctx)
	require.NoError(t, err)
	require.Len(t, nodes, 1)
	n := nodes[0]
	require.Equal(t, "test-node", n.ID)
	require.Equal(t, "alive", n.Gossip)
	require.Equal(t, "leader", n.Raft)
	require.Equal(t, "active", n.Status)
	require.True(t, n.InLayout)
	require.Equal(t, 256, n.Partitions)
	require.Equal(t, "v9.9.9", n.Version)
	require.Equal(t, strings.TrimPrefix(e.node.S3URL(), "http://"), n.S3Addr)
	require.Equal(t, strings.TrimPrefix(e.node.AdminURL(), "http://"), n.AdminAddr)
	require.NotNil(t, n.StartedAt)
	require.NotNil(t, n.Stats)
	require.NotZero(t, n.Stats.DiskTotalBytes)
	require.NotZero(t, n.Stats.DiskFreeBytes)

	one, err := e.root.Node(e.ctx, "test-node")
	require.NoError(t, err)
	require.Equal(t, n.ID, one.ID)
	_, err = e.root.Node(e.ctx, "nope")
	requireError(t, err, http.StatusNotFound, admin.NoSuchNode)

	r, err := e.root.Raft(e.ctx)
	require.NoError(t, err)
	require.Equal(t, "Leader", r.State)
	require.Equal(t, []admin.RaftServer{{ID: "test-node", Address: r.Servers[0].Address, Role: "leader"}}, r.Servers)

	st, err := e.root.Sync(e.ctx)
	require.NoError(t, err)
	require.True(t, st.Done)
	require.Equal(t, uint64(1), st.LayoutVersion)
	require.Len(t, st.Nodes, 1)
	require.Equal(t, "test-node", st.Nodes[0].ID)
	require.True(t, st.Nodes[0].Done)
	require.NotNil(t, st.Nodes[0].Repair, "the node reports its anti-entropy work")
}

func TestLayoutChanges(t *testing.T) {
	e := newEnv(t)
	l, err := e.root.Layout(e.ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), l.Version)
	require.Equal(t, []admin.LayoutNode{{ID: "test-node", Capacity: 1, Partitions: 256}}, l.Nodes)

	_, err = e.root.UpdateLayout(e.ctx, admin.LayoutChange{Replication: 2})
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	_, err = e.root.UpdateLayout(e.ctx, admin.LayoutChange{Replication: 1, Version: 7})
	requireError(t, err, http.StatusConflict, admin.LayoutConflict)
	same, err := e.root.UpdateLayout(e.ctx, admin.LayoutChange{Replication: 1, Version: 1})
	require.NoError(t, err)
	require.Equal(t, l, same, "setting the current factor changes nothing")

	// The only node cannot be removed; an unknown one is not found.
	_, err = e.root.RemoveNode(e.ctx, "test-node")
	requireError(t, err, http.StatusBadRequest, admin.InvalidRequest)
	_, err = e.root.RemoveNode(e.ctx, "ghost")
	requireError(t, err, http.StatusNotFound, admin.NoSuchNode)
}

// perRequest removes from a topology answer what legitimately differs between two
// nodes or two moments: the serving node's Raft indexes, uptimes and disk figures.
func perRequest(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var m any
	require.NoError(t, json.Unmarshal(data, &m))
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range []string{"commitIndex", "appliedIndex", "uptimeSeconds", "stats"} {
				delete(x, k)
			}
			for _, v := range x {
				strip(v)
			}
		case []any:
			for _, v := range x {
				strip(v)
			}
		}
	}
	strip(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return string(out)
}

func TestEveryNodeOfAClusterReportsTheSameTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node cluster")
	}
	nodes := nodetest.StartCluster(t, 3)
	ctx := context.Background()
	ak, sk := nodes[0].RootCredentials()
	clients := make([]*client.Client, len(nodes))
	for i, n := range nodes {
		c, err := client.New(client.Config{Endpoint: n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
		require.NoError(t, err)
		clients[i] = c
	}
	// Every node answers; once gossip and Raft have settled, they answer the same.
	var last []string
	nodetest.WaitFor(t, "every node reports the same cluster and nodes", func() bool {
		last = last[:0]
		for _, c := range clients {
			cl, err := c.Cluster(ctx)
			if err != nil {
				return false
			}
			ns, err := c.Nodes(ctx)
			if err != nil {
				return false
			}
			last = append(last, perRequest(t, cl)+"\n"+perRequest(t, ns))
		}
		return last[0] == last[1] && last[1] == last[2]
	})

	c, err := clients[1].Cluster(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"alive": 3}, c.Nodes)
	require.Equal(t, 3, c.Layout.Nodes)
	require.Equal(t, 3, c.Layout.Replication)
	require.Equal(t, "healthy", c.Health.Status)
	// Leadership may move between the two reads under load; they must agree once it is still.
	require.Eventually(t, func() bool {
		c, err := clients[1].Cluster(ctx)
		l := nodetest.Leader(nodes...)
		return err == nil && l != nil && c.Raft.Leader == l.NodeID()
	}, 30*time.Second, 50*time.Millisecond, "the admin API names the Raft leader")

	ns, err := clients[2].Nodes(ctx)
	require.NoError(t, err)
	require.Len(t, ns, 3)
	roles := map[string]int{}
	for _, n := range ns {
		roles[n.Raft]++
		require.Equal(t, "alive", n.Gossip)
		require.Equal(t, 256, n.Partitions, "with 3 nodes and replication 3 every node owns every partition")
		require.NotEmpty(t, n.S3Addr)
		require.NotEmpty(t, n.AdminAddr)
		require.NotNil(t, n.Stats, "node %s gave its storage figures", n.ID)
	}
	require.Equal(t, map[string]int{"leader": 1, "voter": 2}, roles)

	// IAM changes through any node are seen through every other at once.
	_, err = clients[2].CreateUser(ctx, admin.CreateUserRequest{Name: "anywhere"})
	require.NoError(t, err)
	k, err := clients[1].CreateAccessKey(ctx, "anywhere")
	require.NoError(t, err)
	for _, c := range clients {
		u, err := c.User(ctx, "anywhere")
		require.NoError(t, err)
		require.Equal(t, "anywhere", u.Name)
	}
	for _, n := range nodes {
		c, err := client.New(client.Config{Endpoint: n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.SecretKey, "")})
		require.NoError(t, err)
		id, err := c.WhoAmI(ctx)
		require.NoError(t, err)
		require.Equal(t, "anywhere", id.User)
	}

	// Decommissioning through any node: the layout drops the node before the call
	// returns, and every node reports it.
	res, err := clients[1].RemoveNode(ctx, "node3")
	require.NoError(t, err)
	require.Equal(t, "node3", res.ID)
	require.Contains(t, []string{"decommissioning", "removed"}, res.Status)
	require.Greater(t, res.LayoutVersion, c.Layout.Version)
	l, err := clients[1].Layout(ctx)
	require.NoError(t, err)
	require.Equal(t, res.LayoutVersion, l.Version)
	require.Len(t, l.Nodes, 2)
	for _, n := range l.Nodes {
		require.NotEqual(t, "node3", n.ID)
	}
	nodetest.WaitFor(t, "every node reports node3 as leaving", func() bool {
		for _, c := range clients {
			n, err := c.Node(ctx, "node3")
			if err != nil || n.InLayout || (n.Status != "decommissioning" && n.Status != "removed") {
				return false
			}
		}
		return true
	})
	again, err := clients[0].RemoveNode(ctx, "node3")
	require.NoError(t, err, "removing a node again is a no-op")
	require.Contains(t, []string{"decommissioning", "removed"}, again.Status)
}
