package blob

import (
	"context"
	"fmt"

	"github.com/cairnstore/cairn/blob/index"
)

// CopyObject writes a new object that shares the source's blocks: no byte is copied,
// only a new record is written, with a new HLC timestamp. The copy keeps the source's
// size, ETag and part list, and takes Headers, UserMeta and Checksum from in.
func (s *Store) CopyObject(ctx context.Context, in CopyInput) (ObjectInfo, error) {
	if err := s.enter(); err != nil {
		return ObjectInfo{}, err
	}
	defer s.leave()
	if in.Src == nil || in.Src.s == nil {
		return ObjectInfo{}, fmt.Errorf("%w: no opened source object", ErrInvalidArgument)
	}
	if err := checkNames(in.Bucket, in.Key); err != nil {
		return ObjectInfo{}, err
	}
	src := in.Src
	// The source's record may be replaced at any moment; its blocks are pinned until
	// the copy's record, which references them too, is committed.
	hashes := refHashes(src.blocks)
	s.pins.pin(hashes...)
	defer s.pins.unpin(hashes...)
	var parts []byte
	if len(src.Info.Parts) > 0 {
		parts = mustJSON(src.Info.Parts)
	}
	rec := index.Record{
		Bucket: in.Bucket,
		Key:    in.Key,
		HLC:    uint64(s.cfg.Clock.Now()),
		Node:   s.cfg.NodeID,
		Size:   src.Info.Size,
		ETag:   src.Info.ETag,
		Meta:   encodeObjectMeta(objectMeta{Headers: in.Headers, UserMeta: in.UserMeta, Checksum: in.Checksum}),
		Parts:  parts,
		Inline: src.inline,
		Blocks: src.blocks,
	}
	pl, err := s.placement()
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := s.putRecord(ctx, pl, pl.l.ObjectPartition(in.Bucket, in.Key), rec); err != nil {
		return ObjectInfo{}, err
	}
	return infoFromRecord(&rec)
}

// DeleteObject removes bucket/key (writing a tombstone). Deleting a missing key is not
// an error.
//
// The tombstone, newer than any version it replaces, makes owners drop older records
// as it reaches them, so a later quorum read cannot bring the object back. It is kept
// for TombstoneGrace.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if err := checkNames(bucket, key); err != nil {
		return err
	}
	pl, err := s.placement()
	if err != nil {
		return err
	}
	return s.putRecord(ctx, pl, pl.l.ObjectPartition(bucket, key), index.Record{
		Bucket:    bucket,
		Key:       key,
		HLC:       uint64(s.cfg.Clock.Now()),
		Node:      s.cfg.NodeID,
		Tombstone: true,
	})
}

func refHashes(refs []index.BlockRef) [][32]byte {
	out := make([][32]byte, len(refs))
	for i, r := range refs {
		out[i] = r.Hash
	}
	return out
}
