package console

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// deleteRequest names objects and whole folders to delete.
type deleteRequest struct {
	Bucket   string   `json:"bucket"`
	Keys     []string `json:"keys"`
	Prefixes []string `json:"prefixes"`
}

// deleteFailure is one key the S3 API refused to delete.
type deleteFailure struct {
	Key     string `json:"key"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// deleteObjects deletes the keys, and every key under each prefix, with S3
// DeleteObjects as the user, 1000 keys a call; each key the S3 API refuses is
// reported with its error while the others go.
func (c *Console) deleteObjects(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in deleteRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.Bucket == "" || len(in.Keys)+len(in.Prefixes) == 0 {
		c.failErr(w, r, badInput("Name a bucket and what to delete in it."))
		return
	}
	cl := c.s3Client(r, s)
	deleted := 0
	defer c.lists.invalidate(in.Bucket)
	var failed []deleteFailure
	batch := make([]types.ObjectIdentifier, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		out, err := cl.DeleteObjects(r.Context(), &s3.DeleteObjectsInput{Bucket: aws.String(in.Bucket), Delete: &types.Delete{Objects: batch, Quiet: aws.Bool(true)}})
		if err != nil {
			return err
		}
		deleted += len(batch) - len(out.Errors)
		for _, e := range out.Errors {
			failed = append(failed, deleteFailure{aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message)})
		}
		batch = batch[:0]
		return nil
	}
	add := func(key string) error {
		batch = append(batch, types.ObjectIdentifier{Key: aws.String(key)})
		if len(batch) == cap(batch) {
			return flush()
		}
		return nil
	}
	for _, k := range in.Keys {
		if err := add(k); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	for _, p := range in.Prefixes {
		if p == "" {
			c.failErr(w, r, badInput("Deleting a whole bucket's objects by an empty prefix is refused here; delete the bucket instead."))
			return
		}
		pg := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(in.Bucket), Prefix: aws.String(p)})
		for pg.HasMorePages() {
			page, err := pg.NextPage(r.Context())
			if err != nil {
				c.failErr(w, r, err)
				return
			}
			for _, o := range page.Contents {
				if err := add(aws.ToString(o.Key)); err != nil {
					c.failErr(w, r, err)
					return
				}
			}
		}
	}
	if err := flush(); err != nil {
		c.failErr(w, r, err)
		return
	}
	if len(failed) > 0 && deleted == 0 {
		// Nothing was deleted: the answer is the (first) refusal, with each key's.
		writeJSON(w, http.StatusForbidden, map[string]any{"code": failed[0].Code, "message": failed[0].Message, "deleted": 0, "errors": failed})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": deleted, "errors": failed})
}
