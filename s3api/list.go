package s3api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxListKeys is the largest page S3 returns.
const maxListKeys = 1000

// listParams are the query parameters common to both listing versions.
type listParams struct {
	prefix, delimiter, encoding string
	maxKeys                     int
}

func parseListParams(r *request, maxName string) (listParams, error) {
	p := listParams{
		prefix:    r.query.Get("prefix"),
		delimiter: r.query.Get("delimiter"),
		encoding:  r.query.Get("encoding-type"),
		maxKeys:   maxListKeys,
	}
	if p.encoding != "" && p.encoding != "url" {
		return p, s3err.Newf(s3err.InvalidArgument, "Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type")
	}
	if v := r.query.Get(maxName); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, s3err.Newf(s3err.InvalidArgument, "Provided %s not an integer or within integer range", maxName).With("ArgumentName", maxName)
		}
		p.maxKeys = min(n, maxListKeys)
	}
	return p, nil
}

// encoder returns the function applied to keys and prefixes in the response.
func (p listParams) encoder() func(string) string {
	if p.encoding == "url" {
		return s3URLEncode
	}
	return func(s string) string { return s }
}

// list runs one listing page and returns it with the bucket; a page of zero keys asks
// for nothing.
func (s *Server) list(c echo.Context, r *request, p listParams, after string) (meta.Bucket, blob.ListResult, error) {
	b, err := s.bucket(c, r)
	if err != nil || p.maxKeys == 0 {
		return b, blob.ListResult{}, err
	}
	res, err := s.store.ListObjects(c.Request().Context(), blob.ListInput{
		Bucket: r.bucket, Prefix: p.prefix, Delimiter: p.delimiter, After: after, Limit: p.maxKeys,
	})
	return b, res, err
}

func listedObject(o blob.ObjectInfo, enc func(string) string, withOwner bool, user string) s3xml.Object {
	out := s3xml.Object{
		Key:          enc(o.Key),
		LastModified: s3xml.Time(o.LastModified),
		ETag:         quote(o.ETag),
		Size:         o.Size,
		StorageClass: storageClassOf(o.Headers),
	}
	if withOwner {
		ow := owner(user)
		out.Owner = &ow
	}
	if !o.Checksum.IsZero() {
		out.ChecksumAlgorithm = []string{string(o.Checksum.Algorithm)}
		out.ChecksumType = string(o.Checksum.Type)
	}
	return out
}

func commonPrefixes(prefixes []string, enc func(string) string) []s3xml.CommonPrefix {
	out := make([]s3xml.CommonPrefix, len(prefixes))
	for i, p := range prefixes {
		out[i] = s3xml.CommonPrefix{Prefix: enc(p)}
	}
	return out
}

func (s *Server) listObjectsV1(c echo.Context, r *request) error {
	p, err := parseListParams(r, "max-keys")
	if err != nil {
		return err
	}
	marker := r.query.Get("marker")
	b, res, err := s.list(c, r, p, marker)
	if err != nil {
		return err
	}
	enc := p.encoder()
	out := s3xml.ListBucketResult{
		Name: r.bucket, Prefix: enc(p.prefix), Marker: enc(marker), MaxKeys: p.maxKeys,
		Delimiter: enc(p.delimiter), IsTruncated: res.IsTruncated, EncodingType: p.encoding,
		CommonPrefixes: commonPrefixes(res.CommonPrefixes, enc),
	}
	for _, o := range res.Objects {
		out.Contents = append(out.Contents, listedObject(o, enc, true, b.Owner))
	}
	if res.IsTruncated && p.delimiter != "" {
		out.NextMarker = enc(res.NextAfter)
	}
	return writeXML(c, http.StatusOK, out)
}

func (s *Server) listObjectsV2(c echo.Context, r *request) error {
	p, err := parseListParams(r, "max-keys")
	if err != nil {
		return err
	}
	startAfter := r.query.Get("start-after")
	token := r.query.Get("continuation-token")
	after := startAfter
	if r.has("continuation-token") {
		decoded, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || token == "" {
			return s3err.Newf(s3err.InvalidArgument, "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(decoded)
	}
	b, res, err := s.list(c, r, p, after)
	if err != nil {
		return err
	}
	enc := p.encoder()
	out := s3xml.ListBucketResultV2{
		Name: r.bucket, Prefix: enc(p.prefix), StartAfter: enc(startAfter), ContinuationToken: token,
		MaxKeys: p.maxKeys, Delimiter: enc(p.delimiter), IsTruncated: res.IsTruncated,
		EncodingType: p.encoding, CommonPrefixes: commonPrefixes(res.CommonPrefixes, enc),
		KeyCount: len(res.Objects) + len(res.CommonPrefixes),
	}
	fetchOwner := r.query.Get("fetch-owner") == "true"
	for _, o := range res.Objects {
		out.Contents = append(out.Contents, listedObject(o, enc, fetchOwner, b.Owner))
	}
	if res.IsTruncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.NextAfter))
	}
	return writeXML(c, http.StatusOK, out)
}

func (s *Server) listMultipartUploads(c echo.Context, r *request) error {
	p, err := parseListParams(r, "max-uploads")
	if err != nil {
		return err
	}
	b, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	keyMarker, idMarker := r.query.Get("key-marker"), r.query.Get("upload-id-marker")
	var res blob.ListUploadsResult
	if p.maxKeys > 0 {
		res, err = s.store.ListUploads(c.Request().Context(), blob.ListUploadsInput{
			Bucket: r.bucket, Prefix: p.prefix, Delimiter: p.delimiter,
			KeyMarker: keyMarker, UploadIDMarker: idMarker, Limit: p.maxKeys,
		})
		if err != nil {
			return err
		}
	}
	enc := p.encoder()
	out := s3xml.ListMultipartUploadsResult{
		Bucket: r.bucket, KeyMarker: enc(keyMarker), UploadIDMarker: idMarker,
		NextKeyMarker: enc(res.NextKeyMarker), NextUploadIDMarker: res.NextUploadIDMarker,
		Prefix: enc(p.prefix), Delimiter: enc(p.delimiter), MaxUploads: p.maxKeys,
		IsTruncated: res.IsTruncated, EncodingType: p.encoding,
		CommonPrefixes: commonPrefixes(res.CommonPrefixes, enc),
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, s3xml.Upload{
			Key: enc(u.Key), UploadID: u.UploadID, Initiator: owner(b.Owner), Owner: owner(b.Owner),
			StorageClass: storageClassOf(u.Headers), Initiated: s3xml.Time(u.Initiated),
			ChecksumAlgorithm: string(u.ChecksumAlgorithm), ChecksumType: string(u.ChecksumType),
		})
	}
	return writeXML(c, http.StatusOK, out)
}

// quote returns an ETag in the double quotes S3 puts around it.
func quote(etag string) string { return `"` + etag + `"` }

// unquote strips the quotes a client may put around an ETag.
func unquote(etag string) string { return strings.Trim(strings.TrimSpace(etag), `"`) }
