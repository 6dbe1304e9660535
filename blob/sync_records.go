package blob

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// syncRecords runs the record part of a round: the partitions this node owns under
// the newest layout with their other owners, and the handoff of those it holds but no
// longer owns. start is the round's start, for tombstone confirmation.
func (s *Store) syncRecords(ctx context.Context, pl placement, start time.Time) roundResult {
	var res roundResult
	all := make([]int, pl.l.Partitions)
	for p := range all {
		all[p] = p
	}
	local, err := s.idx.Digests(ctx, all)
	if err != nil {
		res.err = fmt.Errorf("digest the local index: %w", err)
		return res
	}
	me := layout.NodeID(s.cfg.NodeID)
	byPeer := map[layout.NodeID][]int{}
	var owned, handoff []int
	for p := range all {
		switch {
		case ownsNewest(pl, p, me):
			owned = append(owned, p)
			for _, id := range s.peersOf(pl, p) {
				byPeer[id] = append(byPeer[id], p)
			}
		case local[p].Items > 0:
			handoff = append(handoff, p)
		}
	}

	var mu sync.Mutex
	ok := map[int]map[layout.NodeID]bool{}    // exchanges that completed
	equal := map[int]map[layout.NodeID]bool{} // peers whose digest matched
	errs := roundErrors{what: "record partitions"}
	note := func(p int, id layout.NodeID, same bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs.add(string(id), p, err)
			return
		}
		if ok[p] == nil {
			ok[p], equal[p] = map[layout.NodeID]bool{}, map[layout.NodeID]bool{}
		}
		ok[p][id] = true
		equal[p][id] = same
	}

	// Digests first, one call per peer; then the partitions that differ, several at
	// a time (their commits share fsyncs), each with its differing peers in turn, so
	// what the first peer gave is not fetched again from the next.
	mismatched := s.compareDigests(ctx, byPeer, func(ctx context.Context, rep Replica, ps []int) ([]index.Digest, error) {
		return rep.Digests(ctx, pl.version(), ps)
	}, func(p int) [32]byte { return local[p].Sum }, func(p int, id layout.NodeID, same bool, err error) {
		if same || err != nil {
			note(p, id, same, err)
		}
	})
	var wg sync.WaitGroup
	handedOff := make(chan int, len(handoff))
	sem := make(chan struct{}, 4)
	for _, p := range handoff {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := s.handOffRecords(ctx, pl, p); err != nil {
				mu.Lock()
				errs.add("", p, fmt.Errorf("hand off: %w", err))
				mu.Unlock()
				handedOff <- p
			}
		})
	}
	forEachPartition(mismatched, syncParallel, func(p int, peers []peerRep) {
		for _, pr := range peers {
			xerr := s.exchangeRecords(ctx, pr.rep, p, true, ownsNewest(pl, p, pr.id))
			note(p, pr.id, false, xerr)
		}
	})
	wg.Wait()
	close(handedOff)
	res.pending = len(handedOff)

	res.synced = true
	s.sync.mu.Lock()
	for _, p := range owned {
		peers := s.peersOf(pl, p)
		same := true
		for _, id := range peers {
			if !ok[p][id] {
				same = false
			} else if !equal[p][id] {
				same = false
			}
		}
		if !s.pulledQuorum(pl, p, ok[p]) {
			res.synced = false
		}
		complete := true
		for _, id := range peers {
			complete = complete && ok[p][id]
		}
		if !complete {
			res.pending++
		}
		if same {
			s.sync.confirmed[p] = start
		}
	}
	s.sync.mu.Unlock()
	res.err = errs.err()
	return res
}

