package blob

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/hlc"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/cluster/peerlog"
)

// Anti-entropy. Every SyncInterval, at startup, as soon as the newest layout version
// changes, and on TriggerSync, a round compares this node's partitions with the other
// owners and copies what is missing or older, in both directions:
//
//   - Record partitions (versions, uploads, parts) this node owns under the newest
//     layout: with every other owner of the partition in every layout version in
//     flight, compare digests (one call per peer for all shared partitions); where
//     they differ, exchange summaries, pull what the peer holds newer and push what
//     this node holds newer (pushing only to owners under the newest layout: the
//     others are on their way out).
//   - Block partitions this node owns under the newest layout: likewise with block
//     name lists, copying missing blocks both ways.
//   - Partitions this node holds data of but does not own under the newest layout
//     (a layout change moved them away, or the node is being decommissioned): push
//     everything to every newest owner, then remove exactly what was pushed (handoff).
//
// A round that pulled every partition this node owns under the newest layout from a
// read quorum of that partition's owners in each older version in flight (this node
// counting for the versions it owned it in) has everything those versions
// acknowledged: it reports the newest version synced (OnLayoutSynced). The fence
// (fence.go) makes sure no write under an older version is acknowledged behind such a
// pull. A node returning after downtime catches up the same way: its first round runs
// at startup, and the other owners' rounds push to it.

// syncCallTimeout bounds one call of a sync round: summaries and batches are larger
// than a request's calls, so they get more than RPCTimeout.
func (s *Store) syncCallTimeout() time.Duration { return 3 * s.cfg.RPCTimeout }

// syncChunk is how many items one fetch or push of a sync round carries.
const syncChunk = 256

// blockCopies is how many blocks one exchange of a sync round copies at once.
const blockCopies = 8

// syncParallel is how many partitions a sync round exchanges at once: their index
// commits and block fsyncs overlap.
const syncParallel = 16

// confirmSlack is how far before a confirmed round a tombstone must have been written
// to count as held by every owner: more than a write or repair can stay in flight
// (see tombstoneCutoff).
const confirmSlack = 2 * repairTimeout

// SyncStatus reports anti-entropy's progress on this node, for the admin API.
type SyncStatus struct {
	// LayoutVersion is the newest layout version this node knows.
	LayoutVersion uint64
	// SyncedVersion is the newest version this node has finished syncing to (and
	// reported through OnLayoutSynced).
	SyncedVersion uint64
	// Running says a round is in progress.
	Running bool
	// Rounds counts the rounds finished since Open.
	Rounds uint64
	// LastStart and LastDuration describe the last finished round.
	LastStart    time.Time
	LastDuration time.Duration
	// LastError says why the last round left work undone; empty if it did not.
	LastError string
	// PartitionsPending counts the record partitions the last round could not bring
	// in step with every other owner (or hand off), BlockPartitionsPending likewise
	// for block partitions, BlocksPending the blocks it found to copy or hand off
	// and could not.
	PartitionsPending      int
	BlockPartitionsPending int
	BlocksPending          int
	// Totals since Open: items (records, uploads, parts) and blocks copied here from
	// other owners, copied from here to other owners, and removed here after handing
	// them to their new owners. Each copy counts as soon as it is made, not when its
	// round ends.
	RecordsPulled, RecordsPushed, RecordsHandedOff uint64
	BlocksPulled, BlocksPushed, BlocksHandedOff    uint64
}

// syncState is what anti-entropy keeps between rounds.
type syncState struct {
	trigger chan struct{}
	round   sync.Mutex // one round at a time

	mu     sync.Mutex
	status SyncStatus
	acked  uint64 // the newest version OnLayoutSynced accepted
	// confirmed holds, per record partition, the start (Config.Now) of the last round
	// in which every other owner's digest equalled this node's, under layout version
	// confirmedVersion.
	confirmed        map[int]time.Time
	confirmedVersion uint64

	// The totals of SyncStatus, added to as each chunk of records or each block is
	// copied: whoever finds a copied item finds it counted, even while the round that
	// copied it still runs (a round's tail, more blocks or a slow peer, can take long).
	recordsPulled, recordsPushed, recordsHandedOff atomic.Uint64
	blocksPulled, blocksPushed, blocksHandedOff    atomic.Uint64

	// logLimit keeps the log of failing rounds to a line per minute per set of
	// failing peers; failing is that set's key while rounds fail (syncLoop only).
	logLimit *peerlog.Limiter
	failing  string
}

func (st *syncState) init() {
	st.trigger = make(chan struct{}, 1)
	st.confirmed = map[int]time.Time{}
	st.logLimit = peerlog.New(peerlog.DefaultInterval)
}

// roundResult is what one part of a round found.
type roundResult struct {
	synced  bool // every owned partition was pulled from a quorum of each older version
	pending int  // partitions not brought in step
	blocks  int  // blocks not copied or handed off
	err     error
}

