package blob

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/blob/index"
)

// maxPartNumber is the largest part number S3 allows.
const maxPartNumber = 10000

// newUploadID returns a random, URL-safe upload id: 24 random bytes in base64url (32
// characters).
func newUploadID() string {
	var b [24]byte
	rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateUpload starts a multipart upload and returns its id. The upload record lives
// in the object's partition. With a checksum algorithm and no type, the type is
// COMPOSITE.
func (s *Store) CreateUpload(ctx context.Context, in CreateUploadInput) (Upload, error) {
	if err := s.enter(); err != nil {
		return Upload{}, err
	}
	defer s.leave()
	if err := checkNames(in.Bucket, in.Key); err != nil {
		return Upload{}, err
	}
	if in.Encrypt && s.sse == nil {
		return Upload{}, ErrNoEncryptionKey
	}
	typ := in.ChecksumType
	switch {
	case in.ChecksumAlgorithm == "":
		typ = ""
	case typ == "":
		typ = checksum.Composite
	}
	u := index.Upload{
		Bucket:    in.Bucket,
		Key:       in.Key,
		ID:        newUploadID(),
		Initiated: uint64(s.cfg.Clock.Now()),
		Meta: mustJSON(uploadMeta{
			Headers: in.Headers, UserMeta: in.UserMeta,
			ChecksumAlgorithm: in.ChecksumAlgorithm, ChecksumType: typ, Tags: in.Tags, Lock: in.Lock,
			Encrypt: in.Encrypt,
		}),
	}
	pl, err := s.placement()
	if err != nil {
		return Upload{}, err
	}
	p := pl.l.ObjectPartition(in.Bucket, in.Key)
	err = writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutUpload(ctx, pl.version(), p, u)
	}, nil)
	if err != nil {
		return Upload{}, err
	}
	return uploadFromIndex(&u)
}

// GetUpload returns an upload in progress; ErrNoSuchUpload if it does not exist or
// belongs to another bucket or key.
func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (Upload, error) {
	if err := s.enter(); err != nil {
		return Upload{}, err
	}
	defer s.leave()
	pl, err := s.placement()
	if err != nil {
		return Upload{}, err
	}
	u, err := s.getUpload(ctx, pl, bucket, key, uploadID)
	if err != nil {
		return Upload{}, err
	}
	return uploadFromIndex(&u)
}

// getUpload reads an upload from a read quorum of its partition's owners in every
// layout version in flight. Upload records never change but to end, so any owner that
// has it is enough, unless another has its tombstone: then the upload has ended
// (ErrNoSuchUpload).
func (s *Store) getUpload(ctx context.Context, pl placement, bucket, key, uploadID string) (index.Upload, error) {
	if err := checkNames(bucket, key); err != nil {
		return index.Upload{}, err
	}
	if uploadID == "" {
		return index.Upload{}, ErrNoSuchUpload
	}
	p := pl.l.ObjectPartition(bucket, key)
	type got struct {
		u     index.Upload
		found bool
	}
	answers, err := readQuorum(ctx, s.cfg.RPCTimeout, s.readSet(pl, p), func(ctx context.Context, rep Replica) (got, error) {
		u, err := rep.GetUpload(ctx, p, bucket, key, uploadID)
		if errors.Is(err, index.ErrNotFound) || errors.Is(err, index.ErrInvalidKey) {
			return got{}, nil
		}
		return got{u, err == nil}, err
	})
	if err != nil {
		return index.Upload{}, err
	}
	var live *index.Upload
	for i, a := range answers {
		if !a.val.found {
			continue
		}
		if a.val.u.Deleted != 0 {
			return index.Upload{}, ErrNoSuchUpload
		}
		live = &answers[i].val.u
	}
	if live == nil {
		return index.Upload{}, ErrNoSuchUpload
	}
	return *live, nil
}

