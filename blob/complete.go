package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/blob/index"
)

// CompleteUpload assembles the listed parts into an object without copying their bytes.
//
// parts must be in strictly ascending part number order (ErrInvalidPartOrder); each
// must have been uploaded, with the ETag given (quotes ignored) and, if given, the
// checksum given (ErrInvalidPart); each but the last must be at least MinPartSize
// (ErrEntityTooSmall). The object's ETag is the hex MD5 of the parts' binary MD5s
// followed by "-N"; its checksum, if the upload named an algorithm, is the COMPOSITE or
// FULL_OBJECT checksum of the parts' checksums. Its block list is the parts' block
// lists end to end. Once its record is committed the upload and its part records are
// deleted; parts uploaded but not listed become garbage.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart) (ObjectInfo, error) {
	return s.CompleteUploadVersioned(ctx, bucket, key, uploadID, parts, Unversioned)
}

// CompleteUploadVersioned is CompleteUpload in a bucket whose versioning state is v:
// Enabled makes the object a new version, otherwise it replaces the null version.
func (s *Store) CompleteUploadVersioned(ctx context.Context, bucket, key, uploadID string, parts []CompletePart, v Versioning) (ObjectInfo, error) {
	return s.Complete(ctx, CompleteInput{Bucket: bucket, Key: key, UploadID: uploadID, Parts: parts, Versioning: v})
}

// CompleteInput is one CompleteMultipartUpload.
type CompleteInput struct {
	Bucket     string
	Key        string
	UploadID   string
	Parts      []CompletePart
	Versioning Versioning // the bucket's: Enabled makes the object a new version
	// DefaultRetention is the bucket's default retention (Mode and RetainUntil),
	// given to the object if its upload named none.
	DefaultRetention ObjectLock
	// Expected is the whole object's checksum the client sent with the completion
	// (x-amz-checksum-<alg>; a composite value may end in "-<parts>"); when set, a
	// different computed checksum is ErrBadDigest and nothing is committed.
	Expected checksum.Checksum
	// ExpectedSize, when set, is the object size the client expects
	// (x-amz-mp-object-size); a different total is ErrSizeMismatch.
	ExpectedSize *int64
	// Cond, if not nil, makes the completion conditional (If-None-Match, If-Match).
	Cond *Condition
	// Origin is where site sync brought the object from, as PutInput's.
	Origin Origin
}

// Complete is CompleteUpload with every option.
func (s *Store) Complete(ctx context.Context, in CompleteInput) (ObjectInfo, error) {
	bucket, key, uploadID, parts, v := in.Bucket, in.Key, in.UploadID, in.Parts, in.Versioning
	if err := s.enter(); err != nil {
		return ObjectInfo{}, err
	}
	defer s.leave()
	pl, err := s.placement()
	if err != nil {
		return ObjectInfo{}, err
	}
	iu, err := s.getUpload(ctx, pl, bucket, key, uploadID)
	if err != nil {
		return ObjectInfo{}, err
	}
	up, err := uploadFromIndex(&iu)
	if err != nil {
		return ObjectInfo{}, err
	}
	if len(parts) == 0 {
		return ObjectInfo{}, fmt.Errorf("%w: no parts listed", ErrInvalidPart)
	}
	for i, cp := range parts {
		if cp.PartNumber < 1 || cp.PartNumber > maxPartNumber {
			return ObjectInfo{}, fmt.Errorf("%w: part number %d", ErrInvalidPart, cp.PartNumber)
		}
		if i > 0 && cp.PartNumber <= parts[i-1].PartNumber {
			return ObjectInfo{}, fmt.Errorf("%w: part %d after part %d", ErrInvalidPartOrder, cp.PartNumber, parts[i-1].PartNumber)
		}
	}
	stored, _, err := s.listParts(ctx, pl, bucket, key, uploadID, 0, 0)
	if err != nil {
		return ObjectInfo{}, err
	}
	byNumber := make(map[int]*index.Part, len(stored))
	for i := range stored {
		byNumber[stored[i].Number] = &stored[i]
	}
	infos := make([]PartInfo, len(parts))
	chosen := make([]*index.Part, len(parts))
	for i, cp := range parts {
		sp := byNumber[cp.PartNumber]
		if sp == nil {
			return ObjectInfo{}, fmt.Errorf("%w: part %d was not uploaded", ErrInvalidPart, cp.PartNumber)
		}
		if strings.Trim(cp.ETag, `"`) != sp.ETag {
			return ObjectInfo{}, fmt.Errorf("%w: part %d has ETag %q, not %q", ErrInvalidPart, cp.PartNumber, sp.ETag, cp.ETag)
		}
		pi, err := partFromIndex(sp)
		if err != nil {
			return ObjectInfo{}, err
		}
		if !cp.Checksum.IsZero() && (cp.Checksum.Algorithm != pi.Checksum.Algorithm || cp.Checksum.Value != pi.Checksum.Value) {
			return ObjectInfo{}, fmt.Errorf("%w: part %d checksum %s %q does not match the uploaded %s %q", ErrInvalidPart,
				cp.PartNumber, cp.Checksum.Algorithm, cp.Checksum.Value, pi.Checksum.Algorithm, pi.Checksum.Value)
		}
		infos[i], chosen[i] = pi, sp
	}
	for i, pi := range infos[:len(infos)-1] {
		if pi.Size < s.cfg.MinPartSize {
			return ObjectInfo{}, fmt.Errorf("%w: part %d is %d bytes, the minimum is %d", ErrEntityTooSmall, parts[i].PartNumber, pi.Size, s.cfg.MinPartSize)
		}
	}

	etag, err := multipartETag(chosen)
	if err != nil {
		return ObjectInfo{}, err
	}
	sum, err := multipartChecksum(up, infos)
	if err != nil {
		return ObjectInfo{}, err
	}
	var sealed []byte
	if up.Encrypted {
		// Each part has its own data key, kept in the object's part list.
		for _, pi := range infos {
			if pi.Sealed == nil {
				return ObjectInfo{}, fmt.Errorf("%w: part %d of an encrypted upload has no data key", ErrCorrupt, pi.PartNumber)
			}
		}
		sealed = perPartKeys
	}
	var size int64
	var blocks []index.BlockRef
	for _, sp := range chosen {
		size += sp.Size
		blocks = append(blocks, sp.Blocks...)
	}
	if err := checkExpected(in, sum, size); err != nil {
		return ObjectInfo{}, err
	}
	// The blocks move from the part records to the object's record: pinned so that a
	// collection whose mark falls between the two commits does not miss them.
	hashes := refHashes(blocks)
	s.pins.pin(hashes...)
	defer s.pins.unpin(hashes...)
	lock := up.Lock
	if lock.Mode == "" {
		lock.Mode, lock.RetainUntil = in.DefaultRetention.Mode, in.DefaultRetention.RetainUntil
	}
	node, err := s.replicaSlot(ctx, pl, pl.l.ObjectPartition(bucket, key), bucket, key, in.Origin, etag, v == VersioningEnabled)
	if err != nil {
		return ObjectInfo{}, err
	}
	rec := index.Record{
		Bucket: bucket,
		Key:    key,
		HLC:    uint64(s.writeTime(in.Origin)),
		Node:   node,
		Size:   size,
		ETag:   etag,
		Meta:   encodeObjectMeta(objectMeta{Headers: up.Headers, UserMeta: up.UserMeta, Checksum: sum, Tags: up.Tags, Lock: lock, Origin: in.Origin, SSE: sealed}),
		Parts:  mustJSON(infos),
		Blocks: blocks,

		Versioned: v == VersioningEnabled,
	}
	// A condition that fails leaves the upload as it was.
	if err := s.commit(ctx, pl, pl.l.ObjectPartition(bucket, key), &rec, in.Cond); err != nil {
		return ObjectInfo{}, err
	}
	// The object is complete; an upload left behind by a failure here is only listed
	// until aborted, and completing it again writes the same object again.
	if err := s.deleteUpload(ctx, pl, iu); err != nil {
		s.log.Warn("completed upload not deleted", "bucket", bucket, "key", key, "upload_id", uploadID, "error", err)
	}
	return infoFromRecord(&rec)
}