// SyncStatus returns anti-entropy's progress on this node.
func (s *Store) SyncStatus() SyncStatus {
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	st := s.sync.status
	st.LayoutVersion = s.fence.newest()
	st.RecordsPulled, st.RecordsPushed = s.sync.recordsPulled.Load(), s.sync.recordsPushed.Load()
	st.RecordsHandedOff = s.sync.recordsHandedOff.Load()
	st.BlocksPulled, st.BlocksPushed = s.sync.blocksPulled.Load(), s.sync.blocksPushed.Load()
	st.BlocksHandedOff = s.sync.blocksHandedOff.Load()
	return st
}

// TriggerSync asks for an anti-entropy round soon, without waiting for it: the
// wiring calls it when a node comes back (a membership event), so that the blocks and
// records it missed flow to it at once.
func (s *Store) TriggerSync() {
	select {
	case s.sync.trigger <- struct{}{}:
	default:
	}
}

// SyncNow runs one anti-entropy round and returns once it is done (after the round
// in progress, if any). Its error says what was left undone; the next round retries.
func (s *Store) SyncNow(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.syncOnce(ctx)
}

// syncLoop runs rounds until ctx ends: at once, then every SyncInterval (a quarter
// of it after a round that left work undone), at once when the newest layout version
// changes or TriggerSync asks.
func (s *Store) syncLoop(ctx context.Context) {
	poll := time.NewTicker(min(s.cfg.SyncInterval, time.Second))
	defer poll.Stop()
	next := time.Now()
	var version uint64
	for {
		if !time.Now().Before(next) {
			version = s.fence.known()
			wait := s.cfg.SyncInterval
			if err := s.syncOnce(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				s.logRoundFailed(err)
				wait = max(wait/4, 50*time.Millisecond)
			} else {
				s.logRoundInStep()
			}
			next = time.Now().Add(wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.sync.trigger:
			next = time.Now()
		case <-poll.C:
			if s.fence.known() != version {
				next = time.Now()
			}
		case <-time.After(time.Until(next)):
		}
	}
}

// logRoundFailed logs a round that left work undone: the first of a run of rounds
// failing with the same peers at once, then one line a minute with the count of the
// rounds in between. A peer that is down fails every round until it is back or
// removed; its error is summarized (roundErrors), not listed per partition.
func (s *Store) logRoundFailed(err error) {
	key := "peers:" + strings.Join(failingPeers(err), ",")
	if s.sync.failing != "" && s.sync.failing != key {
		s.sync.logLimit.Reset(s.sync.failing)
	}
	s.sync.failing = key
	ok, repeated := s.sync.logLimit.Allow(key)
	switch {
	case !ok:
	case repeated > 0:
		s.log.Warn("anti-entropy rounds still leave work undone", "error", err, "rounds_not_logged", repeated)
	default:
		s.log.Warn("anti-entropy round left work undone", "error", err)
	}
}

// logRoundInStep ends a run of failing rounds, saying so once.
func (s *Store) logRoundInStep() {
	if s.sync.failing == "" {
		return
	}
	s.sync.logLimit.Reset(s.sync.failing)
	s.sync.failing = ""
	s.log.Info("anti-entropy rounds complete again")
}

// syncOnce runs one round.
func (s *Store) syncOnce(ctx context.Context) error {
	s.sync.round.Lock()
	defer s.sync.round.Unlock()
	pl, err := s.placement()
	if err != nil {
		return err
	}
	v := pl.version()
	start, wall := s.cfg.Now(), time.Now()
	s.sync.mu.Lock()
	s.sync.status.Running = true
	if s.sync.confirmedVersion != v {
		s.sync.confirmed, s.sync.confirmedVersion = map[int]time.Time{}, v
	}
	s.sync.mu.Unlock()

	// Raise this node's own fence first, as a pull from it would: what it reads of
	// itself must include every write it admitted under an older version.
	var rec, blk roundResult
	if err := s.fence.raise(ctx, v); err != nil {
		rec.err = err
	} else if s.alone(pl) {
		rec.synced, blk.synced = true, true
	} else {
		rec = s.syncRecords(ctx, pl, start)
		blk = s.syncBlocks(ctx, pl)
	}
	errs := []error{rec.err, blk.err}
	// Synced means: for every partition this node owns, it completed exchanges with a
	// read quorum of the owners of each older layout version in flight (pulledQuorum),
	// so it holds every write acknowledged under them. Errors with other peers (one
	// that is down, a hand-off that failed) are reported but do not hold the ack back:
	// otherwise a dead node could never be removed, since the layout without it would
	// never finish syncing.
	synced := rec.synced && blk.synced
	if synced && slices.ContainsFunc(pl.l.Nodes, func(n layout.Node) bool { return string(n.ID) == s.cfg.NodeID }) {
		s.sync.mu.Lock()
		acked := s.sync.acked
		s.sync.mu.Unlock()
		if acked < v && s.cfg.OnLayoutSynced != nil {
			if err := s.cfg.OnLayoutSynced(ctx, v); err != nil {
				errs = append(errs, fmt.Errorf("report layout version %d synced: %w", v, err))
				synced = false
			} else {
				s.log.Info("synced to layout version", "version", v)
			}
		}
	}

	err = errors.Join(errs...)
	s.sync.mu.Lock()
	defer s.sync.mu.Unlock()
	st := &s.sync.status
	if synced {
		s.sync.acked = max(s.sync.acked, v)
		st.SyncedVersion = max(st.SyncedVersion, v)
	}
	st.Running = false
	st.Rounds++
	st.LastStart, st.LastDuration = start, time.Since(wall)
	st.LastError = ""
	if err != nil {
		st.LastError = err.Error()
	}
	st.PartitionsPending, st.BlockPartitionsPending, st.BlocksPending = rec.pending, blk.pending, blk.blocks
	if err == nil && (rec.pending > 0 || blk.pending > 0) {
		err = fmt.Errorf("blob: %d record and %d block partitions not in step", rec.pending, blk.pending)
	}
	return err
}

// alone reports whether this node is the only node of every layout version in
// flight: then there is nothing to compare.
func (s *Store) alone(pl placement) bool {
	for _, l := range pl.versions {
		for _, n := range l.Nodes {
			if string(n.ID) != s.cfg.NodeID {
				return false
			}
		}
	}
	return true
}

// peersOf returns the owners of partition p in every layout version in flight but
// this node, each once, the newest version's first.
func (s *Store) peersOf(pl placement, p int) []layout.NodeID {
	var out []layout.NodeID
	for _, l := range pl.versions {
		for _, id := range l.Owners(p) {
			if string(id) != s.cfg.NodeID && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// peerRep is a peer resolved to its replica.
type peerRep struct {
	id  layout.NodeID
	rep Replica
}

// compareDigests asks each peer, concurrently, for the digests of its partitions in
// byPeer (with digests), compares them with this node's (mine), reports each
// (partition, peer) to note (same: the digests are equal; err: the peer could not
// answer), and returns, by partition, the peers whose digests differ.
func (s *Store) compareDigests(ctx context.Context, byPeer map[layout.NodeID][]int,
	digests func(ctx context.Context, rep Replica, ps []int) ([]index.Digest, error), mine func(p int) [32]byte,
	note func(p int, id layout.NodeID, same bool, err error)) map[int][]peerRep {
	var mu sync.Mutex
	out := map[int][]peerRep{}
	var wg sync.WaitGroup
	for id, ps := range byPeer {
		wg.Go(func() {
			o := s.resolve(id)
			var ds []index.Digest
			err := o.err
			if err == nil {
				ds, err = bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) ([]index.Digest, error) { return digests(ctx, o.rep, ps) })
			}
			if err == nil && len(ds) != len(ps) {
				err = fmt.Errorf("blob: node %s answered %d digests of %d", id, len(ds), len(ps))
			}
			for i, p := range ps {
				switch {
				case err != nil:
					note(p, id, false, err)
				case ds[i].Sum == mine(p):
					note(p, id, true, nil)
				default:
					note(p, id, false, nil)
					mu.Lock()
					out[p] = append(out[p], peerRep{id, o.rep})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return out
}

// forEachPartition runs fn for every partition of work, n at a time, and returns once
// all are done.
func forEachPartition(work map[int][]peerRep, n int, fn func(p int, peers []peerRep)) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for p, peers := range work {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(p, peers)
		})
	}
	wg.Wait()
}

// ownsNewest reports whether node id owns partition p under the newest layout.
func ownsNewest(pl placement, p int, id layout.NodeID) bool {
	return slices.Contains(pl.l.Owners(p), id)
}

// pulledQuorum reports whether, for every older layout version in flight, this node
// plus the peers in ok make a read quorum of partition p's owners there.
func (s *Store) pulledQuorum(pl placement, p int, ok map[layout.NodeID]bool) bool {
	for _, l := range pl.versions[1:] {
		n := 0
		for _, id := range l.Owners(p) {
			if string(id) == s.cfg.NodeID || ok[id] {
				n++
			}
		}
		if n < l.Quorum() {
			return false
		}
	}
	return true
}

// tombstoneCutoff returns, per record partition, the HLC before which a tombstone may
// be collected (0: none may). A tombstone must be older than TombstoneGrace, and, where
// the partition has other owners, every one of them must hold it: that is so once a
// round that began after the tombstone was written (with confirmSlack to spare for a
// write or repair still in flight) found every other owner's digest equal to this
// node's. An owner that is down or behind holds confirmation back, so its older copy
// of a deleted object can never outlive the tombstone that deletes it. (A node that
// was away longer than TombstoneGrace is the one exception; see docs/object-layer.md.)
func (s *Store) tombstoneCutoff(pl placement, now time.Time) func(p int) uint64 {
	grace := uint64(hlc.FromTime(now.Add(-s.cfg.TombstoneGrace)))
	s.sync.mu.Lock()
	confirmed := maps.Clone(s.sync.confirmed)
	current := s.sync.confirmedVersion == pl.version()
	s.sync.mu.Unlock()
	return func(p int) uint64 {
		if len(s.peersOf(pl, p)) == 0 {
			return grace
		}
		at, ok := confirmed[p]
		if !current || !ok {
			return 0
		}
		return min(grace, uint64(hlc.FromTime(at.Add(-confirmSlack))))
	}
}
