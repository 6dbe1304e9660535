package blob

import (
	"fmt"
	"slices"

	"github.com/cairnstore/cairn/cluster/layout"
)

// While a new layout is being synced, several layout versions are in flight
// (Config.Layouts, newest first). Writes go to the newest version's owners only: that
// is where the data is heading. Reads and listings need a read quorum of the owners of
// every version in flight: a write acknowledged under an older version is on a write
// quorum of that version's owners, and only a read quorum of the same owners is sure
// to meet it. (A union of whatever older owners answer would not be: with the owners
// that hold it down, the read would miss an acknowledged write.) Each node is asked
// once, whichever versions it owns the partition in. Once every node has synced to
// the newest version (OnLayoutSynced) the older ones are retired and reads go back to
// one quorum.

// owner is one owner of a partition, resolved to its replica (nil if unreachable,
// with err saying why).
type owner struct {
	id    layout.NodeID
	rep   Replica
	err   error
	local bool
}

// placement is the layout versions one operation works with, read once per
// operation.
type placement struct {
	versions []*layout.Layout // newest first
	l        *layout.Layout   // the newest: where writes go
	quorum   int              // the newest's quorum
}

// version is the layout version writes are made under.
func (pl placement) version() uint64 { return pl.l.Version }

// placement returns the layout versions in flight.
func (s *Store) placement() (placement, error) {
	ls := s.cfg.Layouts()
	if len(ls) == 0 || ls[0] == nil {
		return placement{}, fmt.Errorf("%w: no layout yet", ErrNoQuorum)
	}
	for _, l := range ls[1:] {
		if l == nil || l.Partitions != ls[0].Partitions {
			return placement{}, fmt.Errorf("blob: layout versions in flight disagree on the partition count")
		}
	}
	return placement{versions: ls, l: ls[0], quorum: ls[0].Quorum()}, nil
}

// resolve returns the replica of a node: the in-process one for this node.
func (s *Store) resolve(id layout.NodeID) owner {
	if string(id) == s.cfg.NodeID {
		return owner{id: id, rep: s.local, local: true}
	}
	o := owner{id: id}
	if s.cfg.Replicas == nil {
		o.err = fmt.Errorf("blob: no replica for node %s", id)
	} else {
		o.rep, o.err = s.cfg.Replicas(id)
		if o.err == nil && o.rep == nil {
			o.err = fmt.Errorf("blob: no replica for node %s", id)
		}
	}
	return o
}

// owners returns the owners of partition p in the newest layout, the local node first
// if it is one (its reads are cheapest), then in the layout's order of preference.
func (s *Store) owners(pl placement, p int) []owner {
	ids := pl.l.Owners(p)
	out := make([]owner, 0, len(ids))
	for _, id := range ids {
		o := s.resolve(id)
		if o.local {
			out = append([]owner{o}, out...)
			continue
		}
		out = append(out, o)
	}
	return out
}

// readSet is whom a read of one partition asks: every owner of the partition in every
// layout version in flight, each node once (the newest version's owners first, the
// local node first among them), and, per version, which of them own it there and how
// many must answer.
type readSet struct {
	nodes    []owner
	newest   []bool  // nodes[i] owns the partition in the newest version
	versions [][]int // versions[i]: the versions (indexes into placement.versions) nodes[i] owns it in
	size     []int   // per version: its number of owners
	need     []int   // per version: its read quorum
}

// readSet returns the readSet of partition p.
func (s *Store) readSet(pl placement, p int) readSet {
	rs := readSet{size: make([]int, len(pl.versions)), need: make([]int, len(pl.versions))}
	at := map[layout.NodeID]int{}
	for v, l := range pl.versions {
		rs.need[v] = l.Quorum()
		var ids []layout.NodeID
		if v == 0 {
			for _, o := range s.owners(pl, p) {
				ids = append(ids, o.id)
				if _, ok := at[o.id]; !ok {
					at[o.id] = len(rs.nodes)
					rs.nodes = append(rs.nodes, o)
					rs.newest = append(rs.newest, true)
					rs.versions = append(rs.versions, nil)
				}
			}
		} else {
			ids = l.Owners(p)
		}
		rs.size[v] = len(ids)
		for _, id := range ids {
			i, ok := at[id]
			if !ok {
				i = len(rs.nodes)
				at[id] = i
				rs.nodes = append(rs.nodes, s.resolve(id))
				rs.newest = append(rs.newest, false)
				rs.versions = append(rs.versions, nil)
			}
			if !slices.Contains(rs.versions[i], v) {
				rs.versions[i] = append(rs.versions[i], v)
			}
		}
	}
	return rs
}

// tally counts one partition's answers per layout version.
type tally struct {
	rs     *readSet
	ok     []int
	failed []int
	done   int // versions with a quorum
}

func newTally(rs *readSet) *tally {
	return &tally{rs: rs, ok: make([]int, len(rs.need)), failed: make([]int, len(rs.need))}
}

// add counts node i's answer and reports whether every version now has its quorum
// (satisfied) or some version can no longer get it (lost).
func (t *tally) add(i int, ok bool) (satisfied, lost bool) {
	for _, v := range t.rs.versions[i] {
		if ok {
			if t.ok[v]++; t.ok[v] == t.rs.need[v] {
				t.done++
			}
		} else if t.failed[v]++; t.failed[v] > t.rs.size[v]-t.rs.need[v] {
			lost = true
		}
	}
	return t.done == len(t.ok), lost
}

// satisfied reports whether every version has its quorum.
func (t *tally) satisfied() bool { return t.done == len(t.ok) }

// okCount is the fewest answers any version has, for error messages.
func (t *tally) okCount() int { return slices.Min(t.ok) }

// needCount is the largest quorum, for error messages.
func (t *tally) needCount() int { return slices.Max(t.rs.need) }
