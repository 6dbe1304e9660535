package blob

import (
	"context"
	"encoding/hex"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/blob/index"
)

// PutObject stores an object and acknowledges it only once its blocks and record are
// durable on a write quorum of owners.
//
// The body is streamed into blocks of BlockSize while its MD5 (the ETag) and each
// block's SHA-256 are computed; a body of at most InlineLimit bytes is kept in the
// record instead. Then Seal, if set, runs; then the record is written with a fresh HLC
// timestamp. Any error before that (reading the body, Seal, writing blocks, ctx) is
// returned unchanged or wrapped (errors.Is and errors.As find it), and nothing becomes
// visible.
func (s *Store) PutObject(ctx context.Context, in PutInput) (ObjectInfo, error) {
	if err := s.enter(); err != nil {
		return ObjectInfo{}, err
	}
	defer s.leave()
	if err := checkNames(in.Bucket, in.Key); err != nil {
		return ObjectInfo{}, err
	}
	pl, err := s.placement()
	if err != nil {
		return ObjectInfo{}, err
	}
	b, err := s.writeBody(ctx, pl, in.Body, true)
	defer s.pins.unpin(b.pinned...)
	if err != nil {
		return ObjectInfo{}, err
	}
	var sum checksum.Checksum
	if in.Seal != nil {
		if sum, err = in.Seal(b.md5, b.size); err != nil {
			return ObjectInfo{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	rec := index.Record{
		Bucket: in.Bucket,
		Key:    in.Key,
		HLC:    uint64(s.cfg.Clock.Now()),
		Node:   s.cfg.NodeID,
		Size:   b.size,
		ETag:   hex.EncodeToString(b.md5),
		Meta:   encodeObjectMeta(objectMeta{Headers: in.Headers, UserMeta: in.UserMeta, Checksum: sum}),
		Inline: b.inline,
		Blocks: b.blocks,
	}
	if err := s.putRecord(ctx, pl, pl.l.ObjectPartition(in.Bucket, in.Key), rec); err != nil {
		return ObjectInfo{}, err
	}
	return infoFromRecord(&rec)
}
