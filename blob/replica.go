package blob

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
)

// Replica is one owner node's copy of the blocks and partitions it owns, as the object
// layer reaches it: in process for the local node (Store.Local), over RPC for others.
// The object layer fans each operation out to a partition's owners and waits for a
// quorum, so a Replica does one node's part only.
//
// Errors keep their sentinels across the boundary: index.ErrNotFound for a missing
// record, upload or part; block.ErrNotFound and block.ErrCorrupt for blocks. An RPC
// implementation must map them back on the client side.
type Replica interface {
	// PutBlock stores a block durably; hash is the SHA-256 of data.
	PutBlock(ctx context.Context, hash [32]byte, data []byte) error
	// GetBlock returns a block's bytes, checked against hash (an RPC client checks
	// them again on receipt). A copy that fails the check is quarantined so a later
	// PutBlock repairs it.
	GetBlock(ctx context.Context, hash [32]byte) ([]byte, error)
	// PutRecord stores a version record by last write wins.
	PutRecord(ctx context.Context, p int, r index.Record) error
	// GetRecord returns the newest record of a key, tombstones included.
	GetRecord(ctx context.Context, p int, bucket, key string) (index.Record, error)
	// ListRecords returns, for each partition in ps (in that order), a batch of the
	// newest record per key, tombstones included: one call per node and listing round,
	// however many of its partitions the round needs.
	ListRecords(ctx context.Context, ps []int, q index.ListQuery) ([]index.EntryBatch, error)
	// PutUpload stores a new multipart upload.
	PutUpload(ctx context.Context, p int, u index.Upload) error
	// GetUpload returns an upload in progress.
	GetUpload(ctx context.Context, p int, bucket, key, id string) (index.Upload, error)
	// DeleteUpload removes an upload and its parts.
	DeleteUpload(ctx context.Context, p int, bucket, key, id string) error
	// ListUploads returns, for each partition in ps (in that order), a batch of
	// uploads in progress.
	ListUploads(ctx context.Context, ps []int, q index.ListQuery) ([]index.UploadBatch, error)
	// PutPart stores a part of an existing upload (index.ErrNotFound if it is gone).
	PutPart(ctx context.Context, p int, pt index.Part) error
	// ListParts returns the parts of an upload numbered above after.
	ListParts(ctx context.Context, p int, bucket, key, id string, after, limit int) ([]index.Part, bool, error)
	// DropBucket forgets every record of a bucket in every partition the node holds.
	DropBucket(ctx context.Context, bucket string) error
}

// localReplica is the in-process Replica of this node.
type localReplica struct {
	blocks *block.Store
	idx    *index.Index
	log    *slog.Logger
}

var _ Replica = (*localReplica)(nil)

func (r *localReplica) PutBlock(ctx context.Context, hash [32]byte, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return r.blocks.Put(hash, data)
}

func (r *localReplica) GetBlock(ctx context.Context, hash [32]byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := r.blocks.Get(hash)
	if errors.Is(err, block.ErrCorrupt) {
		r.log.Error("block failed its hash check; quarantined", "block", hexHash(hash))
		if qerr := r.blocks.Quarantine(hash); qerr != nil {
			r.log.Error("quarantine failed", "block", hexHash(hash), "error", qerr)
		}
	}
	return data, err
}

func (r *localReplica) PutRecord(ctx context.Context, p int, rec index.Record) error {
	_, err := r.idx.PutRecord(ctx, p, rec)
	return err
}

func (r *localReplica) GetRecord(ctx context.Context, p int, bucket, key string) (index.Record, error) {
	return r.idx.GetRecord(ctx, p, bucket, key)
}

func (r *localReplica) ListRecords(ctx context.Context, ps []int, q index.ListQuery) ([]index.EntryBatch, error) {
	return r.idx.List(ctx, ps, q)
}

func (r *localReplica) PutUpload(ctx context.Context, p int, u index.Upload) error {
	return r.idx.PutUpload(ctx, p, u)
}

func (r *localReplica) GetUpload(ctx context.Context, p int, bucket, key, id string) (index.Upload, error) {
	return r.idx.GetUpload(ctx, p, bucket, key, id)
}

func (r *localReplica) DeleteUpload(ctx context.Context, p int, bucket, key, id string) error {
	return r.idx.DeleteUpload(ctx, p, bucket, key, id)
}

func (r *localReplica) ListUploads(ctx context.Context, ps []int, q index.ListQuery) ([]index.UploadBatch, error) {
	return r.idx.ListUploads(ctx, ps, q)
}

func (r *localReplica) PutPart(ctx context.Context, p int, pt index.Part) error {
	_, err := r.idx.PutPart(ctx, p, pt)
	return err
}

func (r *localReplica) ListParts(ctx context.Context, p int, bucket, key, id string, after, limit int) ([]index.Part, bool, error) {
	return r.idx.ListParts(ctx, p, bucket, key, id, after, limit)
}

func (r *localReplica) DropBucket(ctx context.Context, bucket string) error {
	_, err := r.idx.DropBucket(ctx, bucket)
	return err
}
