package console

import (
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// moveFolderBatch is how many objects one move-folder request moves at most: the
// page's script calls again, from where the last call stopped, until the folder is
// done, showing the progress, so no request runs for long.
const moveFolderBatch = 100

// moveFolderRequest moves (renames) a whole folder, inside its bucket or to another
// one, one batch.
type moveFolderRequest struct {
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix"` // the folder, "photos/2024/"
	// ToBucket is the bucket it goes to; "" for the same bucket.
	ToBucket string `json:"toBucket"`
	ToPrefix string `json:"toPrefix"` // its new name, "photos/2024-old/"
	// StartAfter is the "next" of the previous batch's answer; "" for the first.
	StartAfter string `json:"startAfter"`
}

// moveFailure is one object that was not moved, and why.
type moveFailure struct {
	Key     string `json:"key"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Copied is true when the copy was made but the original could not be deleted:
	// the object is then at both keys.
	Copied bool `json:"copied"`
	status int  // the refusal's HTTP status
}

// moveFolder moves up to moveFolderBatch objects of a folder to the new folder (in
// the same bucket or in another), as the user: a copy of each (copyAs: CopyObject,
// or a multipart copy over the S3 API's copy limit; metadata and tags copied), then
// one DeleteObjects of the originals whose copy succeeded, each on the condition
// that its ETag is still the one copied, so an original whose copy failed, or that
// was overwritten after its copy, is never deleted. The first batch refuses a
// destination folder that already holds objects (a move never overwrites).
func (c *Console) moveFolder(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in moveFolderRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.ToBucket == "" {
		in.ToBucket = in.Bucket
	}
	in.ToPrefix = strings.TrimLeft(in.ToPrefix, "/")
	if in.ToPrefix != "" && !strings.HasSuffix(in.ToPrefix, "/") {
		in.ToPrefix += "/"
	}
	switch {
	case in.Bucket == "" || in.Prefix == "" || !strings.HasSuffix(in.Prefix, "/") || in.ToPrefix == "":
		c.failErr(w, r, badInput("Name the bucket, the folder (ending in /) and its new name."))
		return
	case in.ToBucket == in.Bucket && in.ToPrefix == in.Prefix:
		c.failErr(w, r, badInput("The new name is the same as the old one."))
		return
	case in.ToBucket == in.Bucket && strings.HasPrefix(in.ToPrefix, in.Prefix):
		c.failErr(w, r, badInput("A folder cannot be moved into itself."))
		return
	case in.StartAfter != "" && !strings.HasPrefix(in.StartAfter, in.Prefix):
		c.failErr(w, r, badInput("startAfter is not inside the folder."))
		return
	}
	cl := c.s3Client(r, s)
	ctx := r.Context()
	defer c.lists.invalidate(in.Bucket)
	defer c.lists.invalidate(in.ToBucket)
	if in.StartAfter == "" {
		dest, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(in.ToBucket), Prefix: aws.String(in.ToPrefix), MaxKeys: aws.Int32(1)})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		if len(dest.Contents) > 0 {
			c.fail(w, r, http.StatusConflict, "DestinationNotEmpty", "The folder "+in.ToPrefix+" already holds objects; a move never overwrites. Choose another name.")
			return
		}
	}
	in0 := &s3.ListObjectsV2Input{Bucket: aws.String(in.Bucket), Prefix: aws.String(in.Prefix), MaxKeys: aws.Int32(moveFolderBatch)}
	if in.StartAfter != "" {
		in0.StartAfter = aws.String(in.StartAfter)
	}
	page, err := cl.ListObjectsV2(ctx, in0)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	var failed []moveFailure
	copied := make([]types.ObjectIdentifier, 0, len(page.Contents))
	next := in.StartAfter
	for _, o := range page.Contents {
		key := aws.ToString(o.Key)
		next = key
		_, err := c.copyAs(ctx, cl, copySpec{
			Bucket: in.Bucket, Key: key, ToBucket: in.ToBucket, ToKey: in.ToPrefix + key[len(in.Prefix):],
			// The ETag listed: an object replaced since is not moved half-seen.
			ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size),
		})
		if err != nil {
			status, code, msg := apiError(err)
			failed = append(failed, moveFailure{Key: key, Code: code, Message: msg, status: status})
			continue
		}
		// Deleted only if still the version copied (a conditional delete): an
		// original overwritten meanwhile stays, and is reported, rather than lost.
		copied = append(copied, types.ObjectIdentifier{Key: o.Key, ETag: o.ETag})
	}
	moved := 0
	if len(copied) > 0 {
		out, err := cl.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(in.Bucket), Delete: &types.Delete{Objects: copied, Quiet: aws.Bool(true)}})
		if err != nil {
			status, code, msg := apiError(err)
			for _, o := range copied {
				failed = append(failed, moveFailure{Key: aws.ToString(o.Key), Code: code, Message: msg, Copied: true, status: status})
			}
		} else {
			moved = len(copied) - len(out.Errors)
			for _, e := range out.Errors {
				failed = append(failed, moveFailure{Key: aws.ToString(e.Key), Code: aws.ToString(e.Code), Message: aws.ToString(e.Message), Copied: true, status: http.StatusForbidden})
			}
		}
	}
	answer := map[string]any{"moved": moved, "errors": failed, "next": next, "done": !aws.ToBool(page.IsTruncated)}
	if moved == 0 && len(failed) > 0 {
		// Nothing moved in this batch: the answer is the (first) refusal, with each key's.
		answer["code"], answer["message"] = failed[0].Code, failed[0].Message
		writeJSON(w, failed[0].status, answer)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}