// exchangeRecords brings partition p of this node and of peer rep in step: it
// compares their summaries, pulls (if pull) what the peer holds newer or this node
// lacks, and pushes (if push) what this node holds newer or the peer lacks. It
// counts what it copies in the sync totals.
func (s *Store) exchangeRecords(ctx context.Context, rep Replica, p int, pull, push bool) error {
	ours, err := s.idx.Summary(ctx, p)
	if err != nil {
		return err
	}
	theirs, err := bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) (index.Summary, error) { return rep.Summary(ctx, p) })
	if err != nil {
		return err
	}
	want, give := diffSummaries(&ours, &theirs)
	if pull {
		for _, chunk := range chunkSummary(want, syncChunk) {
			b, err := bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) (index.Batch, error) { return rep.Fetch(ctx, p, chunk) })
			if err != nil {
				return err
			}
			n, err := s.idx.Apply(ctx, p, b)
			s.sync.recordsPulled.Add(uint64(n))
			if err != nil {
				return err
			}
		}
	}
	if push {
		return s.pushRecords(ctx, rep, p, give)
	}
	return nil
}

// pushRecords sends the items give names from this node's partition p to rep,
// counting them in the sync totals as each chunk is stored.
func (s *Store) pushRecords(ctx context.Context, rep Replica, p int, give index.Summary) error {
	for _, chunk := range chunkSummary(give, syncChunk) {
		b, err := s.idx.Fetch(ctx, p, chunk)
		if err != nil {
			return err
		}
		if err := s.applyRemote(ctx, rep, p, b); err != nil {
			return err
		}
		s.sync.recordsPushed.Add(uint64(b.Len()))
	}
	return nil
}

// applyRemote stores batch b on rep, cut in halves while it is too large for one
// request.
func (s *Store) applyRemote(ctx context.Context, rep Replica, p int, b index.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if b.Len() > 1 && len(encoded(func(e *enc) { e.batch(&b) })) > MaxRPCBody-64<<10 {
		first, second := splitBatch(b)
		if err := s.applyRemote(ctx, rep, p, first); err != nil {
			return err
		}
		return s.applyRemote(ctx, rep, p, second)
	}
	_, err := bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) (struct{}, error) { return struct{}{}, rep.Apply(ctx, p, b) })
	return err
}

