package s3api

import (
	"encoding/xml"
	"errors"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// maxDeleteKeys is the most keys one DeleteObjects request may name.
const maxDeleteKeys = 1000

// maxDeleteBody bounds a DeleteObjects body: 1000 keys of up to 1024 bytes, escaped.
const maxDeleteBody = 8 << 20

func (s *Server) deleteObjects(c echo.Context, r *request) error {
	hr := c.Request()
	bk, err := s.bucket(c, r)
	if err != nil {
		return err
	}
	raw, err := s.readBody(r, maxDeleteBody)
	if errors.Is(err, gate.ErrBodyTooLarge) {
		return s3err.New(s3err.MaxMessageLengthExceeded)
	}
	if err != nil {
		return err
	}
	var doc s3xml.Delete
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Objects) == 0 || len(doc.Objects) > maxDeleteKeys {
		return s3err.New(s3err.MalformedXML)
	}
	// Authorize every key first (as AWS does, per key), then delete the allowed ones
	// concurrently so their index commits share group commits. Results keep the
	// request's order.
	errs := make([]error, len(doc.Objects))
	results := make([]blob.DeleteResult, len(doc.Objects))
	bypass := make([]bool, len(doc.Objects))
	for i, o := range doc.Objects {
		action := policy.ActionDeleteObject
		if o.VersionID != "" {
			action = policy.ActionDeleteObjectVersion
			bypass[i] = s.bypassGovernance(c, r, r.bucket, o.Key)
		}
		errs[i] = s.allowItem(c, r, action, r.bucket, o.Key)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < deleteWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = s.deleteOne(hr, r.bucket, versioningOf(bk), doc.Objects[i], bypass[i])
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
			d := s3xml.DeletedObject{Key: o.Key, VersionID: o.VersionID, DeleteMarker: results[i].DeleteMarker}
			if results[i].DeleteMarker {
				// The marker this delete made or, by id, the marker it removed.
				d.DeleteMarkerVersionID = results[i].VersionID
			}
			out.Deleted = append(out.Deleted, d)
		}
	}
	return writeXML(c, http.StatusOK, out)
}

// deleteWorkers is how many keys of one DeleteObjects request are deleted at once.
const deleteWorkers = 16

func (s *Server) deleteOne(hr *http.Request, bucket string, v blob.Versioning, o s3xml.ObjectIdentifier, bypassGovernance bool) (blob.DeleteResult, error) {
	if o.VersionID != "" && blob.CheckVersionID(o.VersionID) != nil {
		return blob.DeleteResult{}, errInvalidVersionID("VersionId", o.VersionID)
	}
	if err := checkKey(o.Key); err != nil {
		return blob.DeleteResult{}, err
	}
	cond, err := deleteItemCondition(o)
	if err != nil {
		return blob.DeleteResult{}, err
	}
	return s.store.Delete(hr.Context(), blob.DeleteInput{Bucket: bucket, Key: o.Key, VersionID: o.VersionID, Versioning: v,
		BypassGovernance: bypassGovernance, Cond: cond})
}
