package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	sockaddr "github.com/hashicorp/go-sockaddr"

	"github.com/cairnstore/cairn/cluster/membership"
	"github.com/cairnstore/cairn/cluster/transport"
	"github.com/cairnstore/cairn/meta"
)

// The default listen addresses of a cluster node. The S3 API is on :9000 and the
// admin API on :9001 (Config).
const (
	DefaultGossipAddr = ":7946" // memberlist, TCP and UDP
	DefaultRaftAddr   = ":7947" // Raft, TCP, authenticated by a handshake
	DefaultRPCAddr    = ":7948" // node-to-node HTTP API, signed requests
	// DefaultRPCMaxBody bounds a node-to-node request body: a block (1 MiB by
	// default) plus framing, with room for larger blocks.
	DefaultRPCMaxBody = 16 << 20
	// DefaultJoinRetry is how long a node waits between attempts to join.
	DefaultJoinRetry = 2 * time.Second
	// leaveTimeout bounds how long Close waits for the gossip goodbye to go out.
	leaveTimeout = 2 * time.Second
)

// Cluster is the part of Config that makes a node part of a cluster. Setting Join,
// BootstrapExpect above 1 or ClusterSecret makes the node clustered; then
// ClusterSecret is required.
type Cluster struct {
	// Join lists gossip addresses of nodes already in the cluster ("host:port"; a
	// host alone means port 7946). The node retries every JoinRetry until one
	// answers. A node with Join and no BootstrapExpect waits for the leader to add it.
	Join []string
	// GossipAddr is the gossip listen address, TCP and UDP. Default ":7946".
	GossipAddr string
	// RPCAddr is the node-to-node HTTP API listen address (/rpc/...). Default ":7948".
	RPCAddr string
	// AdvertiseAddr is the IP (or host name) other nodes use to reach this node's
	// gossip, Raft and RPC ports, and that the cluster lists for its S3 and admin
	// ports: for containers and NAT. Default: each listener's own host when it binds
	// a specific address, else the first private IP of the machine.
	AdvertiseAddr string
	// BootstrapExpect makes a new cluster wait until this many nodes see each other
	// in gossip; then the lowest node id bootstraps it with them as voters. 0 or 1
	// with no Join: bootstrap alone at once. Every node of the first set should be
	// started with the same value.
	BootstrapExpect int
	// Zone is the failure domain of this node; the layout puts a partition's
	// replicas in distinct zones while there are enough of them. Default "".
	Zone string
	// Capacity is this node's relative storage weight in the layout (a node of
	// capacity 2 gets about twice the partitions of one of capacity 1). Default 1.
	Capacity uint64
	// ClusterSecret is the cluster's shared secret (CAIRN_CLUSTER_SECRET; at least 16
	// characters, the same on every node). The keys that encrypt gossip,
	// authenticate Raft and node-to-node requests, and encrypt access-key secrets in
	// Raft are derived from it.
	ClusterSecret string
	// RPCMaxBody bounds a node-to-node request body, in bytes. Default 16 MiB.
	RPCMaxBody int64
	// Timings tune failure detection; the zero value keeps the production defaults.
	// Tests shorten them.
	Timings Timings
}

// Timings are the cluster's failure-detection periods. Zero fields keep their
// defaults (membership.LANTimings, meta.DefaultConfig, DefaultJoinRetry).
type Timings struct {
	// Gossip tunes memberlist's probes and gossip.
	Gossip membership.Timings
	// RaftHeartbeat is meta's HeartbeatTimeout and ElectionTimeout: about how long
	// it takes to notice a dead leader. Default 300ms (the server's flag: 1s).
	RaftHeartbeat time.Duration
	// RaftLeaderLease is meta's LeaderLeaseTimeout (at most RaftHeartbeat): a leader
	// that has not heard from a quorum for this long steps down. Default half of
	// RaftHeartbeat.
	RaftLeaderLease time.Duration
	// RaftCommit is meta's CommitTimeout.
	RaftCommit time.Duration
	// Reconcile is meta's ReconcileInterval. Default 5s.
	Reconcile time.Duration
	// JoinRetry is the wait between join attempts. Default 2s.
	JoinRetry time.Duration
	// SiteSync is how often site sync looks for changes to deliver. Default 1s.
	SiteSync time.Duration
	// SiteSyncBackfillPage is how many keys one backfill step compares. Default
	// 500; tests make it small to see a backfill resume between pages.
	SiteSyncBackfillPage int
	// SiteSyncMultipartThreshold and SiteSyncPartSize are site sync's
	// replication.Config of the same names (defaults 5 GiB and 16 MiB); tests
	// lower them to copy multipart without writing gigabytes.
	SiteSyncMultipartThreshold int64
	SiteSyncPartSize           int64
	// SiteSyncBucketInterval is site sync's replication.Config.BucketInterval
	// (default 30s).
	SiteSyncBucketInterval time.Duration
}