// handOffRecords pushes everything this node holds of partition p, which it does not
// own under the newest layout, to every owner of it under the newest layout, and once
// all of them have it, removes exactly what it pushed, counting it in the sync totals.
func (s *Store) handOffRecords(ctx context.Context, pl placement, p int) error {
	ours, err := s.idx.Summary(ctx, p)
	if err != nil || ours.Len() == 0 {
		return err
	}
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, id := range pl.l.Owners(p) {
		wg.Go(func() {
			o := s.resolve(id)
			err := o.err
			if err == nil {
				var theirs index.Summary
				theirs, err = bounded(ctx, s.syncCallTimeout(), func(ctx context.Context) (index.Summary, error) { return o.rep.Summary(ctx, p) })
				if err == nil {
					_, give := diffSummaries(&ours, &theirs)
					err = s.pushRecords(ctx, o.rep, p, give)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("node %s: %w", id, err))
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	// Every new owner holds each item as listed, or something newer: this node's
	// copies are no longer needed. Whatever changed here since the summary stays, for
	// the next round.
	removed, err := s.idx.Forget(ctx, p, ours)
	s.sync.recordsHandedOff.Add(uint64(removed))
	if removed > 0 {
		s.log.Info("handed partition off to its new owners", "partition", p, "items", removed)
	}
	return err
}

// diffSummaries compares two owners' summaries of a partition: want lists what the
// other side holds newer or alone, give what this side does.
func diffSummaries(ours, theirs *index.Summary) (want, give index.Summary) {
	// Versions are compared slot by slot (a union): each side gives the slots the
	// other lacks or holds in a losing state (a tombstone wins, then the later
	// attribute change).
	type vkey struct {
		b, k string
		hlc  uint64
		node string
	}
	tv := make(map[vkey]index.VersionStamp, len(theirs.Versions))
	for _, t := range theirs.Versions {
		tv[vkey{t.Bucket, t.Key, t.HLC, t.Node}] = t
	}
	seen := make(map[vkey]bool, len(ours.Versions))
	for _, o := range ours.Versions {
		k := vkey{o.Bucket, o.Key, o.HLC, o.Node}
		seen[k] = true
		t, ok := tv[k]
		switch {
		case !ok || stampWins(&o, &t):
			give.Versions = append(give.Versions, o)
		case stampWins(&t, &o):
			want.Versions = append(want.Versions, t)
		}
	}
	for _, t := range theirs.Versions {
		if !seen[vkey{t.Bucket, t.Key, t.HLC, t.Node}] {
			want.Versions = append(want.Versions, t)
		}
	}

	type ukey struct {
		b, k, id string
		init     uint64
	}
	tu := make(map[ukey]index.UploadStamp, len(theirs.Uploads))
	for _, t := range theirs.Uploads {
		tu[ukey{t.Bucket, t.Key, t.ID, t.Initiated}] = t
	}
	seenU := make(map[ukey]bool, len(ours.Uploads))
	for _, o := range ours.Uploads {
		k := ukey{o.Bucket, o.Key, o.ID, o.Initiated}
		seenU[k] = true
		t, ok := tu[k]
		switch {
		case !ok || o.Deleted != 0 && t.Deleted == 0:
			give.Uploads = append(give.Uploads, o)
		case t.Deleted != 0 && o.Deleted == 0:
			want.Uploads = append(want.Uploads, t)
		}
	}
	for _, t := range theirs.Uploads {
		if !seenU[ukey{t.Bucket, t.Key, t.ID, t.Initiated}] {
			want.Uploads = append(want.Uploads, t)
		}
	}

	type pkey struct {
		b, k, id string
		n        int
	}
	tp := make(map[pkey]index.PartStamp, len(theirs.Parts))
	for _, t := range theirs.Parts {
		tp[pkey{t.Bucket, t.Key, t.UploadID, t.Number}] = t
	}
	seenP := make(map[pkey]bool, len(ours.Parts))
	for _, o := range ours.Parts {
		k := pkey{o.Bucket, o.Key, o.UploadID, o.Number}
		seenP[k] = true
		t, ok := tp[k]
		switch {
		case !ok || o.HLC > t.HLC:
			give.Parts = append(give.Parts, o)
		case t.HLC > o.HLC:
			want.Parts = append(want.Parts, t)
		}
	}
	for _, t := range theirs.Parts {
		if !seenP[pkey{t.Bucket, t.Key, t.UploadID, t.Number}] {
			want.Parts = append(want.Parts, t)
		}
	}
	return want, give
}

// stampWins reports whether a, a copy of b's slot, wins over it: a tombstone, then
// the later attribute change.
func stampWins(a, b *index.VersionStamp) bool {
	if a.Tombstone != b.Tombstone {
		return a.Tombstone
	}
	return a.Changed > b.Changed
}

// chunkSummary cuts s into summaries of at most n items, versions first, then
// uploads, then parts (so that an upload arrives before its parts).
func chunkSummary(s index.Summary, n int) []index.Summary {
	var out []index.Summary
	for s.Len() > 0 {
		var c index.Summary
		room := n
		k := min(room, len(s.Versions))
		c.Versions, s.Versions = s.Versions[:k], s.Versions[k:]
		room -= k
		k = min(room, len(s.Uploads))
		c.Uploads, s.Uploads = s.Uploads[:k], s.Uploads[k:]
		room -= k
		k = min(room, len(s.Parts))
		c.Parts, s.Parts = s.Parts[:k], s.Parts[k:]
		out = append(out, c)
	}
	return out
}

// splitBatch cuts a batch of at least two items in two, in the order records, uploads,
// parts.
func splitBatch(b index.Batch) (first, second index.Batch) {
	half := b.Len() / 2
	k := min(half, len(b.Records))
	first.Records, second.Records = b.Records[:k], b.Records[k:]
	half -= k
	k = min(half, len(b.Uploads))
	first.Uploads, second.Uploads = b.Uploads[:k], b.Uploads[k:]
	half -= k
	k = min(half, len(b.Parts))
	first.Parts, second.Parts = b.Parts[:k], b.Parts[k:]
	return first, second
}
