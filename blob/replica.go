package blob

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
)

// Replica is one owner node's copy of the blocks and partitions it owns, as the object
// layer reaches it: in process for the local node (Store.Local), over RPC for others
// (NewRemoteReplica). The object layer fans each operation out to a partition's owners
// and waits for a quorum, so a Replica does one node's part only.
//
// Writes carry lv, the layout version the coordinator placed them under; a replica
// that knows a newer version refuses them with ErrStaleLayout (see fence.go). Repair
// and anti-entropy pass 0, which is never refused.
//
// Errors keep their sentinels across the boundary: index.ErrNotFound for a missing
// record, upload or part; index.ErrInvalidKey; block.ErrNotFound and block.ErrCorrupt
// for blocks; index.ErrCorruptInline for a record whose inline bytes fail their check;
// ErrStaleLayout. An RPC implementation maps them back on the client side.
type Replica interface {
	// PutBlock stores a block durably; hash is the SHA-256 of data.
	PutBlock(ctx context.Context, lv uint64, hash [32]byte, data []byte) error
	// GetBlock returns a block's bytes, checked against their checksum (an RPC client
	// checks them again on receipt). A copy that fails the check is quarantined so a
	// later PutBlock repairs it. buf, if not nil, is a buffer the answer may be read
	// into (see Store.blockBuf); the answer then aliases it.
	GetBlock(ctx context.Context, hash [32]byte, buf []byte) ([]byte, error)
	// PutRecord stores a version record by last write wins.
	PutRecord(ctx context.Context, lv uint64, p int, r index.Record) error
	// LeaseCurrent grants the lease on a key to token for ttl (ErrLeaseHeld while
	// another token holds it) and answers, in the same step, as Current does.
	LeaseCurrent(ctx context.Context, lv uint64, p int, bucket, key, token string, ttl time.Duration) ([]index.Record, error)
	// PutRecordLeased stores a record as PutRecord does, only while token holds the
	// lease on its key (else ErrLeaseLost), or while no one holds it, answering
	// ErrStoredUnleased: a copy that does not count towards the write's quorum.
	PutRecordLeased(ctx context.Context, lv uint64, p int, token string, r index.Record) error
	// ReleaseLease ends token's lease on a key, if it holds it.
	ReleaseLease(ctx context.Context, p int, bucket, key, token string) error
	// GetRecord returns the newest record of a key, tombstones included.
	GetRecord(ctx context.Context, p int, bucket, key string) (index.Record, error)
	// Current returns a key's records, whole, newest first, down to the first that is
	// not a tombstone.
	Current(ctx context.Context, p int, bucket, key string) ([]index.Record, error)
	// Versions returns the headers of a key's records, newest first, as q asks.
	Versions(ctx context.Context, p int, bucket, key string, q index.VersionsQuery) ([]index.Entry, error)
	// GetVersion returns the record in one slot of a key, tombstone or not.
	GetVersion(ctx context.Context, p int, bucket, key string, hlc uint64, node string) (index.Record, error)
	// ListRecords returns, for each partition in ps (in that order), a batch of the
	// newest record per key, tombstones included: one call per node and listing round,
	// however many of its partitions the round needs.
	ListRecords(ctx context.Context, ps []int, q index.ListQuery) ([]index.EntryBatch, error)
	// PutUpload stores a new multipart upload, or, with u.Deleted set, the tombstone
	// that ends it (and drops its parts).
	PutUpload(ctx context.Context, lv uint64, p int, u index.Upload) error
	// GetUpload returns an upload in progress or its tombstone.
	GetUpload(ctx context.Context, p int, bucket, key, id string) (index.Upload, error)
	// ListUploads returns, for each partition in ps (in that order), a batch of
	// uploads, tombstones included.
	ListUploads(ctx context.Context, ps []int, q index.ListQuery) ([]index.UploadBatch, error)
	// PutPart stores a part of upload u, storing u first if the replica missed it;
	// index.ErrNotFound if u has ended.
	PutPart(ctx context.Context, lv uint64, p int, u index.Upload, pt index.Part) error
	// ListParts returns the parts of an upload numbered above after.
	ListParts(ctx context.Context, p int, bucket, key, id string, after, limit int) ([]index.Part, bool, error)
	// DropBucket forgets every record of a bucket in every partition the node holds.
	DropBucket(ctx context.Context, bucket string) error

	// Digests returns the digest of the records, uploads and parts of each partition
	// in ps. lv is the newest layout version the caller knows: the replica first
	// raises its fence to it, so the digest covers every write it admitted under an
	// older version (see fence.go).
	Digests(ctx context.Context, lv uint64, ps []int) ([]index.Digest, error)
	// Summary lists what partition p holds.
	Summary(ctx context.Context, p int) (index.Summary, error)
	// Fetch returns the current contents of the items want names in partition p.
	Fetch(ctx context.Context, p int, want index.Summary) (index.Batch, error)
	// Apply stores items from another owner by last write wins.
	Apply(ctx context.Context, p int, b index.Batch) error
	// BlockDigests returns, for each block partition in ps of a layout with
	// partitions partitions, a digest of the block hashes the node holds in it; lv
	// raises the fence as for Digests.
	BlockDigests(ctx context.Context, lv uint64, partitions int, ps []int) ([]index.Digest, error)
	// BlockList returns the hashes of the blocks the node holds in block partition p
	// of a layout with partitions partitions, in ascending order.
	BlockList(ctx context.Context, partitions, p int) ([][32]byte, error)
}

