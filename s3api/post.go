package s3api

import (
	"bytes"
	"errors"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxPostFields bounds the form fields that precede the file in a POST upload.
const maxPostFields = 64 << 10

// postObject answers a browser form upload (POST Object). The form's signed policy
// authenticates it, and its signer needs s3:PutObject on the key (a form without a
// signature is anonymous: only a bucket policy can allow it). The file must be the
// last field, and fields after it are ignored.
func (s *Server) postObject(c echo.Context, r *request) error {
	hr := c.Request()
	mediaType, params, err := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	if err != nil || mediaType != "multipart/form-data" || params["boundary"] == "" {
		return s3err.Newf(s3err.PreconditionFailed, "Bucket POST must be of the enclosure-type multipart/form-data")
	}
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	fields, file, err := readPostFields(multipart.NewReader(hr.Body, params["boundary"]))
	if err != nil {
		return err
	}
	key := fields["key"]
	if key == "" {
		return s3err.Newf(s3err.InvalidArgument, "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.").With("ArgumentName", "key")
	}
	key = strings.ReplaceAll(key, "${filename}", file.FileName())
	fields["key"] = key
	r.key = key // for errors and the audit log
	if err := checkKey(key); err != nil {
		return err
	}
	policy, err := s.authorizePost(c, r, fields, key)
	if err != nil {
		return err
	}
	maxSize := s.cfg.MaxObjectSize
	if policy.MaxSize >= 0 {
		maxSize = min(maxSize, policy.MaxSize)
	}
	meta := map[string]string{}
	size := 0
	for name, v := range fields {
		if k, ok := strings.CutPrefix(name, metaPrefix); ok {
			meta[k] = v
			size += len(k) + len(v)
		}
	}
	if size > maxUserMetadata {
		return s3err.New(s3err.MetadataTooLarge)
	}
	sum, err := parsePostChecksum(fields)
	if err != nil {
		return err
	}
	var tags map[string]string
	if v, ok := fields["tagging"]; ok {
		// The form's tagging field is a Tagging document, as PutObjectTagging's body.
		if tags, err = parseTagging([]byte(v), maxObjectTags, "Object"); err != nil {
			return err
		}
	}
	lock, err := s.objectLockFor(c, r, bk, key, func(name string) string { return fields[name] }, true)
	if err != nil {
		return err
	}
	var body io.Reader = file
	if sum != nil {
		body = io.TeeReader(file, sum.h)
	}
	get := func(name string) string { return fields[name] }
	if err := checkEncryptionHeaders(get); err != nil {
		return err
	}
	sc := fields["x-amz-storage-class"]
	if sc != "" && !storageClasses[sc] {
		return s3err.Newf(s3err.InvalidStorageClass, "The storage class you specified is not valid")
	}
	if sc == "STANDARD" {
		sc = ""
	}
	// The form's file has no declared length: the quota is checked in the seal, once
	// the file is read and before anything is committed.
	release := noRelease
	info, err := s.store.PutObject(hr.Context(), blob.PutInput{
		Bucket: r.bucket, Key: key,
		Body: &limitedReader{r: body, remaining: maxSize},
		Headers: blob.Headers{
			ContentType: fields["content-type"], ContentEncoding: fields["content-encoding"],
			ContentDisposition: fields["content-disposition"], CacheControl: fields["cache-control"],
			Expires: fields["expires"], StorageClass: sc,
		},
		UserMeta: meta, Versioning: versioningOf(bk), Tags: tags, Lock: lock,
		Encrypt: encryptNew(get, bk),
		Seal: func(_ []byte, n int64) (checksum.Checksum, error) {
			if n < policy.MinSize {
				return checksum.Checksum{}, s3err.Newf(s3err.EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
			}
			var err error
			if release, err = s.reserveQuota(c, bk, blob.Origin{}, n, 1); err != nil {
				release = noRelease
				return checksum.Checksum{}, err
			}
			return sum.verify()
		},
	})
	if err != nil {
		release()
		return err
	}
	setWrittenVersionHeader(c.Response().Header(), bk, info.VersionID)
	setEncryptionHeader(c.Response().Header(), info.Encrypted)
	return s.postResponse(c, r.bucket, key, info.ETag, fields)
}

// postChecksum is the checksum a POST form declares for its file, being computed.
type postChecksum struct {
	sum  checksum.Checksum
	want []byte
	h    hash.Hash
}

// parsePostChecksum reads the form's x-amz-checksum-<alg> field, if any, and its
// optional x-amz-checksum-algorithm, which must name the same algorithm. nil when the
// form declares no checksum. (The policy has already checked that both fields are
// covered by its conditions.)
func parsePostChecksum(fields map[string]string) (*postChecksum, error) {
	var out *postChecksum
	for _, alg := range checksum.Algorithms() {
		v, ok := fields[alg.HeaderName()]
		if !ok {
			continue
		}
		if out != nil {
			return nil, s3err.Newf(s3err.InvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		v = strings.TrimSpace(v)
		want, err := alg.Decode(v)
		if err != nil {
			return nil, s3err.Newf(s3err.InvalidRequest, "Value for %s header is invalid.", alg.HeaderName())
		}
		out = &postChecksum{sum: checksum.Checksum{Algorithm: alg, Value: v, Type: checksum.FullObject}, want: want, h: alg.New()}
	}
	name, named := fields["x-amz-checksum-algorithm"]
	if !named {
		return out, nil
	}
	alg, err := checksum.ParseAlgorithm(strings.TrimSpace(name))
	switch {
	case err != nil:
		return nil, s3err.Newf(s3err.InvalidRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [%s]", checksum.Names())
	case out == nil:
		return nil, s3err.Newf(s3err.InvalidRequest, "x-amz-checksum-algorithm specified, but no corresponding x-amz-checksum-* field was found.")
	case alg != out.sum.Algorithm:
		return nil, s3err.Newf(s3err.InvalidRequest, "Value for x-amz-checksum-algorithm (%s) does not match the %s field.", alg, out.sum.Algorithm.HeaderName())
	}
	return out, nil
}

// verify returns the checksum to store once the whole file went through c.h:
// BadDigest if it does not match. A nil c declares none.
func (c *postChecksum) verify() (checksum.Checksum, error) {
	if c == nil {
		return checksum.Checksum{}, nil
	}
	if !bytes.Equal(c.h.Sum(nil), c.want) {
		return checksum.Checksum{}, s3err.Newf(s3err.BadDigest, "The %s you specified did not match the calculated checksum.", c.sum.Algorithm)
	}
	return c.sum, nil
}

// readPostFields reads the form fields up to the file, with names lower-cased.
func readPostFields(mr *multipart.Reader) (map[string]string, *multipart.Part, error) {
	fields := map[string]string{}
	total := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil, s3err.New(s3err.IncorrectNumberOfFilesInPostRequest)
		}
		if err != nil {
			return nil, nil, s3err.New(s3err.MalformedPOSTRequest)
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			return fields, part, nil
		}
		value, err := io.ReadAll(io.LimitReader(part, int64(maxPostFields-total+1)))
		if err != nil {
			return nil, nil, s3err.New(s3err.MalformedPOSTRequest)
		}
		total += len(value)
		if total > maxPostFields {
			return nil, nil, s3err.Newf(s3err.MaxMessageLengthExceeded, "Your POST request fields preceding the upload file were too large.")
		}
		fields[name] = string(value)
	}
}

// postResponse answers a successful POST as the form asked: a redirect, or an empty
// 200/204, or a 201 with a PostResponse document.
func (s *Server) postResponse(c echo.Context, bucket, key, etag string, fields map[string]string) error {
	h := c.Response().Header()
	h.Set("ETag", quote(etag))
	location := "/" + bucket + "/" + (&url.URL{Path: key}).EscapedPath()
	h.Set("Location", location)
	if redirect := fields["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			q := u.Query()
			q.Set("bucket", bucket)
			q.Set("key", key)
			q.Set("etag", quote(etag))
			u.RawQuery = q.Encode()
			return c.Redirect(http.StatusSeeOther, u.String())
		}
	}
	switch fields["success_action_status"] {
	case "200":
		return c.NoContent(http.StatusOK)
	case "201":
		return writeXML(c, http.StatusCreated, s3xml.PostResponse{Location: location, Bucket: bucket, Key: key, ETag: quote(etag)})
	default:
		return c.NoContent(http.StatusNoContent)
	}
}

// limitedReader fails with EntityTooLarge once more than remaining bytes are read.
type limitedReader struct {
	r         io.Reader
	remaining int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.remaining -= int64(n)
	if l.remaining < 0 {
		return 0, s3err.Newf(s3err.EntityTooLarge, "Your proposed upload exceeds the maximum allowed size")
	}
	return n, err
}
