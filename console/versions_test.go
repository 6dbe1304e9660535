package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestObjectDetailsVersions: the object page shows the details, tags and versions of
// a key; a deleted key (a delete marker on top) is undeleted by deleting the marker,
// an older version restored by copying it over the key; the read-only user sees
// neither control and is refused when it forges them.
func TestObjectDetailsVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("hist")})
	require.NoError(t, err)
	_, err = cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("hist"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	put := func(body string) string {
		out, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("hist"), Key: aws.String("notes/plan.txt"), Body: strings.NewReader(body),
			ContentType: aws.String("text/plain"), Metadata: map[string]string{"owner": "ada"}, Tagging: aws.String("team=ops")})
		require.NoError(t, err)
		return aws.ToString(out.VersionId)
	}
	v1 := put("first draft")
	put("second draft")
	del, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("hist"), Key: aws.String("notes/plan.txt")})
	require.NoError(t, err)
	marker := aws.ToString(del.VersionId)
	require.NotEmpty(t, marker)

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, body := root.do(http.MethodGet, "/o/hist/notes/plan.txt", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `id="deleted-note"`)
	require.Contains(t, body, `data-version="`+marker+`" data-marker="1"`)
	require.Contains(t, body, `class="undelete primary"`)
	_, roBody := ro.do(http.MethodGet, "/o/hist/notes/plan.txt", "", nil)
	require.Contains(t, roBody, "AccessDenied", "the reader may not list versions (no s3:ListBucketVersions)")
	require.NotContains(t, roBody, `class="undelete`)
	require.NotContains(t, roBody, `class="restore"`)

	// The folder's deleted keys list it, for root; not for the reader.
	_, body = root.do(http.MethodGet, "/deleted/hist/notes/", "", nil)
	require.Contains(t, body, `href="/o/hist/notes/plan.txt"`)
	resp, body = ro.do(http.MethodGet, "/deleted/hist/notes/", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")

	// Forged by the reader: refused by the S3 API.
	for _, path := range []string{"/api/version/delete", "/api/version/restore"} {
		resp, body := ro.do(http.MethodPost, path, `{"bucket":"hist","key":"notes/plan.txt","versionId":"`+marker+`"}`, nil)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
		require.Contains(t, body, "AccessDenied")
	}

	// Undelete: delete the marker.
	resp, body = root.do(http.MethodPost, "/api/version/delete", `{"bucket":"hist","key":"notes/plan.txt","versionId":"`+marker+`"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "second draft", e.get(t, "hist", "notes/plan.txt"))

	resp, body = root.do(http.MethodGet, "/o/hist/notes/plan.txt", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, want := range []string{"11 B", "text/plain", "x-amz-meta-owner", "ada", "<dt>team</dt><dd>ops</dd>", `id="preview-text"`, "STANDARD", `class="restore"`} {
		require.Contains(t, body, want)
	}

	// Restore the first version: it becomes the latest again, as a new version.
	resp, body = root.do(http.MethodPost, "/api/version/restore", `{"bucket":"hist","key":"notes/plan.txt","versionId":"`+v1+`"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var out struct{ VersionID string }
	require.NoError(t, json.Unmarshal([]byte(body), &out))
	require.NotEqual(t, v1, out.VersionID)
	require.Equal(t, "first draft", e.get(t, "hist", "notes/plan.txt"))

	resp, _ = root.do(http.MethodGet, "/o/hist/nosuch.txt", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func (e *env) get(t *testing.T, bucket, key string) string {
	out, err := e.s3().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	return string(data)
}

// TestCopyMoveTags: copy and rename (copy, then delete the source) and object tags,
// as root; refused to the read-only user, whose source stays.
func TestCopyMoveTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("docs"), Key: aws.String("a b/ü.txt"), Body: strings.NewReader("content")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, body := ro.do(http.MethodPost, "/api/copy", `{"bucket":"docs","key":"a b/ü.txt","toKey":"stolen.txt","move":true}`, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = ro.do(http.MethodPost, "/api/tags", `{"bucket":"docs","key":"a b/ü.txt","tags":"x=y"}`, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	_, body = ro.do(http.MethodGet, "/o/docs/a%20b/%C3%BC.txt", "", nil)
	require.NotContains(t, body, `id="move-object"`)
	require.NotContains(t, body, `id="tags-save"`)

	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"docs","key":"a b/ü.txt","toKey":"copy/ü.txt"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	resp, body = root.do(http.MethodPost, "/api/copy", `{"bucket":"docs","key":"a b/ü.txt","toKey":"moved/ü.txt","move":true}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "content", e.get(t, "docs", "copy/ü.txt"))
	require.Equal(t, "content", e.get(t, "docs", "moved/ü.txt"))
	_, err = cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("a b/ü.txt")})
	require.ErrorContains(t, err, "NotFound", "the move deleted the source")
	resp, _ = root.do(http.MethodPost, "/api/copy", `{"bucket":"docs","key":"moved/ü.txt","toKey":"moved/ü.txt"}`, nil)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, body = root.do(http.MethodPost, "/api/tags", `{"bucket":"docs","key":"moved/ü.txt","tags":"team=ops\nstage = draft"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("moved/ü.txt")})
	require.NoError(t, err)
	require.Len(t, tags.TagSet, 2)
	resp, _ = root.do(http.MethodPost, "/api/tags", `{"bucket":"docs","key":"moved/ü.txt","tags":""}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	tags, err = cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("moved/ü.txt")})
	require.NoError(t, err)
	require.Empty(t, tags.TagSet)
}

// TestPublicURL: an object that the bucket policy lets anyone read shows a public
// URL on the console's origin, which answers without credentials; a private one shows
// none and anonymous reads of it are refused; /s3/ refuses anonymous writes and
// header-signed requests.
func TestPublicURL(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	for _, b := range []string{"pub", "priv"} {
		_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("read me.txt"), Body: strings.NewReader("hello " + b)})
		require.NoError(t, err)
	}
	_, err := cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("pub"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}]}`)})
	require.NoError(t, err)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	_, body := ro.do(http.MethodGet, "/o/pub/read%20me.txt", "", nil)
	want := e.base + "/s3/pub/read%20me.txt"
	require.Contains(t, body, `id="public-url" href="`+want+`"`)
	require.Equal(t, "hello pub", fetch(t, want, nil))
	_, body = ro.do(http.MethodGet, "/o/priv/read%20me.txt", "", nil)
	require.NotContains(t, body, `id="public-url"`)
	require.Equal(t, http.StatusForbidden, httpDo(t, http.MethodGet, e.base+"/s3/priv/read%20me.txt", "").status)
	require.Equal(t, http.StatusForbidden, httpDo(t, http.MethodPut, e.base+"/s3/pub/new.txt", "x").status)
	req, _ := http.NewRequest(http.MethodGet, e.base+"/s3/pub/read%20me.txt", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
}

// TestPreviewKinds: the object page previews by content type: an image in img, a
// video in video (its source the Range-capable download), a PDF in a frame, text
// fetched by the script; other types get none.
func TestPreviewKinds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("media")})
	require.NoError(t, err)
	cases := map[string]struct{ contentType, want string }{
		"a.png":  {"image/png", `<img src="/dl/media/a.png?inline=1"`},
		"b.mp4":  {"video/mp4", `<video controls preload="metadata" src="/dl/media/b.mp4?inline=1">`},
		"c.pdf":  {"application/pdf", `<iframe title="PDF preview" src="/dl/media/c.pdf?inline=1">`},
		"d.json": {"application/json", `<pre id="preview-text" data-src="/dl/media/d.json?inline=1">`},
		"e.bin":  {"application/octet-stream", "No preview for this type."},
	}
	for key, c := range cases {
		_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("media"), Key: aws.String(key), Body: strings.NewReader("data"), ContentType: aws.String(c.contentType)})
		require.NoError(t, err)
	}
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	for key, c := range cases {
		_, body := ro.do(http.MethodGet, "/o/media/"+key, "", nil)
		require.Contains(t, body, c.want, key)
	}
}