// Clustered reports whether these settings make the node part of a cluster.
func (c Cluster) Clustered() bool {
	return len(c.Join) > 0 || c.BootstrapExpect > 1 || c.ClusterSecret != ""
}

// withDefaults fills in the cluster defaults and refuses a misconfiguration with a
// message that says what to fix.
func (c *Cluster) withDefaults() error {
	if c.Capacity == 0 {
		c.Capacity = 1
	}
	if c.BootstrapExpect < 0 {
		return errors.New("node: --bootstrap-expect must not be negative")
	}
	if !c.Clustered() {
		return nil
	}
	switch {
	case c.ClusterSecret == "":
		return errors.New("node: a cluster (--join or --bootstrap-expect) needs a shared secret: set CAIRN_CLUSTER_SECRET to the same string of at least 16 characters on every node")
	case len(c.ClusterSecret) < transport.MinSecretLength:
		return fmt.Errorf("node: CAIRN_CLUSTER_SECRET is too short (%d characters): use at least %d, the same on every node", len(c.ClusterSecret), transport.MinSecretLength)
	}
	if c.AdvertiseAddr != "" {
		if _, _, err := net.SplitHostPort(c.AdvertiseAddr); err == nil {
			return fmt.Errorf("node: --advertise-addr %q takes an IP address or host name without a port: each listener advertises its own port", c.AdvertiseAddr)
		}
	}
	if c.GossipAddr == "" {
		c.GossipAddr = DefaultGossipAddr
	}
	if c.RPCAddr == "" {
		c.RPCAddr = DefaultRPCAddr
	}
	if c.RPCMaxBody == 0 {
		c.RPCMaxBody = DefaultRPCMaxBody
	}
	if c.Timings.JoinRetry == 0 {
		c.Timings.JoinRetry = DefaultJoinRetry
	}
	if c.Timings.RaftLeaderLease == 0 && c.Timings.RaftHeartbeat > 0 {
		c.Timings.RaftLeaderLease = c.Timings.RaftHeartbeat / 2
	}
	return nil
}

// clusterParts are a cluster node's parts besides meta.
type clusterParts struct {
	keys    transport.Keys
	client  *transport.Client
	rpcLn   net.Listener
	rpcMux  *http.ServeMux
	rpc     *http.Server
	rpcAddr string // advertised
	layer   *transport.RaftLayer
	members *membership.Membership

	stopJoin  context.CancelFunc
	joinWG    sync.WaitGroup
	stopWatch context.CancelFunc // ends watchLeft
	serving   atomic.Bool        // announceServing was called
	joinErr   chan error         // a join failure that waiting cannot cure (wrong secret)
}