// localReplica is the in-process Replica of this node.
type localReplica struct {
	s      *Store
	blocks *block.Store
	idx    *index.Index
	log    *slog.Logger
}

var _ Replica = (*localReplica)(nil)

// admit runs a write made under layout version lv through the fence.
func (r *localReplica) admit(lv uint64, fn func() error) error {
	if err := r.s.fence.enter(lv); err != nil {
		return err
	}
	defer r.s.fence.leave(lv)
	return fn()
}

func (r *localReplica) PutBlock(ctx context.Context, lv uint64, hash [32]byte, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return r.admit(lv, func() error { return r.s.putLocalBlock(hash, data) })
}

func (r *localReplica) GetBlock(ctx context.Context, hash [32]byte, buf []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := r.blocks.GetInto(hash, buf)
	if errors.Is(err, block.ErrCorrupt) {
		r.quarantine(hash)
	}
	return data, err
}

// quarantine moves a local block copy that failed its check aside, so that a good
// copy can take its place (read repair, anti-entropy).
func (r *localReplica) quarantine(hash [32]byte) {
	r.log.Error("block failed its hash check; quarantined", "block", hexHash(hash))
	if err := r.blocks.Quarantine(hash); err != nil {
		r.log.Error("quarantine failed", "block", hexHash(hash), "error", err)
		return
	}
	r.s.noteBlock(hash, false)
}

func (r *localReplica) PutRecord(ctx context.Context, lv uint64, p int, rec index.Record) error {
	return r.admit(lv, func() error {
		_, err := r.idx.PutRecord(ctx, p, rec)
		return err
	})
}

func (r *localReplica) LeaseCurrent(ctx context.Context, lv uint64, p int, bucket, key, token string, ttl time.Duration) ([]index.Record, error) {
	var recs []index.Record
	err := r.admit(lv, func() error {
		return r.s.leases.grant(leaseKey(p, bucket, key), token, ttl, func() error {
			var err error
			recs, err = r.Current(ctx, p, bucket, key)
			return err
		})
	})
	return recs, err
}

func (r *localReplica) PutRecordLeased(ctx context.Context, lv uint64, p int, token string, rec index.Record) error {
	return r.admit(lv, func() error {
		return r.s.leases.under(leaseKey(p, rec.Bucket, rec.Key), token, true, func() error {
			_, err := r.idx.PutRecord(ctx, p, rec)
			return err
		})
	})
}

func (r *localReplica) ReleaseLease(ctx context.Context, p int, bucket, key, token string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.s.leases.release(leaseKey(p, bucket, key), token)
	return nil
}

func (r *localReplica) GetRecord(ctx context.Context, p int, bucket, key string) (index.Record, error) {
	rec, err := r.idx.GetRecord(ctx, p, bucket, key)
	if errors.Is(err, index.ErrCorruptInline) {
		r.log.Error("inline bytes of a record failed their checksum; reading another owner's copy",
			"partition", p, "bucket", bucket, "key", key, "hlc", rec.HLC)
	}
	return rec, err
}

