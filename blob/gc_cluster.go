package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
)

// The cluster-wide mark. A block lives in partition BlockPartition(hash) on that
// partition's owners, while the records and parts that reference it live on the owners
// of their object partitions: other nodes, in general. So a block owner sweeps a local
// block only with proof that nothing anywhere references it:
//
//   - it lists its candidates: the local blocks its own index does not reference;
//   - it asks EVERY node of EVERY layout version in flight (old owners that still
//     hold data, new owners still pulling it, owners that lag) which candidates its
//     index (every record and part, walked afresh for the question, so the answer is a
//     mark taken after the question) or its writes in flight (pins) reference;
//   - any node that does not answer (down, hung, not yet resolvable) cancels the whole
//     sweep for this round: no proof, no delete;
//   - a block that every node reports unreferenced is then subject to the single-node
//     rules in gc.go: unreferenced in every complete round for GCGrace (OrphanGrace for
//     a block its writer reported orphaned), file not written or re-Put within that
//     grace, and not pinned here.
//
// Why a record in motion is not missed: a record is dropped from a node only when it is
// superseded (a newer record or a tombstone holds it) or after the node has handed its
// partition on (retirement of a layout version, which waits until the new owners
// hold it). One round's marks are taken at different moments, so a record being handed
// on, or a completion moving parts into a record, might slip between two marks; the
// grace rule requires the block to be found unreferenced by complete rounds spanning
// the grace, and a round that starts after the move sees it where it landed.

// maxGCQuery is how many block hashes one gc/refs question carries.
const maxGCQuery = (MaxRPCBody - 64) / 33

// maxOrphanNotes bounds the orphan notes a node keeps; beyond it, a note is dropped
// (its block then waits the full GCGrace).
const maxOrphanNotes = 1 << 20

// gcCallTimeout bounds one gc/refs question: the answer needs a walk of the node's
// whole index, which takes far longer than a single-record call on a large one.
func (s *Store) gcCallTimeout() time.Duration { return max(s.syncCallTimeout(), 2*time.Minute) }

// gcMarker is what the collector asks of a node, local or remote.
type gcMarker interface {
	// BlockRefs returns the hashes among hs that the node's records, parts or writes
	// in flight reference.
	BlockRefs(ctx context.Context, hs [][32]byte) ([][32]byte, error)
	// NoteOrphans records that a failed write left the blocks hs unreferenced, so
	// the collector may reclaim them after OrphanGrace.
	NoteOrphans(ctx context.Context, hs [][32]byte) error
}

// orphanNotes are the blocks failed writes reported, by when.
type orphanNotes struct {
	mu sync.Mutex
	at map[[32]byte]time.Time
}

func (o *orphanNotes) note(now time.Time, hs [][32]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.at == nil {
		o.at = map[[32]byte]time.Time{}
	}
	for _, h := range hs {
		if _, ok := o.at[h]; !ok && len(o.at) < maxOrphanNotes {
			o.at[h] = now
		}
	}
}

func (o *orphanNotes) get(h [32]byte) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.at[h]
	return t, ok
}

func (o *orphanNotes) forget(h [32]byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.at, h)
}

func (o *orphanNotes) list() [][32]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([][32]byte, 0, len(o.at))
	for h := range o.at {
		out = append(out, h)
	}
	return out
}

// blockRefs is the answer of this node to gc/refs: a fresh walk of every record and
// part in the index, and the blocks pinned by writes in flight.
func (s *Store) blockRefs(ctx context.Context, hs [][32]byte) ([][32]byte, error) {
	want := make(map[[32]byte]bool, len(hs))
	for _, h := range hs {
		want[h] = false
	}
	s.pins.mu.Lock()
	for h := range want {
		_, held := s.pins.held[h]
		want[h] = held || s.pins.n[h] > 0
	}
	s.pins.mu.Unlock()
	err := s.idx.WalkBlockRefs(ctx, func(h [32]byte) {
		if _, ok := want[h]; ok {
			want[h] = true
		}
	})
	if err != nil {
		return nil, err
	}
	var out [][32]byte
	for h, ref := range want {
		if ref {
			out = append(out, h)
		}
	}
	return out, nil
}

func (r *localReplica) BlockRefs(ctx context.Context, hs [][32]byte) ([][32]byte, error) {
	return r.s.blockRefs(ctx, hs)
}

func (r *localReplica) NoteOrphans(_ context.Context, hs [][32]byte) error {
	r.s.gc.orphans.note(r.s.cfg.Now(), hs)
	return nil
}

func (r *remoteReplica) BlockRefs(ctx context.Context, hs [][32]byte) (out [][32]byte, err error) {
	var e enc
	e.hashes(hs)
	err = r.callDecode(ctx, "gc/refs", nil, &e, func(d *dec) { out = d.hashes() })
	return out, err
}