// startCluster binds the RPC listener, the Raft layer and gossip, and sets what meta
// needs in mcfg. s3 and admin are the bound S3 and admin listeners, gossiped so that
// other nodes and the admin API can list them.
func (n *Node) startCluster(mcfg *meta.Config, s3, admin net.Addr) error {
	cfg := n.cfg
	keys, err := transport.DeriveKeys(cfg.ClusterSecret)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	client, err := transport.NewTLSClient(keys.RPC, cfg.NodeID) // encrypted: cluster/transport/tls.go
	if err != nil {
		return err
	}
	cl := &clusterParts{keys: keys, client: client, rpcMux: http.NewServeMux(), joinErr: make(chan error, 1)}
	n.cl = cl
	if cl.rpcLn, err = net.Listen("tcp", cfg.RPCAddr); err != nil {
		return fmt.Errorf("node: RPC listener (--rpc-addr %s): %w", cfg.RPCAddr, err)
	}
	if cl.rpcLn, err = transport.NewTLSListener(cl.rpcLn, keys.RPC); err != nil {
		return err
	}
	if cl.rpcAddr, err = advertised(cfg.AdvertiseAddr, cl.rpcLn.Addr()); err != nil {
		return err
	}
	raftHost, err := advertiseHost(cfg.AdvertiseAddr, cfg.RaftAddr)
	if err != nil {
		return err
	}
	cl.layer, err = transport.NewRaftLayer(transport.RaftLayerConfig{
		BindAddr: cfg.RaftAddr, Advertise: raftHost, Key: keys.Raft, Logger: cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("node: Raft listener (--raft-addr %s): %w", cfg.RaftAddr, err)
	}
	gossipHost, err := advertiseHost(cfg.AdvertiseAddr, cfg.GossipAddr)
	if err != nil {
		return err
	}
	s3Addr, err := advertised(cfg.AdvertiseAddr, s3)
	if err != nil {
		return err
	}
	adminAddr, err := advertised(cfg.AdvertiseAddr, admin)
	if err != nil {
		return err
	}
	mbcfg := membership.DefaultConfig()
	mbcfg.NodeID, mbcfg.BindAddr, mbcfg.AdvertiseAddr, mbcfg.Key = cfg.NodeID, cfg.GossipAddr, gossipHost, keys.Gossip
	mbcfg.Timings, mbcfg.Logger = cfg.Timings.Gossip, cfg.Logger
	mbcfg.Meta = membership.NodeMeta{
		RPCAddr: cl.rpcAddr, RaftAddr: cl.layer.Addr().String(), S3Addr: s3Addr, AdminAddr: adminAddr,
		Zone: cfg.Zone, Capacity: cfg.Capacity, Version: cfg.Version, StartedAt: time.Now().UTC().Truncate(time.Second),
		Starting: true, // until announceServing
	}
	if cl.members, err = membership.New(mbcfg); err != nil {
		return fmt.Errorf("node: gossip (--gossip-addr %s): %w", cfg.GossipAddr, err)
	}

	mcfg.SecretKey, mcfg.SecretKeySource = keys.Secrets, "the cluster secret (CAIRN_CLUSTER_SECRET)"
	mcfg.StreamLayer = cl.layer
	mcfg.Membership = cl.members
	mcfg.Forwarder = meta.NewRPCForwarder(cl.client, n.ResolveRPCAddr)
	// Alone only when told of no one else; with Join, wait to be added.
	mcfg.Bootstrap = len(cfg.Join) == 0 && cfg.BootstrapExpect <= 1
	if cfg.BootstrapExpect > 1 {
		mcfg.BootstrapExpect = cfg.BootstrapExpect
	}
	t := cfg.Timings
	mcfg.HeartbeatTimeout, mcfg.ElectionTimeout = t.RaftHeartbeat, t.RaftHeartbeat
	mcfg.LeaderLeaseTimeout, mcfg.CommitTimeout, mcfg.ReconcileInterval = t.RaftLeaderLease, t.RaftCommit, t.Reconcile
	return nil
}

// serveRPC mounts meta's RPC handler and starts serving the node-to-node API. Until
// then, requests wait in the listener's backlog. A path not mounted yet (the object
// store's, while it opens) answers 503 until announceServing, then 404.
func (n *Node) serveRPC() {
	cl := n.cl
	n.HandleRPC(meta.RPCPrefix, n.meta.RPCHandler())
	n.HandleRPC("/rpc/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cl.serving.Load() {
			transport.WriteError(w, http.StatusServiceUnavailable, "Unavailable", "node "+n.cfg.NodeID+" is starting")
			return
		}
		transport.WriteError(w, http.StatusNotFound, "BadRequest", "no such endpoint: "+r.URL.Path)
	}))
	cl.rpc = &http.Server{
		Handler:           cl.rpcMux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := cl.rpc.Serve(cl.rpcLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.log.Error("rpc server stopped", "addr", cl.rpcLn.Addr(), "error", err)
		}
	}()
	var watch context.Context
	watch, cl.stopWatch = context.WithCancel(context.Background())
	go n.watchLeft(watch)
}

