package blob

import (
	"context"
	"fmt"

	"github.com/cairnstore/cairn/blob/index"
)

// CopyObject writes a new object that shares the source's blocks: no byte is copied,
// only a new record is written, with a new HLC timestamp. The copy keeps the source's
// size, ETag and part list, and takes Headers, UserMeta and Checksum from in. The
// copy of an encrypted source shares its ciphertext and data keys too; only a
// plaintext source copied with in.Encrypt is read and written again, encrypted.
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
	pl, err := s.placement()
	if err != nil {
		return ObjectInfo{}, err
	}
	data := body{inline: src.inline, blocks: src.blocks, sse: src.sealed}
	// A failed write reports the blocks it wrote orphaned (gc_cluster.go); data.pinned
	// is empty but for a copy that writes its bytes again.
	failed := true
	defer func() { s.endWrite(data.pinned, &failed) }()
	if in.Encrypt && src.sealed == nil {
		// A plaintext source into an encrypted copy: its bytes are written again.
		if data, err = s.reencrypt(ctx, pl, src); err != nil {
			return ObjectInfo{}, err
		}
	} else {
		// The source's record may be replaced at any moment; its blocks are pinned
		// until the copy's record, which references them too, is committed.
		hashes := refHashes(src.blocks)
		s.pins.pin(hashes...)
		defer s.pins.unpin(hashes...)
		// A copy must not reference data that cannot be read: each shared block is
		// read and checked (and a bad copy repaired) before the record is written.
		// The inline bytes were checked when the source was opened.
		if err := s.checkBlocks(ctx, pl, src.blocks); err != nil {
			return ObjectInfo{}, err
		}
	}
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
		Meta:   encodeObjectMeta(objectMeta{Headers: in.Headers, UserMeta: in.UserMeta, Checksum: in.Checksum, Tags: in.Tags, Lock: in.Lock, SSE: data.sse}),
		Parts:  parts,
		Inline: data.inline,
		Blocks: data.blocks,

		Versioned: in.Versioning == VersioningEnabled,
	}
	if err := s.commit(ctx, pl, pl.l.ObjectPartition(in.Bucket, in.Key), &rec, in.Cond); err != nil {
		return ObjectInfo{}, err
	}
	failed = false
	return infoFromRecord(&rec)
}

// DeleteObject removes bucket/key from an unversioned bucket: a null tombstone, newer
// than the null version it supersedes, which owners drop as it reaches them. Deleting
// a missing key is not an error. See Delete for versioned buckets.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := s.Delete(ctx, DeleteInput{Bucket: bucket, Key: key})
	return err
}

func refHashes(refs []index.BlockRef) [][32]byte {
	out := make([][32]byte, len(refs))
	for i, r := range refs {
		out[i] = r.Hash
	}
	return out
}

// checkBlocks reads every block of refs from its owners, checking each against its
// checksum, and returns the first that has no good copy.
func (s *Store) checkBlocks(ctx context.Context, pl placement, refs []index.BlockRef) error {
	buf := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(buf)
	for _, ref := range refs {
		if _, err := s.readBlock(ctx, pl, ref, *buf); err != nil {
			return err
		}
	}
	return nil
}
