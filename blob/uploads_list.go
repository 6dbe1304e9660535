package blob

import (
	"cmp"
	"context"

	"github.com/cairnstore/cairn/blob/index"
)

// ListUploads returns one page of the uploads in progress in a bucket, ordered by key
// and then initiation time. It resumes after KeyMarker: with UploadIDMarker, after that
// upload of KeyMarker; without, after every upload of KeyMarker (and, if KeyMarker is
// a common prefix, after every key under it). Keys containing Delimiter after Prefix
// roll up into common prefixes, each counting toward Limit (1..1000; 0 means 1000).
func (s *Store) ListUploads(ctx context.Context, in ListUploadsInput) (ListUploadsResult, error) {
	if err := s.enter(); err != nil {
		return ListUploadsResult{}, err
	}
	defer s.leave()
	if err := checkBucket(in.Bucket); err != nil {
		return ListUploadsResult{}, err
	}
	limit := listLimit(in.Limit)
	start := startPosition(in.KeyMarker, in.Prefix, in.Delimiter)
	if in.KeyMarker != "" && in.UploadIDMarker != "" {
		start = index.Position{After: in.KeyMarker, UploadID: in.UploadIDMarker}
	}
	pl, err := s.placement()
	if err != nil {
		return ListUploadsResult{}, err
	}
	m, err := newMerger(ctx, pl.l.Partitions, start, firstBatch(limit, pl.l.Partitions),
		s.fetchUploads(pl, in.Bucket, in.Prefix),
		func(u index.Upload) string { return u.Key },
		func(u index.Upload) index.Position { return index.Position{After: u.Key, UploadID: u.ID} })
	if err != nil {
		return ListUploadsResult{}, err
	}
	var res ListUploadsResult
	count := 0
	for {
		iu, ok, err := m.peek(ctx)
		if err != nil {
			return ListUploadsResult{}, err
		}
		if !ok {
			break
		}
		if count == limit && iu.Deleted == 0 {
			res.IsTruncated = true
			break
		}
		m.pop()
		if iu.Deleted != 0 {
			continue // ended: its tombstone only hides it on owners that missed the end
		}
		if cp := commonPrefix(iu.Key, in.Prefix, in.Delimiter); cp != "" {
			res.CommonPrefixes = append(res.CommonPrefixes, cp)
			res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
			count++
			m.skipUnder(cp)
			continue
		}
		u, err := uploadFromIndex(&iu)
		if err != nil {
			return ListUploadsResult{}, err
		}
		res.Uploads = append(res.Uploads, u)
		res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.UploadID
		count++
	}
	return res, nil
}

// fetchUploads returns the fetchFunc of an upload listing: batches from a read quorum
// of each partition's owners, merged, tombstones winning (and left in, for the caller
// to skip).
func (s *Store) fetchUploads(pl placement, bucket, prefix string) fetchFunc[index.Upload] {
	return func(ctx context.Context, ps []int, pos index.Position, limit int) ([]batch[index.Upload], error) {
		q := index.ListQuery{Bucket: bucket, Prefix: prefix, Pos: pos, Limit: limit}
		answers, err := listQuorum(ctx, s, pl, ps, func(ctx context.Context, rep Replica, ps []int) ([]index.UploadBatch, error) {
			return rep.ListUploads(ctx, ps, q)
		})
		if err != nil {
			return nil, err
		}
		out := make([]batch[index.Upload], len(ps))
		for i, as := range answers {
			uploads := make([][]index.Upload, len(as))
			mores := make([]bool, len(as))
			for j, a := range as {
				uploads[j], mores[j] = a.Uploads, a.More
			}
			out[i].entries, out[i].more = mergeOwnerPages(uploads, mores,
				func(a, b index.Upload) int {
					return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Initiated, b.Initiated), cmp.Compare(a.ID, b.ID))
				},
				func(a, b index.Upload) index.Upload {
					if b.Deleted != 0 {
						return b // the tombstone wins
					}
					return a
				})
		}
		return out, nil
	}
}
