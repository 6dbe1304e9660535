package s3api

import (
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
}

// parseCopySource parses "bucket/key" or "/bucket/key", URL-encoded, with an optional
// "?versionId=" that must name the null version.
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
		if id := q.Get("versionId"); id != "" && id != blob.NullVersion {
			return copySource{}, s3err.New(s3err.NoSuchVersion).WithKey(key).With("VersionId", id)
		}
	}
	return copySource{bucket, key}, nil
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
	if err := s.allow(c, r, policy.ActionGetObject, src.bucket, src.key); err != nil {
		r.denied = true
		return nil, src, err
	}
	if _, err := s.meta.Bucket(hr.Context(), src.bucket); err != nil {
		return nil, src, s3err.New(s3err.NoSuchBucket).WithBucket(src.bucket)
	}
	obj, err := s.store.OpenObject(hr.Context(), src.bucket, src.key)
	if err != nil {
		return nil, src, toS3Error(err, &request{bucket: src.bucket, key: src.key})
	}
	if err := checkConditions(hr.Header, copyConditions, obj.Info, s3err.PreconditionFailed); err != nil {
		return nil, src, err
	}
	return obj, src, nil
}

func (s *Server) copyObject(c echo.Context, r *request) error {
	hr := c.Request()
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := checkKey(r.key); err != nil {
		return err
	}
	if err := checkUnsupportedWriteHeaders(hr.Header); err != nil {
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
	}
	switch directive := hr.Header.Get("x-amz-metadata-directive"); directive {
	case "", "COPY":
		if src.bucket == r.bucket && src.key == r.key {
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
	info, err := s.store.CopyObject(hr.Context(), in)
	if err != nil {
		return err
	}
	out := s3xml.CopyObjectResult{LastModified: s3xml.Time(info.LastModified), ETag: quote(info.ETag), Checksums: xmlChecksums(info.Checksum)}
	return writeXML(c, http.StatusOK, out)
}
