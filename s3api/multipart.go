package s3api

import (
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxPartNumber is the highest part number S3 accepts.
const maxPartNumber = 10000

// maxCompleteBody bounds a CompleteMultipartUpload body: 10,000 parts with checksums.
const maxCompleteBody = 4 << 20

func (s *Server) createMultipartUpload(c echo.Context, r *request) error {
	hr := c.Request()
	meta, err := s.checkNewObject(c, r)
	if err != nil {
		return err
	}
	if err := createUploadCondition(hr.Header); err != nil {
		return err
	}
	tags, err := parseTaggingHeader(hr.Header.Get("x-amz-tagging"))
	if err != nil {
		return err
	}
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	lock, err := s.objectLockFor(c, r, bk, r.key, hr.Header.Get, false) // the default applies at completion
	if err != nil {
		return err
	}
	in := blob.CreateUploadInput{Bucket: r.bucket, Key: r.key, Headers: objectHeaders(hr.Header), UserMeta: meta, Tags: tags, Lock: lock,
		Encrypt: encryptNew(hr.Header.Get, bk)}
	if v := hr.Header.Get("x-amz-checksum-algorithm"); v != "" {
		if in.ChecksumAlgorithm, err = checksum.ParseAlgorithm(v); err != nil {
			return s3err.Newf(s3err.InvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [%s]", checksum.Names())
		}
		in.ChecksumType = in.ChecksumAlgorithm.DefaultType()
	}
	switch t := checksum.Type(hr.Header.Get("x-amz-checksum-type")); t {
	case "":
	case checksum.FullObject, checksum.Composite:
		if in.ChecksumAlgorithm == "" {
			return s3err.Newf(s3err.InvalidRequest, "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		// FULL_OBJECT needs a CRC (its parts' values combine without the data);
		// COMPOSITE works with every algorithm but CRC64NVME.
		if (t == checksum.FullObject && !in.ChecksumAlgorithm.IsCRC()) || (t == checksum.Composite && !in.ChecksumAlgorithm.CanComposite()) {
			return s3err.Newf(s3err.InvalidRequest, "The %s checksum type cannot be used with the %s checksum algorithm.", t, in.ChecksumAlgorithm)
		}
		in.ChecksumType = t
	default:
		return s3err.Newf(s3err.InvalidRequest, "Value for x-amz-checksum-type header is invalid.")
	}
	up, err := s.store.CreateUpload(hr.Context(), in)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	setEncryptionHeader(h, up.Encrypted)
	if up.ChecksumAlgorithm != "" {
		h.Set("x-amz-checksum-algorithm", string(up.ChecksumAlgorithm))
		h.Set("x-amz-checksum-type", string(up.ChecksumType))
	}
	return writeXML(c, http.StatusOK, s3xml.InitiateMultipartUploadResult{Bucket: r.bucket, Key: r.key, UploadID: up.UploadID})
}

// partNumber parses the partNumber query parameter.
func partNumber(r *request) (int, error) {
	n, err := strconv.Atoi(r.query.Get("partNumber"))
	if err != nil || n < 1 || n > maxPartNumber {
		return 0, s3err.Newf(s3err.InvalidArgument, "Part number must be an integer between 1 and %d, inclusive", maxPartNumber).
			With("ArgumentName", "partNumber").With("ArgumentValue", r.query.Get("partNumber"))
	}
	return n, nil
}

// uploadPart answers UploadPart and, with x-amz-copy-source, UploadPartCopy.
func (s *Server) uploadPart(c echo.Context, r *request) error {
	hr := c.Request()
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	n, err := partNumber(r)
	if err != nil {
		return err
	}
	uploadID := r.query.Get("uploadId")
	up, err := s.store.GetUpload(hr.Context(), r.bucket, r.key, uploadID)
	if err != nil {
		return err
	}
	in := blob.UploadPartInput{Bucket: r.bucket, Key: r.key, UploadID: uploadID, PartNumber: n}
	if hr.Header.Get("x-amz-copy-source") != "" {
		return s.uploadPartCopy(c, bk, in, up.ChecksumAlgorithm)
	}
	b, err := s.uploadBody(c, r)
	if err != nil {
		return err
	}
	if err := s.checkQuota(c, bk, b.payload.Length()); err != nil {
		return err
	}
	in.Body, in.Seal = partBody(b, up.ChecksumAlgorithm, declaresChecksum(hr.Header))
	part, err := s.store.UploadPart(hr.Context(), in)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("ETag", quote(part.ETag))
	setEncryptionHeader(h, part.Sealed != nil)
	setChecksumHeaders(h, checksum.Checksum{Algorithm: part.Checksum.Algorithm, Value: part.Checksum.Value})
	return c.NoContent(http.StatusOK)
}

// declaresChecksum reports whether a request carries an x-amz-checksum-<alg> header or
// names one in x-amz-trailer.
func declaresChecksum(h http.Header) bool {
	if h.Get("X-Amz-Trailer") != "" {
		return true
	}
	for _, alg := range checksum.Algorithms() {
		if h.Get(alg.HeaderName()) != "" {
			return true
		}
	}
	return false
}

// partBody returns the body and seal of an UploadPart in an upload with checksum
// algorithm alg. As S3 does, a part sent without a checksum gets one of alg computed
// here (declared tells whether the request carries one), and a part whose checksum is
// of another algorithm is refused, rather than failing the completion later.
func partBody(b *body, alg checksum.Algorithm, declared bool) (io.Reader, blob.SealFunc) {
	if alg == "" {
		return b.payload, b.seal
	}
	var body io.Reader = b.payload
	var h hash.Hash
	if !declared {
		h = alg.New()
		body = io.TeeReader(b.payload, h)
	}
	return body, func(md5sum []byte, n int64) (checksum.Checksum, error) {
		sum, err := b.seal(md5sum, n)
		switch {
		case err != nil:
			return checksum.Checksum{}, err
		case sum.IsZero() && h != nil:
			return checksum.Checksum{Algorithm: alg, Value: checksum.Encode(h.Sum(nil)), Type: checksum.FullObject}, nil
		case sum.Algorithm != alg:
			return checksum.Checksum{}, s3err.Newf(s3err.InvalidRequest, "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
				strings.ToLower(string(alg)), strings.ToLower(string(sum.Algorithm)))
		}
		return sum, nil
	}
}

// uploadPartCopy copies a whole source object, or x-amz-copy-source-range of it, into
// a part. The bytes are read and written again: a range need not fall on block edges.
// When the upload declared a checksum algorithm, the part's checksum is computed from
// the copied bytes, as S3 does.
func (s *Server) uploadPartCopy(c echo.Context, bk meta.Bucket, in blob.UploadPartInput, alg checksum.Algorithm) error {
	hr := c.Request()
	obj, _, err := s.openCopySource(c)
	if err != nil {
		return err
	}
	start, length := int64(0), obj.Info.Size
	if v := hr.Header.Get("x-amz-copy-source-range"); v != "" {
		if start, length, err = copySourceRange(v, obj.Info.Size); err != nil {
			return err
		}
	}
	if length > s.cfg.MaxObjectSize {
		return s3err.New(s3err.EntityTooLarge)
	}
	if err := s.checkQuota(c, bk, length); err != nil {
		return err
	}
	src, err := obj.NewReader(hr.Context(), start, length)
	if err != nil {
		return err
	}
	defer src.Close()
	in.Body = src
	if alg != "" {
		h := alg.New()
		in.Body = io.TeeReader(src, h)
		in.Seal = func([]byte, int64) (checksum.Checksum, error) {
			return checksum.Checksum{Algorithm: alg, Value: checksum.Encode(h.Sum(nil)), Type: checksum.FullObject}, nil
		}
	}
	part, err := s.store.UploadPart(hr.Context(), in)
	if err != nil {
		return err
	}
	setEncryptionHeader(c.Response().Header(), part.Sealed != nil)
	return writeXML(c, http.StatusOK, s3xml.CopyPartResult{
		LastModified: s3xml.Time(part.LastModified), ETag: quote(part.ETag),
		Checksums: xmlChecksums(checksum.Checksum{Algorithm: part.Checksum.Algorithm, Value: part.Checksum.Value}),
	})
}

// copySourceRange parses "bytes=first-last", which must lie inside the source.
func copySourceRange(v string, size int64) (start, length int64, err error) {
	invalid := s3err.Newf(s3err.InvalidArgument, "Range specified is not valid for source object of size: %d", size).
		With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	spec, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return 0, 0, invalid
	}
	a, b, ok := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || first < 0 || last < first || last >= size {
		return 0, 0, invalid
	}
	return first, last - first + 1, nil
}

func (s *Server) completeMultipartUpload(c echo.Context, r *request) error {
	hr := c.Request()
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	cond, err := writeCondition(hr.Header)
	if err != nil {
		return err
	}
	uploadID := r.query.Get("uploadId")
	up, err := s.store.GetUpload(hr.Context(), r.bucket, r.key, uploadID)
	if err != nil {
		return err
	}
	if t := hr.Header.Get("x-amz-checksum-type"); t != "" && checksum.Type(t) != up.ChecksumType {
		return s3err.Newf(s3err.BadDigest, "The x-amz-checksum-type %s does not match the upload's checksum type %q.", t, up.ChecksumType)
	}
	// Complete's x-amz-checksum-<alg> is the whole object's checksum, not the body's.
	r.gr.ObjectChecksumHeaders()
	expected, expectedSize, err := completionExpects(hr.Header, up.ChecksumAlgorithm)
	if err != nil {
		return err
	}
	raw, err := s.readBody(r, maxCompleteBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if err != nil {
		return err
	}
	var doc s3xml.CompleteMultipartUpload
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Parts) == 0 {
		return s3err.New(s3err.MalformedXML)
	}
	parts := make([]blob.CompletePart, len(doc.Parts))
	for i, p := range doc.Parts {
		parts[i] = blob.CompletePart{PartNumber: p.PartNumber, ETag: unquote(p.ETag), Checksum: partChecksum(p.Checksums)}
	}
	origin, err := s.replicaOrigin(c, r, policy.ActionReplicateObject)
	if err != nil {
		return err
	}
	release, err := s.reserveUploadQuota(c, bk, r.key, uploadID, parts)
	if err != nil {
		return err
	}
	info, err := s.store.Complete(hr.Context(), blob.CompleteInput{
		Bucket: r.bucket, Key: r.key, UploadID: uploadID, Parts: parts,
		Versioning: versioningOf(bk), DefaultRetention: defaultRetention(bk, s.now()),
		Expected: expected, ExpectedSize: expectedSize, Cond: cond, Origin: origin,
	})
	if err != nil {
		release()
		return err
	}
	setWrittenVersionHeader(c.Response().Header(), bk, info.VersionID)
	setEncryptionHeader(c.Response().Header(), info.Encrypted)
	s.setExpiration(c.Response().Header(), bk, info)
	return writeXML(c, http.StatusOK, s3xml.CompleteMultipartUploadResult{
		Location: "/" + r.bucket + "/" + r.key, Bucket: r.bucket, Key: r.key,
		ETag: quote(info.ETag), Checksums: xmlChecksums(info.Checksum),
	})
}

// completionExpects reads what a completion says the object will be: its whole
// checksum (one x-amz-checksum-<alg> header, of the upload's algorithm) and its size
// (x-amz-mp-object-size). The object layer compares them with what it computes before
// anything is committed.
func completionExpects(h http.Header, uploadAlg checksum.Algorithm) (checksum.Checksum, *int64, error) {
	var sum checksum.Checksum
	for _, alg := range checksum.Algorithms() {
		v := strings.TrimSpace(h.Get(alg.HeaderName()))
		if v == "" {
			continue
		}
		if !sum.IsZero() {
			return sum, nil, s3err.Newf(s3err.InvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if uploadAlg == "" {
			return sum, nil, s3err.Newf(s3err.InvalidRequest, "The upload was created without a checksum algorithm; its completion cannot carry %s.", alg.HeaderName())
		}
		if alg != uploadAlg {
			return sum, nil, s3err.Newf(s3err.InvalidRequest, "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s",
				strings.ToLower(string(uploadAlg)), strings.ToLower(string(alg)))
		}
		sum = checksum.Checksum{Algorithm: alg, Value: v}
	}
	v := h.Get("x-amz-mp-object-size")
	if v == "" {
		return sum, nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return sum, nil, s3err.Newf(s3err.InvalidArgument, "Value for x-amz-mp-object-size header is invalid.").With("ArgumentName", "x-amz-mp-object-size")
	}
	return sum, &n, nil
}

func (s *Server) abortMultipartUpload(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := s.store.AbortUpload(c.Request().Context(), r.bucket, r.key, r.query.Get("uploadId")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listParts(c echo.Context, r *request) error {
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	limit := maxListKeys
	if v := r.query.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s3err.Newf(s3err.InvalidArgument, "Provided max-parts not an integer or within integer range").With("ArgumentName", "max-parts")
		}
		limit = min(n, maxListKeys)
	}
	after := 0
	if v := r.query.Get("part-number-marker"); v != "" {
		if after, err = strconv.Atoi(v); err != nil || after < 0 {
			return s3err.Newf(s3err.InvalidArgument, "Provided part-number-marker not an integer or within integer range").With("ArgumentName", "part-number-marker")
		}
	}
	res, err := s.store.ListParts(c.Request().Context(), r.bucket, r.key, r.query.Get("uploadId"), after, limit)
	if err != nil {
		return err
	}
	out := s3xml.ListPartsResult{
		Bucket: r.bucket, Key: r.key, UploadID: res.Upload.UploadID,
		Initiator: owner(b.Owner), Owner: owner(b.Owner), StorageClass: storageClassOf(res.Upload.Headers),
		PartNumberMarker: after, NextPartNumberMarker: res.NextPartNumberMarker, MaxParts: limit,
		IsTruncated: res.IsTruncated, ChecksumAlgorithm: string(res.Upload.ChecksumAlgorithm),
		ChecksumType: string(res.Upload.ChecksumType),
	}
	for _, p := range res.Parts {
		out.Parts = append(out.Parts, s3xml.Part{
			PartNumber: p.PartNumber, LastModified: s3xml.Time(p.LastModified), ETag: quote(p.ETag),
			Size: p.Size, Checksums: xmlChecksums(checksum.Checksum{Algorithm: p.Checksum.Algorithm, Value: p.Checksum.Value}),
		})
	}
	return writeXML(c, http.StatusOK, out)
}