func (r *localReplica) Current(ctx context.Context, p int, bucket, key string) ([]index.Record, error) {
	recs, err := r.idx.Current(ctx, p, bucket, key)
	if errors.Is(err, index.ErrCorruptInline) {
		r.log.Error("inline bytes of a record failed their checksum; reading another owner's copy",
			"partition", p, "bucket", bucket, "key", key)
	}
	return recs, err
}

func (r *localReplica) Versions(ctx context.Context, p int, bucket, key string, q index.VersionsQuery) ([]index.Entry, error) {
	return r.idx.Versions(ctx, p, bucket, key, q)
}

func (r *localReplica) GetVersion(ctx context.Context, p int, bucket, key string, hlc uint64, node string) (index.Record, error) {
	rec, err := r.idx.GetVersion(ctx, p, bucket, key, hlc, node)
	if errors.Is(err, index.ErrCorruptInline) {
		r.log.Error("inline bytes of a record failed their checksum; reading another owner's copy",
			"partition", p, "bucket", bucket, "key", key, "hlc", rec.HLC)
	}
	return rec, err
}

func (r *localReplica) ListRecords(ctx context.Context, ps []int, q index.ListQuery) ([]index.EntryBatch, error) {
	return r.idx.List(ctx, ps, q)
}

func (r *localReplica) PutUpload(ctx context.Context, lv uint64, p int, u index.Upload) error {
	return r.admit(lv, func() error { return r.idx.PutUpload(ctx, p, u) })
}

func (r *localReplica) GetUpload(ctx context.Context, p int, bucket, key, id string) (index.Upload, error) {
	return r.idx.GetUpload(ctx, p, bucket, key, id)
}

func (r *localReplica) ListUploads(ctx context.Context, ps []int, q index.ListQuery) ([]index.UploadBatch, error) {
	return r.idx.ListUploads(ctx, ps, q)
}

func (r *localReplica) PutPart(ctx context.Context, lv uint64, p int, u index.Upload, pt index.Part) error {
	return r.admit(lv, func() error {
		_, err := r.idx.PutUploadPart(ctx, p, u, pt)
		return err
	})
}

func (r *localReplica) ListParts(ctx context.Context, p int, bucket, key, id string, after, limit int) ([]index.Part, bool, error) {
	return r.idx.ListParts(ctx, p, bucket, key, id, after, limit)
}

func (r *localReplica) DropBucket(ctx context.Context, bucket string) error {
	_, err := r.idx.DropBucket(ctx, bucket)
	return err
}

func (r *localReplica) Digests(ctx context.Context, lv uint64, ps []int) ([]index.Digest, error) {
	if err := r.s.fence.raise(ctx, lv); err != nil {
		return nil, err
	}
	return r.idx.Digests(ctx, ps)
}

func (r *localReplica) Summary(ctx context.Context, p int) (index.Summary, error) {
	return r.idx.Summary(ctx, p)
}

func (r *localReplica) Fetch(ctx context.Context, p int, want index.Summary) (index.Batch, error) {
	return r.idx.Fetch(ctx, p, want)
}

func (r *localReplica) Apply(ctx context.Context, p int, b index.Batch) error {
	_, err := r.idx.Apply(ctx, p, b)
	return err
}

func (r *localReplica) BlockDigests(ctx context.Context, lv uint64, partitions int, ps []int) ([]index.Digest, error) {
	if err := r.s.fence.raise(ctx, lv); err != nil {
		return nil, err
	}
	inv, err := r.s.inventory(ctx, partitions, lv)
	if err != nil {
		return nil, err
	}
	out := make([]index.Digest, len(ps))
	for i, p := range ps {
		out[i] = inv.digest(p)
	}
	return out, nil
}

func (r *localReplica) BlockList(ctx context.Context, partitions, p int) ([][32]byte, error) {
	inv, err := r.s.inventory(ctx, partitions, 0)
	if err != nil {
		return nil, err
	}
	return inv.list(p), nil
}
