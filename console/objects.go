package console

import (
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Lifetimes of presigned URLs.
const (
	// transferExpiry is the lifetime of the URLs the console's own pages use for a
	// download, a preview or one upload: long enough for a slow transfer to start.
	transferExpiry = time.Hour
	// maxShareExpiry is the longest share link: 7 days, SigV4's limit.
	maxShareExpiry = 7 * 24 * time.Hour
	// maxParts is S3's limit of parts in a multipart upload.
	maxParts = 10000
	// minPartSize is the part size of browser uploads (S3's minimum is 5 MiB); a file
	// larger than minPartSize*maxParts gets larger parts.
	minPartSize = 8 << 20
)

// toConsole turns a presigned URL on the console's origin into the path the
// browser sends to the console's /s3/ proxy.
func toConsole(u string) string {
	i := strings.Index(u, "://")
	rest := u[i+3:]
	return "/s3" + rest[strings.IndexByte(rest, '/'):]
}

// download sends the browser to a presigned GET of an object on the console's
// origin: the browser then fetches the bytes itself, with Range requests for seeking,
// and the console never holds them. ?inline=1 asks for a preview (inline
// disposition), else a download named after the key.
func (c *Console) download(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if v := r.URL.Query().Get("versionId"); v != "" {
		in.VersionId = aws.String(v)
	}
	disp := "attachment"
	if r.URL.Query().Get("inline") != "" {
		disp = "inline"
	}
	in.ResponseContentDisposition = aws.String(mime.FormatMediaType(disp, map[string]string{"filename": path.Base(key)}))
	req, err := c.presigner(r, s).PresignGetObject(r.Context(), in, s3.WithPresignExpires(transferExpiry))
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	http.Redirect(w, r, toConsole(req.URL), http.StatusSeeOther)
}

// presignRequest asks for one presigned URL.
type presignRequest struct {
	// Method is "GET" (a download or share link) or "PUT" (an upload).
	Method string `json:"method"`
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// Expires is the lifetime in seconds, up to 7 days; 0: one hour.
	Expires int64 `json:"expires"`
}

// presign returns a presigned URL signed as the user. Whether the user may do what
// it says is decided by the S3 API when the URL is used, as for any presigned URL.
// The answer's url is absolute (for a share link), path is for the console's pages.
func (c *Console) presign(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in presignRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	expiry := time.Duration(in.Expires) * time.Second
	switch {
	case in.Expires == 0:
		expiry = transferExpiry
	case in.Expires < 1 || expiry > maxShareExpiry:
		c.failErr(w, r, badInput("The expiry must be between 1 second and 7 days (604800 seconds)."))
		return
	}
	if in.Bucket == "" || in.Key == "" {
		c.failErr(w, r, badInput("Name a bucket and a key."))
		return
	}
	ps := c.presigner(r, s)
	opt := s3.WithPresignExpires(expiry)
	var u string
	switch in.Method {
	case http.MethodGet:
		req, err := ps.PresignGetObject(r.Context(), &s3.GetObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}, opt)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		u = req.URL
	case http.MethodPut:
		req, err := ps.PresignPutObject(r.Context(), &s3.PutObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}, opt)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		u = req.URL
	default:
		c.failErr(w, r, badInput("The method must be GET or PUT."))
		return
	}
	path := toConsole(u)
	abs := strings.SplitN(u, "/", 4)
	writeJSON(w, http.StatusOK, map[string]any{
		"url":     abs[0] + "//" + abs[2] + path,
		"path":    path,
		"expires": time.Now().Add(expiry).UTC().Format(time.RFC3339),
	})
}