func (r *remoteReplica) NoteOrphans(ctx context.Context, hs [][32]byte) error {
	var e enc
	e.hashes(hs)
	return r.callDecode(ctx, "gc/orphans", nil, &e, nil)
}

// gcOps are the collector's RPC operations, merged into rpcOps.
func gcOps() map[string]rpcOp {
	return map[string]rpcOp{
		"gc/refs": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var hs [][32]byte
			if err := decode(body, func(d *dec) { hs = d.hashes() }); err != nil {
				return nil, err
			}
			out, err := r.BlockRefs(ctx, hs)
			if err != nil {
				return nil, err
			}
			return encoded(func(e *enc) { e.hashes(out) }), nil
		},
		"gc/orphans": func(ctx context.Context, r *localReplica, _ url.Values, body []byte) ([]byte, error) {
			var hs [][32]byte
			if err := decode(body, func(d *dec) { hs = d.hashes() }); err != nil {
				return nil, err
			}
			return nil, r.NoteOrphans(ctx, hs)
		},
	}
}

// marker returns the gcMarker of a node.
func (s *Store) marker(id layout.NodeID) (gcMarker, error) {
	o := s.resolve(id)
	if o.err != nil {
		return nil, o.err
	}
	m, ok := o.rep.(gcMarker)
	if !ok {
		return nil, fmt.Errorf("blob: node %s cannot answer the collector", id)
	}
	return m, nil
}

// allNodes returns every node of every layout version in flight, each once.
func allNodes(pl placement) []layout.NodeID {
	var out []layout.NodeID
	for _, l := range pl.versions {
		for _, n := range l.Nodes {
			if !slices.Contains(out, n.ID) {
				out = append(out, n.ID)
			}
		}
	}
	return out
}

// clusterRefs asks every other node of every layout version in flight which of hs it
// references, and returns the union. Any node that fails to answer fails the call:
// the caller must then sweep nothing.
func (s *Store) clusterRefs(ctx context.Context, pl placement, hs [][32]byte) (map[[32]byte]struct{}, error) {
	refs := map[[32]byte]struct{}{}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, id := range allNodes(pl) {
		if string(id) == s.cfg.NodeID {
			continue // the caller's own mark covers this node
		}
		wg.Go(func() {
			err := func() error {
				m, err := s.marker(id)
				if err != nil {
					return err
				}
				for chunk := range slices.Chunk(hs, maxGCQuery) {
					got, err := bounded(ctx, s.gcCallTimeout(), func(ctx context.Context) ([][32]byte, error) { return m.BlockRefs(ctx, chunk) })
					if err != nil {
						return err
					}
					mu.Lock()
					for _, h := range got {
						refs[h] = struct{}{}
					}
					mu.Unlock()
				}
				return nil
			}()
			if err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("node %s: %w", id, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("blob: the cluster-wide mark is incomplete: %w", errors.Join(errs...))
	}
	return refs, nil
}

// reportOrphans tells the owners of each block of a failed write that the write will
// not reference it, so that, unless something else does, it is reclaimed after
// OrphanGrace rather than GCGrace. Best effort, in the background: a lost note only
// means the longer grace.
func (s *Store) reportOrphans(hs [][32]byte) {
	if len(hs) == 0 {
		return
	}
	pl, err := s.placement()
	if err != nil {
		return
	}
	byNode := map[layout.NodeID][][32]byte{}
	for _, h := range hs {
		for _, l := range pl.versions {
			for _, id := range l.Owners(l.BlockPartition(h)) {
				if !slices.Contains(byNode[id], h) {
					byNode[id] = append(byNode[id], h)
				}
			}
		}
	}
	for id, hs := range byNode {
		if string(id) == s.cfg.NodeID {
			s.gc.orphans.note(s.cfg.Now(), hs)
			continue
		}
		// The writer is a call in progress (ops > 0), so adding to ops is safe and
		// Close waits for the note, at most RPCTimeout.
		s.ops.Add(1)
		go func() {
			defer s.ops.Done()
			m, err := s.marker(id)
			if err == nil {
				err = func() error {
					ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RPCTimeout)
					defer cancel()
					return m.NoteOrphans(ctx, hs)
				}()
			}
			if err != nil {
				s.log.Debug("orphan note not delivered", "node", id, "error", err)
			}
		}()
	}
}

// endWrite releases the pins of a write's blocks and, if the write failed, reports
// them orphaned (see reportOrphans). Writers defer it right after writing the body.
func (s *Store) endWrite(pinned [][32]byte, failed *bool) {
	s.pins.unpin(pinned...)
	if *failed {
		s.reportOrphans(pinned)
	}
}
