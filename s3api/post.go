package s3api

import (
	"errors"
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
	if _, err := s.bucket(c, r); err != nil {
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
	r.claimedKey = credentialKey(fields["x-amz-credential"])
	if err := s.checkLockout(c, r); err != nil {
		return err
	}
	policy, err := s.verifier.VerifyPostPolicy(hr.Context(), r.bucket, fields)
	if err != nil {
		s.countFailure(r, err)
		return err
	}
	if err := s.authorizePost(c, r, policy.AccessKeyID, key); err != nil {
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
	info, err := s.store.PutObject(hr.Context(), blob.PutInput{
		Bucket: r.bucket, Key: key,
		Body: &limitedReader{r: file, remaining: maxSize},
		Headers: blob.Headers{
			ContentType: fields["content-type"], ContentEncoding: fields["content-encoding"],
			ContentDisposition: fields["content-disposition"], CacheControl: fields["cache-control"],
			Expires: fields["expires"],
		},
		UserMeta: meta,
		Seal: func(_ []byte, n int64) (checksum.Checksum, error) {
			if n < policy.MinSize {
				return checksum.Checksum{}, s3err.Newf(s3err.EntityTooSmall, "Your proposed upload is smaller than the minimum allowed size")
			}
			return checksum.Checksum{}, nil
		},
	})
	if err != nil {
		return err
	}
	return s.postResponse(c, r.bucket, key, info.ETag, fields)
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
