// Package blob is the object layer: it stores object bytes as content-addressed blocks
// and object versions as records in the version index, on each partition's owners,
// by quorum. It knows nothing of HTTP or S3 XML.
package blob

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

var errTODO = errors.New("blob: not implemented yet")

// Config configures a Store.
type Config struct {
	// NodeID identifies this node in version records (the HLC tie breaker). Required.
	NodeID string
	// Dir holds the block files and the version index. Required.
	Dir string
	// BlockSize is the largest block, in bytes. Default 1 MiB. Larger blocks mean fewer
	// files and fsyncs; smaller ones mean finer deduplication and striping.
	BlockSize int
	// InlineLimit is the largest object, in bytes, kept inside its version record
	// instead of in blocks. Default 16 KiB.
	InlineLimit int
	// MinPartSize is the smallest part other than the last that a multipart upload may
	// complete with. Default 5 MiB, as in S3.
	MinPartSize int64
	Logger      *slog.Logger
}

// DefaultConfig returns the defaults for everything but NodeID and Dir.
func DefaultConfig() Config {
	return Config{BlockSize: 1 << 20, InlineLimit: 16 << 10, MinPartSize: 5 << 20}
}

// Store is the object layer of one node.
type Store struct{}

// Open opens (creating if needed) the stores under cfg.Dir.
func Open(cfg Config) (*Store, error) { return nil, errTODO }

// Close stops background work and closes the local stores.
func (s *Store) Close() error { return errTODO }

// Object is an opened object version whose bytes can be read. Its blocks stay readable
// for as long as the garbage collector's grace period, however the key changes.
type Object struct {
	Info ObjectInfo
}

// NewReader returns the bytes [off, off+length) of o. length -1 reads to the end.
// Every block read is checked against its hash.
func (o *Object) NewReader(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	return nil, errTODO
}

// PutObject stores an object and acknowledges it only once its blocks and record are
// durable on a write quorum of owners.
func (s *Store) PutObject(ctx context.Context, in PutInput) (ObjectInfo, error) {
	return ObjectInfo{}, errTODO
}

// OpenObject returns the newest version of bucket/key; ErrNoSuchKey if there is none
// or it is a delete marker.
func (s *Store) OpenObject(ctx context.Context, bucket, key string) (*Object, error) {
	return nil, errTODO
}

// CopyObject writes a new object that shares the source's blocks.
func (s *Store) CopyObject(ctx context.Context, in CopyInput) (ObjectInfo, error) {
	return ObjectInfo{}, errTODO
}

// DeleteObject removes bucket/key (writing a tombstone). Deleting a missing key is not
// an error.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) error { return errTODO }

// ListObjects returns one page of the newest live versions in a bucket.
func (s *Store) ListObjects(ctx context.Context, in ListInput) (ListResult, error) {
	return ListResult{}, errTODO
}

// BucketEmpty reports whether a bucket holds no live object.
func (s *Store) BucketEmpty(ctx context.Context, bucket string) (bool, error) {
	return false, errTODO
}

// DropBucket forgets what is left of a deleted bucket: tombstones and uploads in progress.
func (s *Store) DropBucket(ctx context.Context, bucket string) error { return errTODO }

// CreateUpload starts a multipart upload and returns its id.
func (s *Store) CreateUpload(ctx context.Context, in CreateUploadInput) (Upload, error) {
	return Upload{}, errTODO
}

// UploadPart stores one part of an upload.
func (s *Store) UploadPart(ctx context.Context, in UploadPartInput) (PartInfo, error) {
	return PartInfo{}, errTODO
}

// GetUpload returns an upload in progress; ErrNoSuchUpload if it does not exist or
// belongs to another bucket or key.
func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (Upload, error) {
	return Upload{}, errTODO
}

// CompleteUpload assembles the listed parts into an object without copying their bytes.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart) (ObjectInfo, error) {
	return ObjectInfo{}, errTODO
}

// AbortUpload discards an upload and its parts.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	return errTODO
}

// ListParts returns the parts of an upload with numbers above after, at most limit.
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, after, limit int) (ListPartsResult, error) {
	return ListPartsResult{}, errTODO
}

// ListUploads returns one page of the uploads in progress in a bucket.
func (s *Store) ListUploads(ctx context.Context, in ListUploadsInput) (ListUploadsResult, error) {
	return ListUploadsResult{}, errTODO
}
