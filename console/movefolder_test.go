package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// moveAnswer is /api/move-folder's answer.
type moveAnswer struct {
	Moved  int    `json:"moved"`
	Next   string `json:"next"`
	Done   bool   `json:"done"`
	Code   string `json:"code"`
	Errors []struct {
		Key    string `json:"key"`
		Code   string `json:"code"`
		Copied bool   `json:"copied"`
	} `json:"errors"`
}

// moveFolder calls /api/move-folder as the page's script does, batch after batch
// until done or refused; it returns every batch's answer and the last status.
func (b *browser) moveFolder(bucket, from, to string) ([]moveAnswer, int) {
	b.t.Helper()
	return b.moveFolderTo(bucket, from, "", to)
}

// moveFolderTo is moveFolder to another bucket ("" for the same).
func (b *browser) moveFolderTo(bucket, from, toBucket, to string) ([]moveAnswer, int) {
	b.t.Helper()
	var all []moveAnswer
	after := ""
	for {
		req, _ := json.Marshal(map[string]string{"bucket": bucket, "prefix": from, "toBucket": toBucket, "toPrefix": to, "startAfter": after})
		resp, body := b.do(http.MethodPost, "/api/move-folder", string(req), nil)
		var a moveAnswer
		require.NoError(b.t, json.Unmarshal([]byte(body), &a), body)
		all = append(all, a)
		if resp.StatusCode != http.StatusOK || a.Done {
			return all, resp.StatusCode
		}
		require.Greater(b.t, len(all), 0)
		require.Less(b.t, len(all), 100, "the batches make progress")
		after = a.Next
	}
}

// keys lists every key under prefix.
func (e *env) keys(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	var out []string
	pg := s3.NewListObjectsV2Paginator(e.s3(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(context.Background())
		require.NoError(t, err)
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	sort.Strings(out)
	return out
}

// TestMoveFolder: a folder of 230 objects (more than one batch) is moved to a new
// name as root, contents, metadata and tags kept, the old keys gone; the read-only
// user is refused and nothing changes; a destination that holds objects, and a
// folder moved into itself, are refused.
func TestMoveFolder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	var want []string
	for i := 0; i < 230; i++ {
		k := fmt.Sprintf("src/f%03d.txt", i)
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String(k), Body: strings.NewReader(k)})
		require.NoError(t, err)
		want = append(want, "dst/"+k[len("src/"):])
	}
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("docs"), Key: aws.String("src/sub/ü.txt"), Body: strings.NewReader("deep"),
		ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "ops"}, Tagging: aws.String("team=ops"),
	})
	require.NoError(t, err)
	want = append(want, "dst/sub/ü.txt")
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("busy/x"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	sort.Strings(want)
	before := e.keys(t, "docs", "src/")

	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	_, body := ro.do(http.MethodGet, "/b/docs/", "", nil)
	require.NotContains(t, body, `class="move-folder"`, "no move control for the reader")
	answers, status := ro.moveFolder("docs", "src/", "stolen/")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, "AccessDenied", answers[0].Code)
	require.Zero(t, answers[0].Moved)
	require.Equal(t, before, e.keys(t, "docs", "src/"), "the reader's refused move changed nothing")
	require.Empty(t, e.keys(t, "docs", "stolen/"))

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	_, body = root.do(http.MethodGet, "/b/docs/", "", nil)
	require.Contains(t, body, `<tr data-key="src/" data-folder="1">`)
	require.Contains(t, body, `class="move-folder"`)
	resp, body := root.do(http.MethodPost, "/api/move-folder", `{"bucket":"docs","prefix":"src/","toPrefix":"busy"}`, nil)
	require.Equal(t, http.StatusConflict, resp.StatusCode, body)
	require.Contains(t, body, "DestinationNotEmpty")
	resp, body = root.do(http.MethodPost, "/api/move-folder", `{"bucket":"docs","prefix":"src/","toPrefix":"src/inner/"}`, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	require.Equal(t, before, e.keys(t, "docs", "src/"))

	answers, status = root.moveFolder("docs", "src/", "dst")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, 3, "231 objects, 100 a batch")
	moved := 0
	for _, a := range answers {
		require.Empty(t, a.Errors)
		moved += a.Moved
	}
	require.Equal(t, 231, moved)
	require.Empty(t, e.keys(t, "docs", "src/"))
	require.Equal(t, want, e.keys(t, "docs", "dst/"))
	require.Equal(t, "src/f117.txt", e.get(t, "docs", "dst/f117.txt"))
	require.Equal(t, "deep", e.get(t, "docs", "dst/sub/ü.txt"))
	head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("dst/sub/ü.txt")})
	require.NoError(t, err)
	require.Equal(t, "text/plain", aws.ToString(head.ContentType))
	require.Equal(t, map[string]string{"owner": "ops"}, head.Metadata)
	tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("dst/sub/ü.txt")})
	require.NoError(t, err)
	require.Equal(t, []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}, tags.TagSet)
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"CopyObject"`, `"result":"allow"`), 231)
}

// TestMoveFolderPartial: a user who may not write some new keys, and may not delete
// some old ones, moves what it may: an object whose copy is refused stays at its old
// key only, one whose original may not be deleted is at both, and each is reported.
// In a bucket that keeps versions the old keys get delete markers over their history.
func TestMoveFolderPartial(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("docs"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	for _, k := range []string{"from/a.txt", "from/secret/b.txt", "from/keep/c.txt"} {
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String(k), Body: strings.NewReader(k)})
		require.NoError(t, err)
	}
	b := e.signedInUser(t, "mover", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::docs","arn:aws:s3:::docs/*"]},
		{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3:::docs/to/secret/*"},
		{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::docs/from/keep/*"}]}`)

	answers, status := b.moveFolder("docs", "from/", "to/")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, answers, 1)
	require.Equal(t, 1, answers[0].Moved)
	failed := map[string]bool{}
	for _, f := range answers[0].Errors {
		require.Equal(t, "AccessDenied", f.Code, f.Key)
		failed[f.Key] = f.Copied
	}
	require.Equal(t, map[string]bool{"from/secret/b.txt": false, "from/keep/c.txt": true}, failed)
	require.Equal(t, []string{"from/keep/c.txt", "from/secret/b.txt"}, e.keys(t, "docs", "from/"), "a refused copy's original is never deleted")
	require.Equal(t, []string{"to/a.txt", "to/keep/c.txt"}, e.keys(t, "docs", "to/"))

	v, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("docs"), Prefix: aws.String("from/a.txt")})
	require.NoError(t, err)
	require.Len(t, v.Versions, 1, "the old key keeps its version")
	require.Len(t, v.DeleteMarkers, 1, "under a delete marker")
	require.True(t, aws.ToBool(v.DeleteMarkers[0].IsLatest))
}
