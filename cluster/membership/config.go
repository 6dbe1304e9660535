// Package membership tells each node who else is in the cluster and how to reach
// them: a wrapper around hashicorp/memberlist (SWIM gossip) whose traffic is encrypted
// and authenticated with a key derived from the cluster secret, and whose node
// metadata carries each node's addresses, zone and capacity.
package membership

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/memberlist"
)

// DefaultPort is the gossip port (TCP and UDP) when BindAddr gives none.
const DefaultPort = 7946

// Config configures a Membership. Start from DefaultConfig.
type Config struct {
	// NodeID is this node's name in gossip; the same as its Raft and layout id.
	// Required.
	NodeID string
	// BindAddr is the address gossip listens on, TCP and UDP on the same port
	// ("host:port"). Port 0 picks a free port, read back with GossipAddr. Default
	// "0.0.0.0:7946".
	BindAddr string
	// AdvertiseAddr is the address other nodes use to reach this node's gossip:
	// "host:port", or a host alone to keep the bound port. Default: the bind address,
	// or the first private IP when binding 0.0.0.0. Set it behind NAT and in
	// containers.
	AdvertiseAddr string
	// Key encrypts and authenticates every gossip message (memberlist's AES-GCM
	// keyring; transport.Keys.Gossip): 16, 24 or 32 bytes. Required: a node without
	// it can neither join nor read the gossip.
	Key []byte
	// Meta is this node's metadata as other nodes see it; UpdateMeta changes it.
	Meta NodeMeta
	// Timings tune failure detection. Zero: LANTimings.
	Timings Timings
	// Logger gets memberlist's logs with component "memberlist". Default
	// slog.Default().
	Logger *slog.Logger
}

// Timings are memberlist's failure-detection and gossip periods.
type Timings struct {
	// ProbeInterval is how often a random member is probed. LAN: 1s.
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for an ack before indirect probes. LAN:
	// 500ms.
	ProbeTimeout time.Duration
	// SuspicionMult scales how long a suspect has to refute before it is declared
	// dead: SuspicionMult * log10(N+1) * ProbeInterval. LAN: 4.
	SuspicionMult int
	// GossipInterval is how often queued updates are gossiped. LAN: 200ms.
	GossipInterval time.Duration
	// PushPullInterval is how often full state is exchanged with a random member.
	// LAN: 30s.
	PushPullInterval time.Duration
	// TCPTimeout bounds a TCP push/pull or join exchange. LAN: 10s.
	TCPTimeout time.Duration
	// DeadNodeReclaimTime is how long after a node is declared dead another process
	// may take over its name at a different address (a crashed node restarted on a
	// new IP or port). Default 30s.
	DeadNodeReclaimTime time.Duration
}

// LANTimings are memberlist's LAN defaults: a dead node is detected in a few seconds.
func LANTimings() Timings {
	c := memberlist.DefaultLANConfig()
	return Timings{
		ProbeInterval:       c.ProbeInterval,
		ProbeTimeout:        c.ProbeTimeout,
		SuspicionMult:       c.SuspicionMult,
		GossipInterval:      c.GossipInterval,
		PushPullInterval:    c.PushPullInterval,
		TCPTimeout:          c.TCPTimeout,
		DeadNodeReclaimTime: 30 * time.Second,
	}
}

// LoopbackTimings are short periods for nodes on one host, in tests: a dead member is
// detected in well under a second.
func LoopbackTimings() Timings {
	return Timings{
		ProbeInterval:       100 * time.Millisecond,
		ProbeTimeout:        50 * time.Millisecond,
		SuspicionMult:       2,
		GossipInterval:      20 * time.Millisecond,
		PushPullInterval:    2 * time.Second,
		TCPTimeout:          2 * time.Second,
		DeadNodeReclaimTime: 100 * time.Millisecond,
	}
}

// DefaultConfig returns a Config with the defaults set; the caller sets NodeID, Key
// and Meta.
func DefaultConfig() Config {
	return Config{BindAddr: "0.0.0.0:" + strconv.Itoa(DefaultPort), Timings: LANTimings()}
}

// Validate reports what is wrong with c, or nil.
func (c Config) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("NodeID is required"))
	}
	switch len(c.Key) {
	case 16, 24, 32:
	default:
		errs = append(errs, fmt.Errorf("Key must be 16, 24 or 32 bytes, got %d (derive it from CAIRN_CLUSTER_SECRET)", len(c.Key)))
	}
	if _, _, err := splitHostPort(c.BindAddr, DefaultPort); err != nil {
		errs = append(errs, fmt.Errorf("BindAddr: %w", err))
	}
	if c.AdvertiseAddr != "" {
		if _, _, err := splitHostPort(c.AdvertiseAddr, 0); err != nil {
			errs = append(errs, fmt.Errorf("AdvertiseAddr: %w", err))
		}
	}
	if _, err := c.Meta.encode(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("membership: config: %w", err)
	}
	return nil
}

// memberlistConfig is memberlist's configuration from ours.
func (c Config) memberlistConfig() (*memberlist.Config, error) {
	mc := memberlist.DefaultLANConfig()
	mc.Name = c.NodeID
	host, port, err := splitHostPort(c.BindAddr, DefaultPort)
	if err != nil {
		return nil, err
	}
	if host == "" {
		host = "0.0.0.0"
	}
	mc.BindAddr, mc.BindPort, mc.AdvertisePort = host, port, port
	if c.AdvertiseAddr != "" {
		ahost, aport, err := splitHostPort(c.AdvertiseAddr, 0)
		if err != nil {
			return nil, err
		}
		mc.AdvertiseAddr = ahost
		if aport != 0 {
			mc.AdvertisePort = aport
		}
	}
	mc.SecretKey = append([]byte(nil), c.Key...)
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = true, true
	t := c.Timings
	if t == (Timings{}) {
		t = LANTimings()
	}
	setIf(&mc.ProbeInterval, t.ProbeInterval)
	setIf(&mc.ProbeTimeout, t.ProbeTimeout)
	setIf(&mc.GossipInterval, t.GossipInterval)
	setIf(&mc.PushPullInterval, t.PushPullInterval)
	setIf(&mc.TCPTimeout, t.TCPTimeout)
	setIf(&mc.DeadNodeReclaimTime, t.DeadNodeReclaimTime)
	if t.SuspicionMult > 0 {
		mc.SuspicionMult = t.SuspicionMult
	}
	mc.GossipToTheDeadTime = mc.PushPullInterval
	return mc, nil
}

func setIf(dst *time.Duration, v time.Duration) {
	if v > 0 {
		*dst = v
	}
}

// splitHostPort splits "host:port", "host" (port def) or ":port" (host "").
func splitHostPort(addr string, def int) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		// A host alone: no colon, or a bracketed IPv6 address without a port.
		if ip := net.ParseIP(addr); addr != "" && (ip != nil || !strings.Contains(addr, ":")) {
			return addr, def, nil
		}
		return "", 0, fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	return host, port, nil
}
