// Package layout places data: it maps partitions to their owner nodes by weighted
// rendezvous hashing over zones. It is a pure function of the node list, with no
// network and no clock, so every node computes the same owners from the same layout.
package layout

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"sort"
)

// DefaultPartitions is the number of partitions in a layout. Fixed for the life of a
// cluster: objects are placed by partition, so changing it would move every object.
const DefaultPartitions = 256

// NodeID names a node; stable across restarts.
type NodeID string

// Node is a storage node as the layout sees it.
type Node struct {
	ID       NodeID `json:"id"`
	Zone     string `json:"zone,omitempty"`
	Capacity uint64 `json:"capacity"` // relative weight; 0 is treated as 1
}

// Layout is one version of the cluster's data placement.
type Layout struct {
	Version     uint64 `json:"version"`
	Partitions  int    `json:"partitions"`
	Replication int    `json:"replication"`
	Nodes       []Node `json:"nodes"`
	owners      [][]NodeID
}

// ErrInvalid is returned by New for a layout that cannot place data.
var ErrInvalid = errors.New("layout: invalid")

// New computes the layout of nodes with the given replication factor (0 means
// min(3, len(nodes))) and partition count (0 means DefaultPartitions).
func New(version uint64, nodes []Node, replication, partitions int) (*Layout, error) {
	if len(nodes) == 0 {
		return nil, errors.Join(ErrInvalid, errors.New("no nodes"))
	}
	if partitions == 0 {
		partitions = DefaultPartitions
	}
	if partitions&(partitions-1) != 0 {
		return nil, errors.Join(ErrInvalid, errors.New("partition count must be a power of two"))
	}
	if replication == 0 {
		replication = min(3, len(nodes))
	}
	if replication > len(nodes) {
		return nil, errors.Join(ErrInvalid, errors.New("replication factor exceeds node count"))
	}
	sorted := append([]Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	l := &Layout{Version: version, Partitions: partitions, Replication: replication, Nodes: sorted}
	l.compute()
	return l, nil
}

// compute fills the owner table: for each partition, nodes ranked by weighted
// rendezvous score, taking at most one node per zone until every zone has one.
func (l *Layout) compute() {
	l.owners = make([][]NodeID, l.Partitions)
	type scored struct {
		node  Node
		score float64
	}
	for p := 0; p < l.Partitions; p++ {
		ranked := make([]scored, len(l.Nodes))
		for i, n := range l.Nodes {
			ranked[i] = scored{n, score(p, n)}
		}
		sort.Slice(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
		owners := make([]NodeID, 0, l.Replication)
		usedZone := map[string]bool{}
		taken := map[NodeID]bool{}
		for _, r := range ranked { // first pass: distinct zones
			if len(owners) == l.Replication {
				break
			}
			if !usedZone[r.node.Zone] {
				usedZone[r.node.Zone] = true
				taken[r.node.ID] = true
				owners = append(owners, r.node.ID)
			}
		}
		for _, r := range ranked { // second pass: fewer zones than replicas
			if len(owners) == l.Replication {
				break
			}
			if !taken[r.node.ID] {
				taken[r.node.ID] = true
				owners = append(owners, r.node.ID)
			}
		}
		l.owners[p] = owners
	}
}

// score is the weighted rendezvous score of node n for partition p: -w/ln(h) with h
// uniform in (0,1), so a node's share of partitions is proportional to its weight.
func score(p int, n Node) float64 {
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(p))
	h := sha256.New()
	h.Write(buf[:])
	h.Write([]byte(n.ID))
	sum := h.Sum(nil)
	u := (float64(binary.BigEndian.Uint64(sum[:8])>>11) + 0.5) / float64(uint64(1)<<53)
	w := float64(n.Capacity)
	if w == 0 {
		w = 1
	}
	return -w / math.Log(u)
}

// Owners returns the owners of partition p, the preferred one first.
func (l *Layout) Owners(p int) []NodeID {
	if l.owners == nil {
		l.compute()
	}
	return l.owners[p%l.Partitions]
}

// ObjectPartition returns the partition of an object's version records.
func (l *Layout) ObjectPartition(bucket, key string) int {
	h := sha256.New()
	h.Write([]byte(bucket))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int(binary.BigEndian.Uint64(h.Sum(nil)[:8]) & uint64(l.Partitions-1))
}

// BlockPartition returns the partition of a block, from its SHA-256.
func (l *Layout) BlockPartition(hash [32]byte) int {
	return int(binary.BigEndian.Uint64(hash[:8]) & uint64(l.Partitions-1))
}

// Quorum returns the write and read quorum for the layout's replication factor.
func (l *Layout) Quorum() int { return l.Replication/2 + 1 }