// UploadPart stores one part of an upload. Uploading a part number again replaces it.
// The part's bytes go to blocks as PutObject's do (never inline, so that completion
// can concatenate block lists); Seal runs after the body's end and before the part
// record is written.
func (s *Store) UploadPart(ctx context.Context, in UploadPartInput) (PartInfo, error) {
	if err := s.enter(); err != nil {
		return PartInfo{}, err
	}
	defer s.leave()
	if in.PartNumber < 1 || in.PartNumber > maxPartNumber {
		return PartInfo{}, fmt.Errorf("%w: part number %d is not within 1..%d", ErrInvalidArgument, in.PartNumber, maxPartNumber)
	}
	pl, err := s.placement()
	if err != nil {
		return PartInfo{}, err
	}
	u, err := s.getUpload(ctx, pl, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return PartInfo{}, err
	}
	um, err := uploadFromIndex(&u)
	if err != nil {
		return PartInfo{}, err
	}
	var b body
	if um.Encrypted {
		b, err = s.writeEncrypted(ctx, pl, in.Body) // under a data key of its own
	} else {
		b, err = s.writeBody(ctx, pl, in.Body, false)
	}
	failed := true // a failed write reports its blocks orphaned (gc_cluster.go)
	defer func() { s.endWrite(b.pinned, &failed) }()
	if err != nil {
		return PartInfo{}, err
	}
	var sum checksum.Checksum
	if in.Seal != nil {
		if sum, err = in.Seal(b.md5, b.size); err != nil {
			return PartInfo{}, err
		}
	}
	if err := ctx.Err(); err != nil {
		return PartInfo{}, err
	}
	pt := index.Part{
		Bucket:   in.Bucket,
		Key:      in.Key,
		UploadID: in.UploadID,
		Number:   in.PartNumber,
		HLC:      uint64(s.cfg.Clock.Now()),
		Size:     b.size,
		ETag:     hex.EncodeToString(b.md5),
		Meta:     mustJSON(partMeta{Checksum: sum, Sealed: b.sse}),
		Blocks:   b.blocks,
	}
	p := pl.l.ObjectPartition(in.Bucket, in.Key)
	// The upload goes along: an owner that missed its creation (it was down, or it
	// became an owner in a newer layout) stores it with the part.
	err = writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutPart(ctx, pl.version(), p, u, pt)
	}, nil)
	if err != nil {
		if errors.Is(err, index.ErrNotFound) {
			return PartInfo{}, ErrNoSuchUpload // aborted or completed meanwhile
		}
		return PartInfo{}, err
	}
	failed = false
	return partFromIndex(&pt)
}

// AbortUpload discards an upload and its parts. Their blocks become garbage.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	pl, err := s.placement()
	if err != nil {
		return err
	}
	u, err := s.getUpload(ctx, pl, bucket, key, uploadID)
	if err != nil {
		return err
	}
	return s.deleteUpload(ctx, pl, u)
}

// deleteUpload ends an upload: it writes the upload's tombstone, which drops its parts,
// to a write quorum of owners. The tombstone keeps an owner that missed the end from
// bringing the upload back through anti-entropy; it is collected like a delete's.
func (s *Store) deleteUpload(ctx context.Context, pl placement, u index.Upload) error {
	p := pl.l.ObjectPartition(u.Bucket, u.Key)
	u.Meta, u.Deleted = nil, uint64(s.cfg.Clock.Now())
	return writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutUpload(ctx, pl.version(), p, u)
	}, nil)
}

// ListParts returns the parts of an upload with numbers above after, at most limit
// (1..1000; 0 means 1000).
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, after, limit int) (ListPartsResult, error) {
	if err := s.enter(); err != nil {
		return ListPartsResult{}, err
	}
	defer s.leave()
	pl, err := s.placement()
	if err != nil {
		return ListPartsResult{}, err
	}
	iu, err := s.getUpload(ctx, pl, bucket, key, uploadID)
	if err != nil {
		return ListPartsResult{}, err
	}
	up, err := uploadFromIndex(&iu)
	if err != nil {
		return ListPartsResult{}, err
	}
	parts, more, err := s.listParts(ctx, pl, bucket, key, uploadID, max(after, 0), listLimit(limit))
	if err != nil {
		return ListPartsResult{}, err
	}
	res := ListPartsResult{Upload: up, IsTruncated: more}
	for i := range parts {
		pi, err := partFromIndex(&parts[i])
		if err != nil {
			return ListPartsResult{}, err
		}
		res.Parts = append(res.Parts, pi)
		res.NextPartNumberMarker = pi.PartNumber
	}
	return res, nil
}

// listParts reads parts from a read quorum of owners in every layout version in
// flight, newest per number; limit 0 means all.
func (s *Store) listParts(ctx context.Context, pl placement, bucket, key, uploadID string, after, limit int) ([]index.Part, bool, error) {
	p := pl.l.ObjectPartition(bucket, key)
	type page struct {
		parts []index.Part
		more  bool
	}
	pages, err := readQuorum(ctx, s.cfg.RPCTimeout, s.readSet(pl, p), func(ctx context.Context, rep Replica) (page, error) {
		parts, more, err := rep.ListParts(ctx, p, bucket, key, uploadID, after, limit)
		return page{parts, more}, err
	})
	if err != nil {
		return nil, false, err
	}
	all := make([][]index.Part, len(pages))
	mores := make([]bool, len(pages))
	for i, pg := range pages {
		all[i], mores[i] = pg.val.parts, pg.val.more
	}
	parts, more := mergeOwnerPages(all, mores,
		func(a, b index.Part) int { return a.Number - b.Number },
		func(a, b index.Part) index.Part {
			if b.HLC > a.HLC {
				return b
			}
			return a
		})
	return parts, more, nil
}
