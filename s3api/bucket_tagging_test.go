package s3api_test

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// requireError asserts that err is an S3 error with the given code and message.
func requireError(t *testing.T, err error, code, message string) {
	t.Helper()
	requireCode(t, err, code)
	var apiErr smithy.APIError
	require.True(t, errors.As(err, &apiErr))
	require.Equal(t, message, apiErr.ErrorMessage())
}

// tagSet builds an SDK tag set from key, value pairs.
func tagSet(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func (e *env) putTags(bucket string, tags []types.Tag) error {
	_, err := e.s3.PutBucketTagging(e.ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(bucket), Tagging: &types.Tagging{TagSet: tags}})
	return err
}

func (e *env) getTags(bucket string) ([]types.Tag, error) {
	out, err := e.s3.GetBucketTagging(e.ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, err
	}
	return out.TagSet, nil
}

func TestBucketTagging(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("tagged")

	_, err := e.getTags(b)
	requireError(t, err, "NoSuchTagSet", "The TagSet does not exist")

	require.NoError(t, e.putTags(b, tagSet("team", "search", "cost-centre", "", "Name", "Big Bird")))
	tags, err := e.getTags(b)
	require.NoError(t, err)
	require.Equal(t, tagSet("Name", "Big Bird", "cost-centre", "", "team", "search"), tags, "sorted by key; an empty value is kept")

	// A put replaces the whole set.
	require.NoError(t, e.putTags(b, tagSet("owner", "bob")))
	tags, err = e.getTags(b)
	require.NoError(t, err)
	require.Equal(t, tagSet("owner", "bob"), tags)

	// Characters, not bytes: 128 and 256 two-byte characters are allowed.
	require.NoError(t, e.putTags(b, tagSet(strings.Repeat("é", 128), strings.Repeat("ü", 256))))
	tags, err = e.getTags(b)
	require.NoError(t, err)
	require.Equal(t, strings.Repeat("ü", 256), aws.ToString(tags[0].Value))

	_, err = e.s3.DeleteBucketTagging(e.ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.getTags(b)
	requireError(t, err, "NoSuchTagSet", "The TagSet does not exist")
	_, err = e.s3.DeleteBucketTagging(e.ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(b)})
	require.NoError(t, err, "deleting no tags succeeds")

	// An empty tag set removes the tags too.
	require.NoError(t, e.putTags(b, tagSet("a", "b")))
	require.NoError(t, e.putTags(b, []types.Tag{}))
	_, err = e.getTags(b)
	requireCode(t, err, "NoSuchTagSet")

	// Fifty tags are allowed.
	var fifty []string
	for i := range 50 {
		fifty = append(fifty, fmt.Sprintf("k%02d", i), "v")
	}
	require.NoError(t, e.putTags(b, tagSet(fifty...)))
	tags, err = e.getTags(b)
	require.NoError(t, err)
	require.Len(t, tags, 50)

	// DELETE ?tagging never deletes the bucket, and the tags go with the bucket.
	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	_, err = e.s3.DeleteBucket(e.ctx, &s3.DeleteBucketInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	e.bucket(b)
	_, err = e.getTags(b)
	requireCode(t, err, "NoSuchTagSet")

	for _, err := range []error{
		func() error { _, err := e.getTags("nowhere"); return err }(),
		e.putTags("nowhere", tagSet("a", "b")),
		func() error {
			_, err := e.s3.DeleteBucketTagging(e.ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("nowhere")})
			return err
		}(),
	} {
		requireError(t, err, "NoSuchBucket", "The specified bucket does not exist")
	}
}