// announceServing tells the cluster that this node serves its object store: it
// clears Starting in its gossip metadata, which the others wait for before they make
// it a data-plane target (blob replicas, anti-entropy). Before, peers called the
// data API of a node still opening its store and got hundreds of 404s per start.
func (n *Node) announceServing() {
	if n.cl == nil {
		return
	}
	n.cl.serving.Store(true)
	if err := n.cl.members.UpdateMeta(func(m *membership.NodeMeta) { m.Starting = false }); err != nil {
		n.log.Warn("cannot announce that this node serves its data", "component", "membership", "error", err)
	}
}

// ResolveDataAddr returns the node-to-node API address of a node that serves its
// object store: an error while gossip does not know it or while it is starting.
func (n *Node) ResolveDataAddr(id string) (string, error) {
	if n.cl == nil || n.cl.members == nil {
		return "", errors.New("a single node has no peers")
	}
	mb, ok := n.cl.members.Member(id)
	switch {
	case !ok || mb.Meta.RPCAddr == "":
		return "", fmt.Errorf("node %s is not known to gossip", id)
	case mb.Meta.Starting:
		return "", fmt.Errorf("node %s is starting", id)
	}
	return mb.Meta.RPCAddr, nil
}

// startJoin joins the nodes in Config.Join in the background, retrying every
// JoinRetry until one answers. A wrong cluster secret is reported on joinErr.
func (n *Node) startJoin() {
	if len(n.cfg.Join) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cl.stopJoin = cancel
	n.cl.joinWG.Add(1)
	go func() {
		defer n.cl.joinWG.Done()
		log := n.log.With("component", "membership")
		for {
			_, err := n.cl.members.Join(n.cfg.Join)
			if err == nil {
				return
			}
			if errors.Is(err, membership.ErrWrongKey) {
				log.Error("cannot join the cluster: the other nodes use another CAIRN_CLUSTER_SECRET", "join", n.cfg.Join, "error", err)
				select {
				case n.cl.joinErr <- err:
				default:
				}
			} else {
				log.Warn("cannot join the cluster yet; retrying", "join", n.cfg.Join, "retry_in", n.cfg.Timings.JoinRetry, "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(n.cfg.Timings.JoinRetry):
			}
		}
	}()
}

// ErrRemoved is returned by Start for a node the cluster removed while it was away:
// no leader will ever take it back, so it cannot become ready.
var ErrRemoved = errors.New("this node was removed from the cluster (decommissioned) while it was away; it cannot rejoin under its id: remove its data directory to join it afresh, or stop it")

// waitClusterReady waits until meta is ready, ctx ends, joining fails for a reason
// that waiting cannot cure, or the leader says this node was removed.
func (n *Node) waitClusterReady(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- n.meta.WaitReady(ctx) }()
	left := make(chan bool, 1)
	go func() { left <- n.meta.WaitLeft(ctx) }()
	select {
	case err := <-ready:
		return err
	case err := <-n.cl.joinErr:
		return fmt.Errorf("cannot join the cluster: %w", err)
	case ok := <-left:
		if ok {
			return ErrRemoved
		}
		return <-ready
	}
}

