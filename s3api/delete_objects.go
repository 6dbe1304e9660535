package s3api

import (
	"encoding/xml"
	"io"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxDeleteKeys is the most keys one DeleteObjects request may name.
const maxDeleteKeys = 1000

// maxDeleteBody bounds a DeleteObjects body: 1000 keys of up to 1024 bytes, escaped.
const maxDeleteBody = 8 << 20

func (s *Server) deleteObjects(c echo.Context, r *request) error {
	hr := c.Request()
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	payload, err := r.auth.sig.Payload(hr)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(payload, maxDeleteBody+1))
	if err != nil {
		return err
	}
	if len(raw) > maxDeleteBody {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if want, err := contentMD5(hr.Header); err != nil {
		return err
	} else if want != nil && !md5Equal(want, raw) {
		return s3err.New(s3err.BadDigest)
	}
	var doc s3xml.Delete
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Objects) == 0 || len(doc.Objects) > maxDeleteKeys {
		return s3err.New(s3err.MalformedXML)
	}
	// Authorize every key first (as AWS does, per key), then delete the allowed ones
	// concurrently so their index commits share group commits. Results keep the
	// request's order.
	errs := make([]error, len(doc.Objects))
	for i, o := range doc.Objects {
		errs[i] = s.allow(c, r, policy.ActionDeleteObject, r.bucket, o.Key)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < deleteWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = s.deleteOne(hr, r.bucket, doc.Objects[i])
			}
		}()
	}
	for i := range doc.Objects {
		if errs[i] == nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	var out s3xml.DeleteResult
	for i, o := range doc.Objects {
		if err := errs[i]; err != nil {
			e := toS3Error(err, &request{bucket: r.bucket, key: o.Key})
			if e == nil {
				s.log.Error("delete failed", "bucket", r.bucket, "error", err)
				e = s3err.New(s3err.InternalError)
			}
			out.Errors = append(out.Errors, s3xml.DeleteError{Key: o.Key, VersionID: o.VersionID, Code: string(e.Code), Message: e.Message})
			continue
		}
		if !doc.Quiet {
			out.Deleted = append(out.Deleted, s3xml.DeletedObject{Key: o.Key, VersionID: o.VersionID})
		}
	}
	return writeXML(c, http.StatusOK, out)
}

// deleteWorkers is how many keys of one DeleteObjects request are deleted at once.
const deleteWorkers = 16

func (s *Server) deleteOne(hr *http.Request, bucket string, o s3xml.ObjectIdentifier) error {
	if o.VersionID != "" && o.VersionID != blob.NullVersion {
		return s3err.New(s3err.NoSuchVersion)
	}
	if err := checkKey(o.Key); err != nil {
		return err
	}
	return s.store.DeleteObject(hr.Context(), bucket, o.Key)
}