func TestBucketTaggingRefusesInvalidTags(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("tags")
	require.NoError(t, e.putTags(b, tagSet("keep", "me")))

	var fiftyOne []string
	for i := range 51 {
		fiftyOne = append(fiftyOne, fmt.Sprintf("k%02d", i), "v")
	}
	for name, c := range map[string]struct {
		tags    []types.Tag
		message string
	}{
		"51 tags":         {tagSet(fiftyOne...), "Bucket tags cannot be greater than 50"},
		"empty key":       {tagSet("", "v"), "The TagKey you have provided is invalid"},
		"129-char key":    {tagSet(strings.Repeat("k", 129), "v"), "The TagKey you have provided is invalid"},
		"257-char value":  {tagSet("k", strings.Repeat("v", 257)), "The TagValue you have provided is invalid"},
		"aws: key":        {tagSet("aws:createdBy", "v"), "System tags cannot be added/updated by requester"},
		"AWS: key":        {tagSet("AWS:createdBy", "v"), "System tags cannot be added/updated by requester"},
		"a key twice":     {tagSet("k", "1", "k", "2"), "Cannot provide multiple Tags with the same key"},
		"twice, one good": {tagSet("a", "1", "k", "1", "k", "1"), "Cannot provide multiple Tags with the same key"},
	} {
		requireError(t, e.putTags(b, c.tags), "InvalidTag", c.message)
		tags, err := e.getTags(b)
		require.NoError(t, err, name)
		require.Equal(t, tagSet("keep", "me"), tags, "%s: a refused put changes nothing", name)
	}
}

func TestBucketTaggingBody(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("tagbody")
	target := e.node.S3URL() + "/" + b + "?tagging"
	put := func(body string, header ...string) *http.Response {
		req, err := http.NewRequest(http.MethodPut, target, nil)
		require.NoError(t, err)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		return e.signedResponse(req, []byte(body))
	}
	md5of := func(s string) string {
		sum := md5.Sum([]byte(s))
		return base64.StdEncoding.EncodeToString(sum[:])
	}

	for _, body := range []string{
		``,
		`not xml`,
		`<Tagging>`,
		`<Tagging></Tagging>`,
		`<Other><TagSet></TagSet></Other>`,
		`<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`,
		`<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>`,
	} {
		resp := put(body, "Content-MD5", md5of(body))
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		require.Equal(t, "MalformedXML", errorCode(t, resp), body)
	}

	good := `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>k</Key><Value/></Tag></TagSet></Tagging>`
	resp := put(good, "Content-MD5", md5of("something else"))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "BadDigest", errorCode(t, resp))
	resp = put(good, "x-amz-checksum-crc32", "AAAAAA==")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "BadDigest", errorCode(t, resp))
	_, err := e.getTags(b)
	requireCode(t, err, "NoSuchTagSet")

	resp = put(good, "Content-MD5", md5of(good))
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	tags, err := e.getTags(b)
	require.NoError(t, err)
	require.Equal(t, tagSet("k", ""), tags, "an empty Value element is an empty value")

	// A POST ?tagging is not a browser upload.
	req, err := http.NewRequest(http.MethodPost, target, nil)
	require.NoError(t, err)
	resp = e.signedResponse(req, []byte(good))
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestBucketTaggingPermissions(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("tagperm")
	require.NoError(t, e.putTags(b, tagSet("team", "search")))
	reader, _ := e.user("tagreader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetBucketTagging","Resource":"arn:aws:s3:::tagperm"}]}`)
	writer, _ := e.user("tagwriter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutBucketTagging","Resource":"arn:aws:s3:::tagperm"}]}`)

	out, err := reader.GetBucketTagging(e.ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Equal(t, tagSet("team", "search"), out.TagSet)
	_, err = reader.PutBucketTagging(e.ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b), Tagging: &types.Tagging{TagSet: tagSet("a", "b")}})
	requireDenied(t, err, `User: tagreader is not authorized to perform: s3:PutBucketTagging on resource: "arn:aws:s3:::tagperm" because no identity-based policy allows the s3:PutBucketTagging action`)
	_, err = reader.DeleteBucketTagging(e.ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(b)})
	requireDenied(t, err, `User: tagreader is not authorized to perform: s3:PutBucketTagging on resource: "arn:aws:s3:::tagperm" because no identity-based policy allows the s3:PutBucketTagging action`)

	_, err = writer.GetBucketTagging(e.ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)})
	requireCode(t, err, "AccessDenied")
	_, err = writer.PutBucketTagging(e.ctx, &s3.PutBucketTaggingInput{Bucket: aws.String(b), Tagging: &types.Tagging{TagSet: tagSet("a", "b")}})
	require.NoError(t, err)
	_, err = writer.DeleteBucketTagging(e.ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String(b)})
	require.NoError(t, err, "DeleteBucketTagging needs s3:PutBucketTagging, as in AWS")
	_, err = e.getTags(b)
	requireCode(t, err, "NoSuchTagSet")
}
