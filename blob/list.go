package blob

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// maxListLimit is the most entries one page holds, as in S3.
const maxListLimit = 1000

// listLimit clamps a requested page size to 1..1000 (0 means 1000).
func listLimit(n int) int {
	if n <= 0 || n > maxListLimit {
		return maxListLimit
	}
	return n
}

// firstBatch is how many entries each partition is first asked for: a little more
// than its share of a page, so that most partitions need no second round and little
// is read for nothing. (Partitions hold keys by hash, so shares are even.)
func firstBatch(limit, partitions int) int {
	return min(max(limit/partitions+limit/partitions/2+2, 4), maxBatch)
}

// commonPrefix returns the common prefix key rolls up into under prefix and delimiter,
// or "" if it is listed as itself.
func commonPrefix(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
		return key[:len(prefix)+i+len(delimiter)]
	}
	return ""
}

// startPosition is where a listing resumes after marker: past the whole common prefix
// if marker is one.
func startPosition(marker, prefix, delimiter string) index.Position {
	if marker == "" {
		return index.Position{}
	}
	under := delimiter != "" && strings.HasPrefix(marker, prefix) && strings.HasSuffix(marker, delimiter) &&
		len(marker) >= len(prefix)+len(delimiter)
	return index.Position{After: marker, Under: under}
}

// ListObjects returns one page of the newest live versions in a bucket.
//
// Every partition is read from a read quorum of its owners (ErrNoQuorum if one has
// too few answering: a page is never silently short), their answers merged by last
// write wins, tombstones dropped, and the partitions merged in key order. Keys that
// contain Delimiter after Prefix roll up into common prefixes, listed once each only
// if they hold a live key, and each counting toward Limit.
func (s *Store) ListObjects(ctx context.Context, in ListInput) (ListResult, error) {
	if err := s.enter(); err != nil {
		return ListResult{}, err
	}
	defer s.leave()
	if err := checkBucket(in.Bucket); err != nil {
		return ListResult{}, err
	}
	limit := listLimit(in.Limit)
	pl, err := s.placement()
	if err != nil {
		return ListResult{}, err
	}
	m, err := newMerger(ctx, pl.l.Partitions, startPosition(in.After, in.Prefix, in.Delimiter),
		firstBatch(limit, pl.l.Partitions), s.fetchRecords(pl, in.Bucket, in.Prefix),
		func(r keyRun) string { return r.Key },
		func(r keyRun) index.Position { return index.Position{After: r.Key} })
	if err != nil {
		return ListResult{}, err
	}
	var res ListResult
	count := 0
	for {
		r, ok, err := m.peek(ctx)
		if err != nil {
			return ListResult{}, err
		}
		if !ok {
			break
		}
		e, visible := r.current()
		if count == limit && visible {
			res.IsTruncated = true
			break
		}
		m.pop()
		if !visible {
			continue
		}
		if cp := commonPrefix(e.Key, in.Prefix, in.Delimiter); cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextAfter = cp
			count++
			m.skipUnder(cp)
			continue
		}
		info, err := infoFromEntry(in.Bucket, &e)
		if err != nil {
			return ListResult{}, err
		}
		res.Objects = append(res.Objects, info)
		res.NextAfter = e.Key
		count++
	}
	return res, nil
}

// keyRun is what the owners of a key's partition listed of it: per owner, its records
// newest first down to the first that is not a tombstone, all together.
type keyRun struct {
	Key     string
	Entries []index.Entry
}

// current returns the key's current version, and false if it has none or it is a
// delete marker (the key is not listed).
func (r *keyRun) current() (index.Entry, bool) {
	live := liveVersions(mergeSlots(r.Entries))
	if len(live) == 0 || live[0].DeleteMarker {
		return index.Entry{}, false
	}
	return live[0], true
}

// runs groups a batch of entries, in key order, into one run per key.
func runs(entries []index.Entry) []keyRun {
	var out []keyRun
	for _, e := range entries {
		if n := len(out); n > 0 && out[n-1].Key == e.Key {
			out[n-1].Entries = append(out[n-1].Entries, e)
			continue
		}
		out = append(out, keyRun{Key: e.Key, Entries: []index.Entry{e}})
	}
	return out
}

// fetchRecords returns the fetchFunc of a bucket listing: batches of key runs from a
// read quorum of each partition's owners, united key by key.
func (s *Store) fetchRecords(pl placement, bucket, prefix string) fetchFunc[keyRun] {
	return func(ctx context.Context, ps []int, pos index.Position, limit int) ([]batch[keyRun], error) {
		q := index.ListQuery{Bucket: bucket, Prefix: prefix, Pos: pos, Limit: limit}
		answers, err := listQuorum(ctx, s, pl, ps, func(ctx context.Context, rep Replica, ps []int) ([]index.EntryBatch, error) {
			return rep.ListRecords(ctx, ps, q)
		})
		if err != nil {
			return nil, err
		}
		out := make([]batch[keyRun], len(ps))
		for i, as := range answers {
			pages := make([][]keyRun, len(as))
			mores := make([]bool, len(as))
			for j, a := range as {
				pages[j], mores[j] = runs(a.Entries), a.More
			}
			out[i].entries, out[i].more = mergeOwnerPages(pages, mores,
				func(a, b keyRun) int { return cmp.Compare(a.Key, b.Key) },
				func(a, b keyRun) keyRun {
					return keyRun{Key: a.Key, Entries: append(append([]index.Entry(nil), a.Entries...), b.Entries...)}
				})
		}
		return out, nil
	}
}

// BucketEmpty reports whether a bucket holds no version and no delete marker (S3
// refuses to delete a bucket that holds either).
func (s *Store) BucketEmpty(ctx context.Context, bucket string) (bool, error) {
	res, err := s.ListObjectVersions(ctx, ListVersionsInput{Bucket: bucket, Limit: 1})
	if err != nil {
		return false, err
	}
	return len(res.Versions) == 0 && len(res.CommonPrefixes) == 0, nil
}

// DropBucket forgets what is left of a deleted bucket: tombstones and uploads in
// progress (and any record a racing write left). It asks every node of every layout
// version in flight and succeeds if every partition had a read quorum of its owners in
// every version drop it (which, as for reads, meets every write quorum). The blocks
// become garbage.
func (s *Store) DropBucket(ctx context.Context, bucket string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := checkBucket(bucket); err != nil {
		return err
	}
	pl, err := s.placement()
	if err != nil {
		return err
	}
	var nodes []layout.NodeID
	seen := map[layout.NodeID]bool{}
	for _, l := range pl.versions {
		for _, n := range l.Nodes {
			if !seen[n.ID] {
				seen[n.ID] = true
				nodes = append(nodes, n.ID)
			}
		}
	}
	results := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, id := range nodes {
		o := s.resolve(id)
		if o.err != nil {
			results[i] = o.err
			continue
		}
		wg.Go(func() {
			_, results[i] = bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, o.rep.DropBucket(ctx, bucket)
			})
		})
	}
	wg.Wait()
	ok := map[layout.NodeID]bool{}
	var errs []error
	for i, id := range nodes {
		if results[i] == nil {
			ok[id] = true
		} else {
			errs = append(errs, fmt.Errorf("node %s: %w", id, results[i]))
		}
	}
	for p := range pl.l.Partitions {
		rs := s.readSet(pl, p)
		t := newTally(&rs)
		for i, o := range rs.nodes {
			t.add(i, ok[o.id])
		}
		if !t.satisfied() {
			return quorumErr(ctx, t.okCount(), t.needCount(), errs)
		}
	}
	return nil
}