// closeClusterFront says goodbye to gossip and stops serving the node-to-node API;
// Raft still runs.
func (n *Node) closeClusterFront(ctx context.Context) []error {
	cl := n.cl
	if cl == nil {
		return nil
	}
	var errs []error
	if cl.stopWatch != nil {
		cl.stopWatch()
	}
	if cl.stopJoin != nil {
		cl.stopJoin()
		cl.joinWG.Wait()
	}
	if cl.members != nil {
		// Not an error of Close: when every node stops at once, no one may be left
		// to hear the goodbye, and the others then see this node as dead instead.
		if err := cl.members.Leave(leaveTimeout); err != nil {
			n.log.Warn("gossip goodbye not confirmed", "component", "membership", "error", err)
		}
	}
	if cl.rpc != nil {
		if err := cl.rpc.Shutdown(ctx); err != nil {
			errs = append(errs, err, cl.rpc.Close())
		}
	} else if cl.rpcLn != nil {
		errs = append(errs, cl.rpcLn.Close())
	}
	return errs
}

// closeClusterBack stops gossip, after Raft. The Raft layer belongs to meta once
// meta.Open was called; before that it is closed here.
func (n *Node) closeClusterBack() []error {
	cl := n.cl
	if cl == nil {
		return nil
	}
	var errs []error
	if n.meta == nil && cl.layer != nil {
		errs = append(errs, cl.layer.Close())
	}
	if cl.members != nil {
		errs = append(errs, cl.members.Shutdown())
	}
	return errs
}

// HandleRPC mounts h at prefix (e.g. "/rpc/blob/") on the node-to-node API, behind
// transport.Authenticate: only requests signed with the cluster's RPC key reach h,
// with their body read whole (at most RPCMaxBody) and checked against its signed
// hash; transport.SenderNode(r) names the calling node. Safe to call while serving.
// A single node has no node-to-node API: HandleRPC then does nothing.
func (n *Node) HandleRPC(prefix string, h http.Handler) {
	if n.cl == nil {
		return
	}
	n.cl.rpcMux.Handle(prefix, transport.Authenticate(n.cl.keys.RPC, n.cfg.RPCMaxBody, h))
}

// ResolveRPCAddr returns the node-to-node API address of a node, from its gossip
// metadata, and false while gossip does not know it (or on a single node).
func (n *Node) ResolveRPCAddr(nodeID string) (string, bool) {
	if n.cl == nil || n.cl.members == nil {
		return "", false
	}
	mb, ok := n.cl.members.Member(nodeID)
	if !ok || mb.Meta.RPCAddr == "" {
		return "", false
	}
	return mb.Meta.RPCAddr, true
}

// RPCClient returns the client that signs node-to-node requests as this node with the
// cluster's RPC key; nil on a single node.
func (n *Node) RPCClient() *transport.Client {
	if n.cl == nil {
		return nil
	}
	return n.cl.client
}

// RPCAddr returns the advertised address of the node-to-node API; "" on a single node.
func (n *Node) RPCAddr() string {
	if n.cl == nil {
		return ""
	}
	return n.cl.rpcAddr
}

// Membership returns the node's gossip membership; nil on a single node.
func (n *Node) Membership() *membership.Membership {
	if n.cl == nil {
		return nil
	}
	return n.cl.members
}

// GossipAddr returns the advertised gossip address (the port read back); "" on a
// single node.
func (n *Node) GossipAddr() string {
	if n.cl == nil || n.cl.members == nil {
		return ""
	}
	return n.cl.members.GossipAddr()
}

// advertiseHost is the host other nodes should use for a listener bound to bind:
// AdvertiseAddr if set, the bind host if it is a specific address, else the
// machine's first private IP.
func advertiseHost(advertise, bind string) (string, error) {
	if advertise != "" {
		return advertise, nil
	}
	host, _, err := net.SplitHostPort(bind)
	if err != nil {
		return "", fmt.Errorf("node: %q is not host:port: %w", bind, err)
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return host, nil
	}
	ip, err := sockaddr.GetPrivateIP()
	if err != nil || ip == "" {
		return "", fmt.Errorf("node: cannot tell which address other nodes should use to reach %s: set --advertise-addr (CAIRN_ADVERTISE_ADDR)", bind)
	}
	return ip, nil
}

// advertised is the "host:port" other nodes should use for a bound listener.
func advertised(advertise string, bound net.Addr) (string, error) {
	tcp := bound.(*net.TCPAddr)
	host, err := advertiseHost(advertise, bound.String())
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port)), nil
}
