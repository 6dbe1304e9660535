package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestEditMetadata: the object's page edits its Content-Type, Cache-Control,
// Content-Disposition and user metadata (CopyObject onto itself, REPLACE), keeping
// its tags, content and Content-Language; bad names and values are refused before
// any call; the read-only user has no form and is refused when it forges the request.
func TestEditMetadata(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("docs")})
	require.NoError(t, err)
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("docs"), Key: aws.String("r/ü.txt"), Body: strings.NewReader("content"),
		ContentType: aws.String("application/octet-stream"), ContentLanguage: aws.String("de"),
		Metadata: map[string]string{"old": "1"}, Tagging: aws.String("team=ops"),
	})
	require.NoError(t, err)
	const page = "/o/docs/r/%C3%BC.txt"
	const edit = `{"bucket":"docs","key":"r/ü.txt","contentType":"text/plain; charset=utf-8","cacheControl":"max-age=60","contentDisposition":"attachment; filename=\"u.txt\"","metadata":"Owner = ops\nx-amz-meta-stage=draft"}`

	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	_, body := ro.do(http.MethodGet, page, "", nil)
	require.NotContains(t, body, `id="meta-save"`)
	resp, body := ro.do(http.MethodPost, "/api/metadata", edit, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	_, body = root.do(http.MethodGet, page, "", nil)
	require.Contains(t, body, `id="meta-save"`)
	require.Contains(t, body, "old=1\n</textarea>")
	for _, bad := range []string{
		`{"bucket":"docs","key":"r/ü.txt","metadata":"bad name=1"}`,
		`{"bucket":"docs","key":"r/ü.txt","metadata":"name=caf\u00e9"}`,
		`{"bucket":"docs","key":"r/ü.txt","cacheControl":"a\nb"}`,
		`{"bucket":"docs","key":"r/ü.txt","metadata":"no equals sign"}`,
	} {
		resp, body := root.do(http.MethodPost, "/api/metadata", bad, nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, bad+": "+body)
	}
	head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("r/ü.txt")})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"old": "1"}, head.Metadata, "refused edits changed nothing")

	resp, body = root.do(http.MethodPost, "/api/metadata", edit, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	head, err = cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("r/ü.txt")})
	require.NoError(t, err)
	require.Equal(t, "text/plain; charset=utf-8", aws.ToString(head.ContentType))
	require.Equal(t, "max-age=60", aws.ToString(head.CacheControl))
	require.Equal(t, `attachment; filename="u.txt"`, aws.ToString(head.ContentDisposition))
	require.Equal(t, "de", aws.ToString(head.ContentLanguage), "headers the form does not edit are kept")
	require.Equal(t, map[string]string{"owner": "ops", "stage": "draft"}, head.Metadata, "replaced, not merged")
	require.Equal(t, "content", e.get(t, "docs", "r/ü.txt"))
	tags, err := cl.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String("docs"), Key: aws.String("r/ü.txt")})
	require.NoError(t, err)
	require.Equal(t, []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}, tags.TagSet, "tags kept")
	require.Len(t, e.auditLines(t, `"api":"console"`, `"action":"CopyObject"`, `"result":"allow"`), 1)

	_, body = root.do(http.MethodGet, page, "", nil)
	require.Contains(t, body, `<dd id="cache-control">max-age=60</dd>`)
	require.Contains(t, body, `<dt>x-amz-meta-stage</dt><dd>draft</dd>`)

	resp, body = root.do(http.MethodPost, "/api/metadata", `{"bucket":"docs","key":"r/ü.txt","contentType":"text/plain"}`, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	head, err = cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("docs"), Key: aws.String("r/ü.txt")})
	require.NoError(t, err)
	require.Empty(t, head.Metadata, "no lines remove the metadata")
	require.Nil(t, head.CacheControl)
}
