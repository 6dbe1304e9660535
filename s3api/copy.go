package s3api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// copySource is a parsed x-amz-copy-source header.
type copySource struct {
	bucket, key string
	versionID   string // "" for the current version
}

// parseCopySource parses "bucket/key" or "/bucket/key", URL-encoded, with an optional
// "?versionId=".
func parseCopySource(v string) (copySource, error) {
	path, query, _ := strings.Cut(v, "?")
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return copySource{}, s3err.New(s3err.InvalidArgument).With("ArgumentName", "x-amz-copy-source")
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(unescaped, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return copySource{}, s3err.New(s3err.InvalidArgument).With("ArgumentName", "x-amz-copy-source")
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, s3err.New(s3err.InvalidArgument).With("ArgumentName", "x-amz-copy-source")
		}
		if _, ok := q["versionId"]; ok {
			id := q.Get("versionId")
			if err := blob.CheckVersionID(id); err != nil || id == "" {
				return copySource{}, s3err.Newf(s3err.InvalidArgument, "Invalid version id specified").With("ArgumentName", "x-amz-copy-source")
			}
			return copySource{bucket, key, id}, nil
		}
	}
	return copySource{bucket: bucket, key: key}, nil
}

// openCopySource opens the source of a copy and checks the copy conditions. Reading
// the source needs s3:GetObject on it, as in AWS, besides the destination's
// s3:PutObject that the router checked.
func (s *Server) openCopySource(c echo.Context) (*blob.Object, copySource, error) {
	hr := c.Request()
	src, err := parseCopySource(hr.Header.Get("x-amz-copy-source"))
	if err != nil {
		return nil, src, err
	}
	r, _ := c.Get(reqKey).(*request)
	if r == nil {
		return nil, src, s3err.New(s3err.AccessDenied)
	}
	action := policy.ActionGetObject
	if src.versionID != "" {
		action = policy.ActionGetObjectVersion
	}
	if err := s.allow(c, r, action, src.bucket, src.key); err != nil {
		return nil, src, err
	}
	sb, err := s.meta.Bucket(hr.Context(), src.bucket)
	if err != nil {
		return nil, src, s3err.New(s3err.NoSuchBucket).WithBucket(src.bucket)
	}
	obj, err := s.store.OpenVersion(hr.Context(), src.bucket, src.key, src.versionID)
	if err != nil {
		// A delete marker as the source is 404 without a version id and 400 with
		// one, as S3 answers.
		sr := &request{bucket: src.bucket, key: src.key}
		if errors.Is(err, blob.ErrMethodNotAllowed) {
			return nil, src, s3err.Newf(s3err.InvalidRequest, "The source of a copy request may not specifically refer to a delete marker by version id.")
		}
		if e := versionError(err, sr, hr.Method, src.versionID); e != err {
			return nil, src, e
		}
		return nil, src, toS3Error(err, sr)
	}
	if err := checkConditions(hr.Header, copyConditions, obj.Info, s3err.PreconditionFailed); err != nil {
		return nil, src, err
	}
	if sb.Versioning != "" || src.versionID != "" {
		c.Response().Header().Set("x-amz-copy-source-version-id", obj.Info.VersionID)
	}
	return obj, src, nil
}

func (s *Server) copyObject(c echo.Context, r *request) error {
	hr := c.Request()
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	if err := checkKey(r.key); err != nil {
		return err
	}
	if err := checkUnsupportedWriteHeaders(hr.Header); err != nil {
		return err
	}
	cond, err := writeCondition(hr.Header)
	if err != nil {
		return err
	}
	obj, src, err := s.openCopySource(c)
	if err != nil {
		return err
	}
	if obj.Info.Size > s.cfg.MaxObjectSize {
		return s3err.Newf(s3err.InvalidRequest, "The specified copy source is larger than the maximum allowable size for a copy source: %d", s.cfg.MaxObjectSize)
	}
	in := blob.CopyInput{
		Src: obj, Bucket: r.bucket, Key: r.key,
		Headers: obj.Info.Headers, UserMeta: obj.Info.UserMeta, Checksum: obj.Info.Checksum,
		Versioning: versioningOf(bk), Tags: obj.Info.Tags, Cond: cond,
		Encrypt: encryptNew(hr.Header.Get, bk),
	}
	// The copy's lock is the request's, or the bucket's default: never the source's.
	if in.Lock, err = s.objectLockFor(c, r, bk, r.key, hr.Header.Get, true); err != nil {
		return err
	}
	switch directive := hr.Header.Get("x-amz-tagging-directive"); directive {
	case "", "COPY":
	case "REPLACE":
		if in.Tags, err = parseTaggingHeader(hr.Header.Get("x-amz-tagging")); err != nil {
			return err
		}
	default:
		return s3err.Newf(s3err.InvalidArgument, "Unknown tagging directive.").With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", directive)
	}
	// As in S3, the copy's storage class is the request's (default STANDARD), whatever
	// the directive.
	in.Headers.StorageClass = storageClass(hr.Header)
	switch directive := hr.Header.Get("x-amz-metadata-directive"); directive {
	case "", "COPY":
		// Copying a version onto its own key is how a version is restored; copying
		// the current version onto itself unchanged is refused, as S3 does.
		// Asking for encryption is a change, as in S3: it is how an object is
		// encrypted in place.
		if src.bucket == r.bucket && src.key == r.key && src.versionID == "" && in.Headers.StorageClass == obj.Info.Headers.StorageClass && hr.Header.Get(hdrSSE) == "" {
			return s3err.Newf(s3err.InvalidRequest, "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		}
	case "REPLACE":
		meta, err := userMetadata(hr.Header)
		if err != nil {
			return err
		}
		in.Headers, in.UserMeta = objectHeaders(hr.Header), meta
	default:
		return s3err.Newf(s3err.InvalidArgument, "Unknown metadata directive.").With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", directive)
	}
	release, err := s.reserveQuota(c, bk, blob.Origin{}, obj.Info.Size, 1)
	if err != nil {
		return err
	}
	info, err := s.store.CopyObject(hr.Context(), in)
	if err != nil {
		release()
		return err
	}
	setWrittenVersionHeader(c.Response().Header(), bk, info.VersionID)
	setEncryptionHeader(c.Response().Header(), info.Encrypted)
	s.setExpiration(c.Response().Header(), bk, info)
	out := s3xml.CopyObjectResult{LastModified: s3xml.Time(info.LastModified), ETag: quote(info.ETag), Checksums: xmlChecksums(info.Checksum)}
	return writeXML(c, http.StatusOK, out)
}
