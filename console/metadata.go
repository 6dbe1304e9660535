package console

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// metadataRequest replaces an object's content headers and user metadata.
type metadataRequest struct {
	Bucket             string `json:"bucket"`
	Key                string `json:"key"`
	ContentType        string `json:"contentType"`
	CacheControl       string `json:"cacheControl"`
	ContentDisposition string `json:"contentDisposition"`
	// Metadata are "name=value" lines, sent as x-amz-meta-NAME; none removes them all.
	Metadata string `json:"metadata"`
}

// metaName is a user metadata name as it can travel in an x-amz-meta- header.
var metaName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// printableASCII reports whether v can be sent as a header value unchanged: S3 user
// metadata and these headers travel as US-ASCII.
func printableASCII(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// putObjectMetadata replaces the object's Content-Type, Cache-Control,
// Content-Disposition and user metadata with S3 CopyObject of the object onto itself,
// MetadataDirective REPLACE and TaggingDirective COPY (the tags stay), as the user.
// The object's other content headers (Content-Encoding, Content-Language, Expires),
// storage class and encryption are read first and kept. The copy is conditional on
// the ETag read, so an object replaced meanwhile is not given metadata meant for the
// old one (PreconditionFailed). In a bucket that keeps versions the result is a new
// version. An object over the copy limit is copied onto itself in parts
// (copyInParts), its upload made with the new values.
func (c *Console) putObjectMetadata(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in metadataRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.Bucket == "" || in.Key == "" {
		c.failErr(w, r, badInput("Name the object."))
		return
	}
	lines, err := parseTags(in.Metadata, false)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	meta := map[string]string{}
	for _, l := range lines {
		k, v := strings.ToLower(aws.ToString(l.Key)), aws.ToString(l.Value)
		k = strings.TrimPrefix(k, "x-amz-meta-")
		if !metaName.MatchString(k) {
			c.failErr(w, r, badInput("%q is not a metadata name: use letters, digits, '.', '_' and '-'.", k))
			return
		}
		if !printableASCII(v) {
			c.failErr(w, r, badInput("The value of %q is not printable US-ASCII, which S3 metadata must be.", k))
			return
		}
		meta[k] = v
	}
	for name, v := range map[string]string{"Content-Type": in.ContentType, "Cache-Control": in.CacheControl, "Content-Disposition": in.ContentDisposition} {
		if !printableASCII(v) {
			c.failErr(w, r, badInput("%s is not printable US-ASCII.", name))
			return
		}
	}
	cl := c.s3Client(r, s)
	ctx := r.Context()
	spec := copySpec{Bucket: in.Bucket, Key: in.Key, ToBucket: in.Bucket, ToKey: in.Key}
	head, err := headSource(ctx, cl, spec)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	defer c.lists.invalidate(in.Bucket)
	contentType, cacheControl, disposition := nonEmpty(strings.TrimSpace(in.ContentType)), nonEmpty(strings.TrimSpace(in.CacheControl)), nonEmpty(strings.TrimSpace(in.ContentDisposition))
	if aws.ToInt64(head.ContentLength) > c.cfg.CopyLimit {
		// Too large for one CopyObject: a copy in parts onto itself, its upload
		// given the new values (the tags, other headers and checksum kept).
		spec.ETag = aws.ToString(head.ETag)
		_, err = c.copyInParts(ctx, cl, spec, head, func(u *s3.CreateMultipartUploadInput) {
			u.ContentType, u.CacheControl, u.ContentDisposition, u.Metadata = contentType, cacheControl, disposition, meta
			u.StorageClass = head.StorageClass
			u.ServerSideEncryption = head.ServerSideEncryption
		})
	} else {
		_, err = cl.CopyObject(ctx, &s3.CopyObjectInput{
			Bucket: aws.String(in.Bucket), Key: aws.String(in.Key),
			CopySource:         aws.String(in.Bucket + "/" + escapeKey(in.Key)),
			CopySourceIfMatch:  head.ETag,
			MetadataDirective:  types.MetadataDirectiveReplace,
			TaggingDirective:   types.TaggingDirectiveCopy,
			Metadata:           meta,
			ContentType:        contentType,
			CacheControl:       cacheControl,
			ContentDisposition: disposition,
			ContentEncoding:    head.ContentEncoding,
			ContentLanguage:    head.ContentLanguage,
			Expires:            head.Expires,
			// Kept too: without them the copy would take the defaults.
			StorageClass:         head.StorageClass,
			ServerSideEncryption: head.ServerSideEncryption,
		})
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// nonEmpty is nil for "", so the SDK sends no header.
func nonEmpty(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}
