package console

import (
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// copyRequest copies or moves (renames) one object.
type copyRequest struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	ToBucket string `json:"toBucket"`
	ToKey    string `json:"toKey"`
	// Move deletes the source once the copy is made: a rename.
	Move bool `json:"move"`
}

// copyObject copies an object as the user (copyAs: S3 CopyObject, or a multipart
// copy for an object over the S3 API's copy limit), then, for a move, deletes the
// source (DeleteObject as the user). The copy is completed first, so a move refused
// half way leaves both, never neither.
func (c *Console) copyObject(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in copyRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.ToBucket == "" {
		in.ToBucket = in.Bucket
	}
	if in.Bucket == "" || in.Key == "" || in.ToKey == "" {
		c.failErr(w, r, badInput("Name the object and where it goes."))
		return
	}
	if in.Bucket == in.ToBucket && in.Key == in.ToKey {
		c.failErr(w, r, badInput("The new name is the same as the old one."))
		return
	}
	defer c.lists.invalidate(in.Bucket)
	defer c.lists.invalidate(in.ToBucket)
	cl := c.s3Client(r, s)
	_, err := c.copyAs(r.Context(), cl, copySpec{Bucket: in.Bucket, Key: in.Key, ToBucket: in.ToBucket, ToKey: in.ToKey, Size: -1})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	if in.Move {
		if _, err := cl.DeleteObject(r.Context(), &s3.DeleteObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)}); err != nil {
			c.failErr(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"bucket": in.ToBucket, "key": in.ToKey})
}

// tagsRequest replaces an object's tags.
type tagsRequest struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	// Tags are "key=value" lines; none deletes the tags.
	Tags string `json:"tags"`
}

// putObjectTags replaces an object's tags (PutObjectTagging, or DeleteObjectTagging
// for none, as the user).
func (c *Console) putObjectTags(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var in tagsRequest
	if err := readJSON(w, r, &in); err != nil {
		c.failErr(w, r, err)
		return
	}
	tags, err := parseTags(in.Tags, false)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	cl := c.s3Client(r, s)
	if len(tags) == 0 {
		_, err = cl.DeleteObjectTagging(r.Context(), &s3.DeleteObjectTaggingInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key)})
	} else {
		_, err = cl.PutObjectTagging(r.Context(), &s3.PutObjectTaggingInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), Tagging: &types.Tagging{TagSet: tags}})
	}
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}
