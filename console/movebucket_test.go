package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

// TestMoveFolderToAnotherBucket: a folder holding small objects and one over the
// copy limit (6 MiB here) is moved to another bucket. A user who may do anything in
// the source bucket but only read the other is refused every copy (AccessDenied),
// and nothing moves; root moves it all (the large object in parts), with content
// type, metadata and tags, and nothing is left in the source. The same folder name
// in another bucket is allowed, a destination folder holding objects is refused, and
// the destination's listing is the user's too (refused to a user who may not list
// it, with nothing copied).
func TestMoveFolderToAnotherBucket(t *testing.T) {
	e := newEnv(t, func(c *node.Config) { c.MaxObjectSize = copyLimit })
	ctx := context.Background()
	cl := e.s3()
	for _, b := range []string{"docs", "archive", "sealed"} {
		_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	for _, k := range []string{"proj/a.txt", "proj/sub/ü b.txt", "other/c.txt"} {
		_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String(k), Body: strings.NewReader(k),
			ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "ops"}, Tagging: aws.String("team=ops")})
		require.NoError(t, err)
	}
	big := make([]byte, 13<<20)
	_, _ = rand.Read(big)
	e.putLarge(t, "docs", "proj/video/clip.mp4", big)
	bigBefore := e.state(t, "docs", "proj/video/clip.mp4")
	_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("sealed"), Key: aws.String("proj/x"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	before := e.keys(t, "docs", "proj/")

	ed := e.signedInUser(t, "editor", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::docs","arn:aws:s3:::docs/*"]},
		{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::archive","arn:aws:s3:::archive/*"]}]}`)

	answers, status := ed.moveFolderTo("docs", "proj/", "archive", "proj/")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "AccessDenied", answers[0].Code)
	require.Zero(t, answers[0].Moved)
	require.Len(t, answers[0].Errors, 3, "each copy refused")
	answers, status = ed.moveFolderTo("docs", "proj/", "sealed", "proj2/")
	require.Equal(t, http.StatusForbidden, status, "the destination is listed as the user")
	require.Equal(t, "AccessDenied", answers[0].Code)
	require.Equal(t, before, e.keys(t, "docs", "proj/"), "the refused moves changed nothing")
	require.Empty(t, e.keys(t, "archive", ""))
	require.Empty(t, e.uploadsIn(t, "archive"))

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	resp, body := root.do(http.MethodGet, "/api/buckets", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.JSONEq(t, `{"buckets":["archive","docs","sealed"]}`, body)
	_, status = root.moveFolderTo("docs", "proj/", "sealed", "proj/")
	require.Equal(t, http.StatusConflict, status, "the other bucket's folder holds objects")
	resp, body = root.do(http.MethodPost, "/api/move-folder", `{"bucket":"docs","prefix":"proj/","toBucket":"docs","toPrefix":"proj/"}`, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)

	answers, status = root.moveFolderTo("docs", "proj/", "archive", "proj/")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, 1)
	require.Empty(t, answers[0].Errors)
	require.Equal(t, 3, answers[0].Moved)
	require.Empty(t, e.keys(t, "docs", "proj/"))
	require.Equal(t, []string{"other/c.txt"}, e.keys(t, "docs", ""))
	require.Equal(t, before, e.keys(t, "archive", ""))
	moved := e.state(t, "archive", "proj/sub/ü b.txt")
	require.Equal(t, "proj/sub/ü b.txt", string(moved.data))
	require.Equal(t, "text/plain", moved.contentType)
	require.Equal(t, map[string]string{"owner": "ops"}, moved.metadata)
	require.Equal(t, "team", aws.ToString(moved.tags[0].Key))
	got := e.state(t, "archive", "proj/video/clip.mp4")
	require.True(t, bytes.Equal(big, got.data))
	require.Regexp(t, multipartETag, got.etag)
	want := bigBefore
	want.data, want.etag = got.data, got.etag
	require.Equal(t, want, got)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"UploadPartCopy"`, `"bucket":"archive"`, `"user":"root"`, `"result":"allow"`), 3)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"CopyObject"`, `"bucket":"archive"`, `"user":"root"`, `"result":"allow"`), 2)
}
