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
	var b body
	if in.Encrypt {
		b, err = s.writeEncrypted(ctx, pl, in.Body)
	} else {
		b, err = s.writeBody(ctx, pl, in.Body, true)
	}
	failed := true // a failed write reports its blocks orphaned (gc_cluster.go)
	defer func() { s.endWrite(b.pinned, &failed) }()
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
	etag := hex.EncodeToString(b.md5)
	p := pl.l.ObjectPartition(in.Bucket, in.Key)
	node, err := s.replicaSlot(ctx, pl, p, in.Bucket, in.Key, in.Origin, etag, in.Versioning == VersioningEnabled)
	if err != nil {
		return ObjectInfo{}, err
	}
	rec := index.Record{
		Bucket: in.Bucket,
		Key:    in.Key,
		HLC:    uint64(s.writeTime(in.Origin)),
		Node:   node,
		Size:   b.size,
		ETag:   etag,
		Meta:   encodeObjectMeta(objectMeta{Headers: in.Headers, UserMeta: in.UserMeta, Checksum: sum, Tags: in.Tags, Lock: in.Lock, Origin: in.Origin, SSE: b.sse}),
		Inline: b.inline,
		Blocks: b.blocks,
		// Versioned: a new version; otherwise the null version, superseding the
		// key's older null version (and only it).
		Versioned: in.Versioning == VersioningEnabled,
	}
	if err := s.commit(ctx, pl, p, &rec, in.Cond); err != nil {
		return ObjectInfo{}, err
	}
	failed = false
	return infoFromRecord(&rec)
}
