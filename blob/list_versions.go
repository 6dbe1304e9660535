package blob

import (
	"cmp"
	"context"
	"math"

	"github.com/cairnstore/cairn/blob/index"
)

// ListVersionsInput asks for one page of a bucket's versions (ListObjectVersions).
type ListVersionsInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	// KeyMarker and VersionIDMarker resume after a version: with VersionIDMarker "",
	// after every version of KeyMarker (and, if KeyMarker is a common prefix, of
	// every key under it).
	KeyMarker       string
	VersionIDMarker string
	Limit           int // versions, delete markers and common prefixes together; 1..1000
}

// ListVersionsResult is one page of versions: by key, and within a key newest first.
// Delete markers are in Versions with DeleteMarker set.
type ListVersionsResult struct {
	Versions            []ObjectInfo
	CommonPrefixes      []string
	IsTruncated         bool
	NextKeyMarker       string
	NextVersionIDMarker string
}

// ListObjectVersions returns one page of the versions and delete markers of a bucket,
// each key's current one with IsLatest set. Every partition is read from a read quorum
// of its owners, whose records are united slot by slot (a tombstone wins); tombstones
// and null versions that a newer null record supersedes are left out.
func (s *Store) ListObjectVersions(ctx context.Context, in ListVersionsInput) (ListVersionsResult, error) {
	if err := s.enter(); err != nil {
		return ListVersionsResult{}, err
	}
	defer s.leave()
	if err := checkBucket(in.Bucket); err != nil {
		return ListVersionsResult{}, err
	}
	if in.VersionIDMarker != "" {
		if in.KeyMarker == "" {
			return ListVersionsResult{}, ErrInvalidArgument
		}
		if err := CheckVersionID(in.VersionIDMarker); err != nil {
			return ListVersionsResult{}, err
		}
	}
	limit := listLimit(in.Limit)
	pl, err := s.placement()
	if err != nil {
		return ListVersionsResult{}, err
	}
	start := startPosition(in.KeyMarker, in.Prefix, in.Delimiter)
	// Resuming within KeyMarker's versions: from the first version created at the
	// marker's HLC (all of them for the null version), skipping up to the marker.
	skipping := false
	var markerTag [4]byte
	var latest index.Entry // KeyMarker's current version, when resuming within it
	if in.VersionIDMarker != "" {
		skipping = true
		start = index.Position{After: in.KeyMarker, HLC: math.MaxUint64}
		if in.VersionIDMarker != NullVersion {
			start.HLC, markerTag, _ = parseVersionID(in.VersionIDMarker)
		}
		vr, err := s.readVersions(ctx, pl, pl.l.ObjectPartition(in.Bucket, in.KeyMarker), in.Bucket, in.KeyMarker, index.VersionsQuery{})
		if err != nil {
			return ListVersionsResult{}, err
		}
		if live := liveVersions(vr.merged); len(live) > 0 {
			latest = live[0]
		}
	}
	m, err := newMerger(ctx, pl.l.Partitions, start,
		firstBatch(limit, pl.l.Partitions), s.fetchVersions(pl, in.Bucket, in.Prefix),
		func(e index.Entry) string { return e.Key },
		func(e index.Entry) index.Position { return index.Position{After: e.Key, HLC: e.HLC, Node: e.Node} })
	if err != nil {
		return ListVersionsResult{}, err
	}
	var res ListVersionsResult
	count := 0
	curKey, first := "", true
	var nulls nullFilter
	latestSeen := false // the current key's latest version has been met
	for {
		e, ok, err := m.peek(ctx)
		if err != nil {
			return ListVersionsResult{}, err
		}
		if !ok {
			break
		}
		if first || e.Key != curKey {
			curKey, first = e.Key, false
			nulls, latestSeen = nullFilter{}, false
			if e.Key != in.KeyMarker {
				skipping = false
			}
		}
		if skipping && in.VersionIDMarker != NullVersion && e.HLC < start.HLC {
			skipping = false // past the marker's place (it may be gone)
		}
		keep := nulls.keep(&e) && !e.Tombstone
		if skipping {
			// Up to and including the marker's slot, whatever its state now: a
			// client that removes each page's versions resumes after a removed one.
			m.pop()
			if in.VersionIDMarker == NullVersion && !e.Versioned ||
				e.Versioned && e.HLC == start.HLC && string(nodeTag(e.Node)) == string(markerTag[:]) {
				skipping = false
			}
			continue
		}
		if !keep {
			m.pop()
			continue
		}
		if count == limit {
			res.IsTruncated = true
			break
		}
		if cp := commonPrefix(e.Key, in.Prefix, in.Delimiter); cp != "" {
			m.pop()
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextVersionIDMarker = cp, ""
			count++
			m.skipUnder(cp)
			continue
		}
		m.pop()
		info, err := infoFromEntry(in.Bucket, &e)
		if err != nil {
			return ListVersionsResult{}, err
		}
		if in.VersionIDMarker != "" && e.Key == in.KeyMarker {
			info.IsLatest = e.SameSlot(&latest)
		} else {
			info.IsLatest = !latestSeen
		}
		latestSeen = true
		res.Versions = append(res.Versions, info)
		res.NextKeyMarker, res.NextVersionIDMarker = e.Key, info.VersionID
		count++
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	}
	return res, nil
}

// fetchVersions returns the fetchFunc of a version listing: batches of every record,
// from a read quorum of each partition's owners, united slot by slot.
func (s *Store) fetchVersions(pl placement, bucket, prefix string) fetchFunc[index.Entry] {
	return func(ctx context.Context, ps []int, pos index.Position, limit int) ([]batch[index.Entry], error) {
		q := index.ListQuery{Bucket: bucket, Prefix: prefix, Pos: pos, Limit: limit, Versions: true}
		answers, err := listQuorum(ctx, s, pl, ps, func(ctx context.Context, rep Replica, ps []int) ([]index.EntryBatch, error) {
			return rep.ListRecords(ctx, ps, q)
		})
		if err != nil {
			return nil, err
		}
		out := make([]batch[index.Entry], len(ps))
		for i, as := range answers {
			entries := make([][]index.Entry, len(as))
			mores := make([]bool, len(as))
			for j, a := range as {
				entries[j], mores[j] = a.Entries, a.More
			}
			out[i].entries, out[i].more = mergeOwnerPages(entries, mores, compareSlots,
				func(a, b index.Entry) index.Entry {
					if b.Wins(&a) {
						return b
					}
					return a
				})
		}
		return out, nil
	}
}

// compareSlots orders records by key, then newest first.
func compareSlots(a, b index.Entry) int {
	if c := cmp.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	switch {
	case a.SameSlot(&b):
		return 0
	case a.Newer(&b):
		return -1
	}
	return 1
}
