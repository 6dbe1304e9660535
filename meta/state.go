package meta

import (
	"fmt"
	"maps"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
)

// state is the replicated metadata: what the FSM applies commands to and what a
// snapshot holds. Its JSON tags are the snapshot format: never rename one.
//
// Values in the maps are never modified in place (an update stores a new value), nor
// are maps held by a value (a bucket's Tags), so a shallow copy of the maps is a
// consistent snapshot.
type state struct {
	ClusterID  string                     `json:"clusterId,omitempty"`
	Layout     *layoutSpec                `json:"layout,omitempty"`
	Buckets    map[string]Bucket          `json:"buckets"`
	AccessKeys map[string]accessKeyRecord `json:"accessKeys"`
	// IAM holds users, groups, managed and bucket policies (iam_state.go).
	IAM iamState `json:"iam"`
	// Cluster holds the layout history, sync acks and node statuses (cluster_state.go).
	Cluster clusterState `json:"cluster"`
	// Replication holds site sync's connections and rules (replication.go).
	Replication replicationState `json:"replication"`
	// Index is the Raft index of the last command applied. A leader's ReadIndex is
	// this value after a barrier; a follower waits until its own reaches it. Only
	// commands count, so it is the same on every node for the same log.
	Index uint64 `json:"index"`
}

// accessKeyRecord is an access key as the FSM holds it: the secret stays sealed.
type accessKeyRecord struct {
	ID        string     `json:"id"`
	User      string     `json:"user"`
	Sealed    []byte     `json:"sealedSecret"`
	CreatedAt time.Time  `json:"createdAt"`
	Expiry    *time.Time `json:"expiry,omitempty"`
}

// layoutSpec is the JSON form of a layout: what layout.New needs to rebuild it.
type layoutSpec struct {
	Version     uint64        `json:"version"`
	Partitions  int           `json:"partitions"`
	Replication int           `json:"replication"`
	Nodes       []layout.Node `json:"nodes"`
}

func newState() state {
	return state{Buckets: map[string]Bucket{}, AccessKeys: map[string]accessKeyRecord{}, IAM: iamState{}.clone(), Cluster: clusterState{}.clone(), Replication: replicationState{}.clone()}
}

// clone returns a copy of s that shares no map with it.
func (s state) clone() state {
	c := s
	c.Buckets = maps.Clone(s.Buckets)
	c.AccessKeys = maps.Clone(s.AccessKeys)
	c.IAM = s.IAM.clone()
	c.Cluster = s.Cluster.clone()
	c.Replication = s.Replication.clone()
	if c.Buckets == nil {
		c.Buckets = map[string]Bucket{}
	}
	if c.AccessKeys == nil {
		c.AccessKeys = map[string]accessKeyRecord{}
	}
	return c
}

// build rebuilds the layout, owner table included.
func (s *layoutSpec) build() (*layout.Layout, error) {
	l, err := layout.New(s.Version, s.Nodes, s.Replication, s.Partitions)
	if err != nil {
		return nil, fmt.Errorf("%w: layout version %d: %w", ErrInvalid, s.Version, err)
	}
	return l, nil
}

// specOf is the spec of a built layout (partitions and replication resolved).
func specOf(l *layout.Layout) *layoutSpec {
	return &layoutSpec{
		Version:     l.Version,
		Partitions:  l.Partitions,
		Replication: l.Replication,
		Nodes:       append([]layout.Node(nil), l.Nodes...),
	}
}

// sameSpec reports whether two specs describe the same layout. Node order does not
// matter: layout.New sorts by id.
func sameSpec(a, b *layoutSpec) bool {
	if a.Version != b.Version || a.Partitions != b.Partitions || a.Replication != b.Replication || len(a.Nodes) != len(b.Nodes) {
		return false
	}
	seen := make(map[layout.NodeID]layout.Node, len(a.Nodes))
	for _, n := range a.Nodes {
		seen[n.ID] = n
	}
	for _, n := range b.Nodes {
		if m, ok := seen[n.ID]; !ok || m != n {
			return false
		}
	}
	return true
}