// checkExpected compares the object a completion would commit with what the client
// said to expect of it.
func checkExpected(in CompleteInput, sum checksum.Checksum, size int64) error {
	if in.ExpectedSize != nil && *in.ExpectedSize != size {
		return fmt.Errorf("%w: the parts add up to %d bytes, x-amz-mp-object-size says %d", ErrSizeMismatch, size, *in.ExpectedSize)
	}
	if in.Expected.IsZero() {
		return nil
	}
	want, wantParts, _ := strings.Cut(in.Expected.Value, "-")
	got, gotParts, _ := strings.Cut(sum.Value, "-")
	if in.Expected.Algorithm != sum.Algorithm || want != got || (wantParts != "" && gotParts != "" && wantParts != gotParts) {
		return fmt.Errorf("%w: the %s you specified did not match the calculated checksum", ErrBadDigest, in.Expected.Algorithm)
	}
	return nil
}

// multipartETag is the S3 multipart ETag: the hex MD5 of the parts' binary MD5s
// followed by "-" and the number of parts.
func multipartETag(parts []*index.Part) (string, error) {
	h := md5.New()
	for _, p := range parts {
		sum, err := hex.DecodeString(p.ETag)
		if err != nil {
			return "", fmt.Errorf("blob: part %d has a corrupt ETag %q: %w", p.Number, p.ETag, err)
		}
		h.Write(sum)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(parts)), nil
}

// multipartChecksum returns the checksum of a multipart object from its parts', as the
// upload's algorithm and type ask; zero if the upload named no algorithm. Every part
// must carry a checksum of that algorithm (ErrInvalidPart otherwise).
func multipartChecksum(up Upload, parts []PartInfo) (checksum.Checksum, error) {
	alg := up.ChecksumAlgorithm
	if alg == "" {
		return checksum.Checksum{}, nil
	}
	values := make([]string, len(parts))
	crcs := make([]checksum.PartCRC, len(parts))
	for i, p := range parts {
		if p.Checksum.Algorithm != alg || p.Checksum.Value == "" {
			return checksum.Checksum{}, fmt.Errorf("%w: part %d has no %s checksum", ErrInvalidPart, p.PartNumber, alg)
		}
		values[i] = p.Checksum.Value
		crcs[i] = checksum.PartCRC{Value: p.Checksum.Value, Size: p.Size}
	}
	var sum checksum.Checksum
	var err error
	if up.ChecksumType == checksum.FullObject {
		sum, err = checksum.FullObjectOf(alg, crcs)
	} else {
		sum, err = checksum.CompositeOf(alg, values)
	}
	if err != nil {
		return checksum.Checksum{}, fmt.Errorf("%w: %w", ErrInvalidPart, err)
	}
	return sum, nil
}
