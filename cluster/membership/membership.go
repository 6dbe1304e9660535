package membership

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// State is a member's liveness as gossip sees it.
type State string

// The states of a member. memberlist v0.5 does not expose its suspect state, so a
// member is alive until it is declared dead (after SuspicionMult probe periods).
const (
	StateAlive State = "alive"
	StateDead  State = "dead" // failed: stopped answering probes
	StateLeft  State = "left" // left gracefully (Leave)
)

// Member is one node as gossip sees it.
type Member struct {
	ID         string
	GossipAddr string // "host:port"
	Meta       NodeMeta
	State      State
}

// ErrWrongKey is wrapped by Join when the peers answered but could not be understood,
// almost always because their cluster secret differs from this node's.
var ErrWrongKey = errors.New("membership: gossip could not be decrypted (is CAIRN_CLUSTER_SECRET the same on every node?)")

// Membership is this node's membership in the cluster's gossip.
type Membership struct {
	cfg  Config
	log  *slog.Logger
	list *memberlist.Memberlist

	mu      sync.Mutex
	meta    NodeMeta
	encoded []byte
	// members is every member seen, by id, kept from memberlist's events (called
	// with its lock held). memberlist's own Members() hands out pointers it later
	// changes in place, so they cannot be read safely afterwards.
	members  map[string]Member
	subs     []*subscriber
	left     bool
	shutdown bool
	// stopReconnect ends reconnectLoop; closed by Shutdown.
	stopReconnect chan struct{}
}

// New starts gossip on cfg.BindAddr. It joins no one: call Join.
func New(cfg Config) (*Membership, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timings == (Timings{}) {
		cfg.Timings = LANTimings()
	}
	encoded, err := cfg.Meta.encode()
	if err != nil {
		return nil, err
	}
	m := &Membership{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "membership"),
		meta:    cfg.Meta,
		encoded: encoded,
		members: map[string]Member{},

		stopReconnect: make(chan struct{}),
	}
	mc, err := cfg.memberlistConfig()
	if err != nil {
		return nil, fmt.Errorf("membership: %w", err)
	}
	mc.Logger = newStdLogger(cfg.Logger.With("component", "memberlist"))
	mc.Delegate = (*delegate)(m)
	mc.Events = (*events)(m)
	if m.list, err = memberlist.Create(mc); err != nil {
		return nil, fmt.Errorf("membership: start gossip on %s: %w", cfg.BindAddr, err)
	}
	m.log.Info("gossip started", "node_id", cfg.NodeID, "gossip_addr", m.GossipAddr())
	go m.reconnectLoop(reconnectInterval(cfg.Timings), m.stopReconnect)
	return m, nil
}

// Join contacts the given gossip addresses ("host:port"; a host alone means port
// 7946) and merges their view of the cluster. It returns how many answered; an error
// only if none did (wrapping ErrWrongKey when they answered in a way only a wrong
// key explains).
func (m *Membership) Join(addrs []string) (int, error) {
	targets := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		host, port, err := splitHostPort(a, DefaultPort)
		if err != nil {
			return 0, fmt.Errorf("membership: join address: %w", err)
		}
		targets = append(targets, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if len(targets) == 0 {
		return 0, errors.New("membership: no address to join")
	}
	n, err := m.list.Join(targets)
	if err != nil && n == 0 {
		if isKeyError(err) {
			return 0, fmt.Errorf("%w: %w", ErrWrongKey, err)
		}
		return 0, fmt.Errorf("membership: join %s: %w", strings.Join(targets, ","), err)
	}
	m.log.Info("joined the cluster's gossip", "contacted", n, "members", m.list.NumMembers())
	return n, nil
}

// isKeyError recognizes memberlist's errors for a message it cannot decrypt or that
// was not encrypted.
func isKeyError(err error) bool {
	s := err.Error()
	for _, sub := range []string{"decrypt", "encrypt", "No installed keys", "Remote state is encrypted", "not encrypted"} {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// GossipAddr returns the address other nodes use to reach this node's gossip
// ("host:port", the port read back when BindAddr had port 0).
func (m *Membership) GossipAddr() string {
	self, _ := m.Member(m.cfg.NodeID) // recorded by the join event of Create
	return self.GossipAddr
}

// LocalMeta returns this node's metadata.
func (m *Membership) LocalMeta() NodeMeta {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.meta
}

// UpdateMeta changes this node's metadata with fn and gossips it. fn must not call
// back into the Membership.
func (m *Membership) UpdateMeta(fn func(*NodeMeta)) error {
	m.mu.Lock()
	next := m.meta
	fn(&next)
	encoded, err := next.encode()
	if err != nil || slices.Equal(encoded, m.encoded) || m.shutdown {
		m.mu.Unlock()
		return err
	}
	m.meta, m.encoded = next, encoded
	if self, ok := m.members[m.cfg.NodeID]; ok {
		self.Meta = next
		m.members[m.cfg.NodeID] = self
	}
	m.mu.Unlock()
	if err := m.list.UpdateNode(m.cfg.Timings.TCPTimeout); err != nil {
		return fmt.Errorf("membership: gossip metadata: %w", err)
	}
	return nil
}

// Members returns every member gossip has seen since this node started, this node
// included, sorted by id: alive ones, and those that died or left (until they come
// back).
func (m *Membership) Members() []Member {
	m.mu.Lock()
	out := make([]Member, 0, len(m.members))
	for _, mb := range m.members {
		out = append(out, mb)
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Member returns one member by id, and false if gossip has never seen it.
func (m *Membership) Member(id string) (Member, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mb, ok := m.members[id]
	return mb, ok
}

func memberOf(n *memberlist.Node, s State) Member {
	return Member{
		ID:         n.Name,
		GossipAddr: net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port))),
		Meta:       decodeMeta(n.Meta),
		State:      s,
	}
}

// Leave tells the other members that this node is leaving, waiting up to timeout for
// the message to go out. Gossip keeps running until Shutdown. Idempotent.
func (m *Membership) Leave(timeout time.Duration) error {
	m.mu.Lock()
	if m.left || m.shutdown {
		m.mu.Unlock()
		return nil
	}
	m.left = true
	m.mu.Unlock()
	start := time.Now()
	if err := m.UpdateMeta(func(nm *NodeMeta) { nm.Leaving = true }); err != nil {
		m.log.Warn("could not announce leaving; the others may see this node as dead", "error", err)
	}
	if err := m.list.Leave(max(timeout-time.Since(start), time.Millisecond)); err != nil {
		return fmt.Errorf("membership: leave: %w", err)
	}
	m.log.Info("left the cluster's gossip", "node_id", m.cfg.NodeID)
	return nil
}

// Shutdown stops gossip without telling anyone (the others will find this node dead;
// call Leave first for a graceful exit) and closes every Subscribe channel.
// Idempotent.
func (m *Membership) Shutdown() error {
	m.mu.Lock()
	if m.shutdown {
		m.mu.Unlock()
		return nil
	}
	m.shutdown = true
	close(m.stopReconnect)
	subs := m.subs
	m.subs = nil
	m.mu.Unlock()
	err := m.list.Shutdown()
	for _, s := range subs {
		s.close()
	}
	if err != nil {
		return fmt.Errorf("membership: shutdown: %w", err)
	}
	return nil
}

// delegate serves memberlist's Delegate: only the node metadata is used.
type delegate Membership

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.encoded) > limit {
		return nil // encode checked the limit; never happens
	}
	return slices.Clone(d.encoded)
}

func (d *delegate) NotifyMsg([]byte)                           {}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(join bool) []byte                { return nil }
func (d *delegate) MergeRemoteState(buf []byte, join bool)     {}