// multipartCreateRequest starts a browser upload of a large file.
type multipartCreateRequest struct {
	Bucket      string `json:"bucket"`
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// multipartCreate starts a multipart upload as the user and answers its id and the
// part size the browser must cut the file into.
func (c *Console) multipartCreate(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in multipartCreateRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.Size < 0 {
		c.failErr(w, r, badInput("The size must not be negative."))
		return
	}
	partSize := max(int64(minPartSize), (in.Size+maxParts-1)/maxParts)
	ci := &s3.CreateMultipartUploadInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}
	if in.ContentType != "" {
		ci.ContentType = aws.String(in.ContentType)
	}
	out, err := c.s3Client(r, s).CreateMultipartUpload(r.Context(), ci)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"uploadId": aws.ToString(out.UploadId), "partSize": partSize})
}

// multipartURLsRequest asks for presigned UploadPart URLs.
type multipartURLsRequest struct {
	Bucket   string  `json:"bucket"`
	Key      string  `json:"key"`
	UploadID string  `json:"uploadId"`
	Parts    []int32 `json:"parts"`
}

// multipartURLs presigns UploadPart of the given part numbers (at most 100 at a
// time), so the browser sends each part straight to the S3 API and can ask again
// for a part that failed.
func (c *Console) multipartURLs(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in multipartURLsRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if len(in.Parts) == 0 || len(in.Parts) > 100 {
		c.failErr(w, r, badInput("Ask for 1 to 100 parts at a time."))
		return
	}
	ps := c.presigner(r, s)
	urls := make(map[int32]string, len(in.Parts))
	for _, n := range in.Parts {
		if n < 1 || n > maxParts {
			c.failErr(w, r, badInput("A part number is from 1 to 10000."))
			return
		}
		req, err := ps.PresignUploadPart(r.Context(), &s3.UploadPartInput{
			Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), UploadId: aws.String(in.UploadID), PartNumber: aws.Int32(n),
		}, s3.WithPresignExpires(transferExpiry))
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		urls[n] = toConsole(req.URL)
	}
	writeJSON(w, http.StatusOK, map[string]any{"urls": urls})
}

// multipartCompleteRequest completes a browser upload.
type multipartCompleteRequest struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
	Parts    []struct {
		PartNumber int32  `json:"partNumber"`
		ETag       string `json:"etag"`
	} `json:"parts"`
}

// multipartComplete completes a multipart upload as the user.
func (c *Console) multipartComplete(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in multipartCompleteRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	parts := make([]types.CompletedPart, 0, len(in.Parts))
	defer c.lists.invalidate(in.Bucket)
	for _, p := range in.Parts {
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(p.PartNumber), ETag: aws.String(p.ETag)})
	}
	out, err := c.s3Client(r, s).CompleteMultipartUpload(r.Context(), &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), UploadId: aws.String(in.UploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"etag": aws.ToString(out.ETag)})
}

// multipartAbortRequest cancels a browser upload.
type multipartAbortRequest struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
}

// multipartAbort aborts a multipart upload as the user (the upload was cancelled).
func (c *Console) multipartAbort(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in multipartAbortRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	_, err := c.s3Client(r, s).AbortMultipartUpload(r.Context(), &s3.AbortMultipartUploadInput{
		Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), UploadId: aws.String(in.UploadID),
	})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// multipartPartsRequest asks which parts of an upload are stored.
type multipartPartsRequest struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
}

// multipartPart is one stored part, as the browser resumes from it.
type multipartPart struct {
	PartNumber int32  `json:"partNumber"`
	ETag       string `json:"etag"`
	Size       int64  `json:"size"`
}

// multipartParts lists the parts an upload holds (ListParts as the user, every page),
// so that a browser resuming an upload after a reload sends only the missing ones.
func (c *Console) multipartParts(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in multipartPartsRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := s3.NewListPartsPaginator(c.s3Client(r, s), &s3.ListPartsInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), UploadId: aws.String(in.UploadID)})
	parts := []multipartPart{}
	for p.HasMorePages() {
		page, err := p.NextPage(r.Context())
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		for _, pt := range page.Parts {
			parts = append(parts, multipartPart{PartNumber: aws.ToInt32(pt.PartNumber), ETag: aws.ToString(pt.ETag), Size: aws.ToInt64(pt.Size)})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"parts": parts})
}
