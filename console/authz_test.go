package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestEndpointAuthorization runs every console endpoint as the anonymous caller, a
// read-only user and root: anonymous is sent to sign in (pages) or refused with 401
// (everything else); the read-only user reads but every write it attempts, even a
// forged request for a control it is not shown, is refused by the S3 API's own
// authorization; root may do everything. Each refusal and each action is in the
// audit log as "api":"console".
func TestEndpointAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("data")})
	require.NoError(t, err)
	for _, k := range []string{"docs/a.txt", "docs/b.txt", "top.txt"} {
		_, err = e.s3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("data"), Key: aws.String(k), Body: strings.NewReader("content of " + k)})
		require.NoError(t, err)
	}
	anon := e.browser(t)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)

	type want struct{ anon, ro, root int }
	page := func(path string, w want, roContains, roLacks string) {
		t.Helper()
		resp, _ := anon.do(http.MethodGet, path, "", nil)
		require.Equal(t, w.anon, resp.StatusCode, "anonymous GET %s", path)
		if w.anon == http.StatusSeeOther {
			require.True(t, strings.HasPrefix(resp.Header.Get("Location"), "/login?next="), path)
		}
		resp, body := ro.do(http.MethodGet, path, "", nil)
		require.Equal(t, w.ro, resp.StatusCode, "read-only GET %s: %s", path, body)
		if roContains != "" {
			require.Contains(t, body, roContains, path)
		}
		if roLacks != "" {
			require.NotContains(t, body, roLacks, path)
		}
		resp, body = root.do(http.MethodGet, path, "", nil)
		require.Equal(t, w.root, resp.StatusCode, "root GET %s: %s", path, body)
	}
	redirect, ok := http.StatusSeeOther, http.StatusOK

	page("/", want{redirect, redirect, redirect}, "", "")
	page("/buckets", want{redirect, ok, ok}, `href="/b/data/"`, `id="create-bucket"`)
	page("/b/data/", want{redirect, ok, ok}, `href="/b/data/docs/"`, `id="file-input"`)
	page("/b/data/docs/", want{redirect, ok, ok}, "a.txt", `id="delete-selected"`)
	page("/search/data?q=B.TXT", want{redirect, ok, ok}, "docs/b.txt", "")
	page("/dl/data/top.txt", want{redirect, redirect, redirect}, "", "")
	page("/b/nosuchbucket/", want{redirect, http.StatusNotFound, http.StatusNotFound}, "NoSuchBucket", "")
	page("/usage", want{redirect, ok, ok}, "AccessDenied", `href="/b/data/"`)

	// Root sees the write controls the reader does not.
	_, body := root.do(http.MethodGet, "/b/data/", "", nil)
	require.Contains(t, body, `id="file-input"`)
	require.Contains(t, body, `id="delete-selected"`)
	_, body = root.do(http.MethodGet, "/buckets", "", nil)
	require.Contains(t, body, `id="create-bucket"`)

	// A download is a redirect to a presigned GET on the console's /s3/ path, which
	// serves the bytes (with Range) to whoever holds it, session or not.
	resp, _ := ro.do(http.MethodGet, "/dl/data/top.txt", "", nil)
	loc := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/s3/data/top.txt?"), loc)
	got := fetch(t, e.base+loc, map[string]string{"Range": "bytes=0-6"})
	require.Equal(t, "content", got)

	// The JSON endpoints and the state-changing forms.
	type call struct {
		method, path, body string
		want               want
		roCode             string
	}
	forbidden, unauth := http.StatusForbidden, http.StatusUnauthorized
	calls := []call{
		{"GET", "/api/session", "", want{unauth, ok, ok}, ""},
		{"GET", "/api/buckets", "", want{unauth, ok, ok}, ""},
		{"POST", "/api/metadata", `{"bucket":"data","key":"top.txt","cacheControl":"no-cache"}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/move-folder", `{"bucket":"data","prefix":"docs/","toPrefix":"moved/"}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/move-folder", `{"bucket":"data","prefix":"moved/","toPrefix":"docs/"}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/buckets", url.Values{"name": {"made-by-console"}}.Encode(), want{unauth, forbidden, redirect}, "AccessDenied"},
		{"POST", "/api/move-folder", `{"bucket":"data","prefix":"docs/","toBucket":"made-by-console","toPrefix":"docs/"}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/move-folder", `{"bucket":"made-by-console","prefix":"docs/","toBucket":"data","toPrefix":"docs/"}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/multipart/create", `{"bucket":"data","key":"big.bin","size":20000000}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/delete", `{"bucket":"data","keys":["top.txt"]}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/delete", `{"bucket":"data","prefixes":["docs/"]}`, want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/api/multipart/complete", `{"bucket":"data","key":"k","uploadId":"nosuch","parts":[{"partNumber":1,"etag":"x"}]}`, want{unauth, forbidden, http.StatusNotFound}, "AccessDenied"},
		{"POST", "/api/multipart/abort", `{"bucket":"data","key":"k","uploadId":"nosuch"}`, want{unauth, forbidden, http.StatusNotFound}, "AccessDenied"},
		{"POST", "/api/presign", `{"method":"GET","bucket":"data","key":"top.txt","expires":604801}`, want{unauth, http.StatusBadRequest, http.StatusBadRequest}, "7 days"},
		{"POST", "/api/presign", `{"method":"DELETE","bucket":"data","key":"top.txt"}`, want{unauth, http.StatusBadRequest, http.StatusBadRequest}, "GET or PUT"},
		{"POST", "/api/multipart/urls", `{"bucket":"data","key":"k","uploadId":"u","parts":[0]}`, want{unauth, http.StatusBadRequest, http.StatusBadRequest}, "1 to 10000"},
		{"POST", "/api/multipart/parts", `{"bucket":"data","key":"k","uploadId":"nosuch"}`, want{unauth, forbidden, http.StatusNotFound}, "AccessDenied"},
		{"POST", "/settings/data/quota", url.Values{"size": {"1"}, "unit": {"GiB"}}.Encode(), want{unauth, forbidden, redirect}, "AccessDenied"},
		{"POST", "/settings/data/quota-clear", "", want{unauth, forbidden, redirect}, "AccessDenied"},
		{"POST", "/cluster/preview", url.Values{"replication": {"1"}}.Encode(), want{unauth, forbidden, ok}, "AccessDenied"},
		{"POST", "/cluster/apply", url.Values{"version": {"999"}, "replication": {"1"}}.Encode(), want{unauth, forbidden, http.StatusConflict}, "AccessDenied"},
		{"POST", "/cluster/apply", url.Values{"version": {"999"}, "capacity.node1": {"3"}}.Encode(), want{unauth, forbidden, http.StatusConflict}, "AccessDenied"},
		{"POST", "/cluster/clear-override", url.Values{"version": {"999"}, "node": {"node1"}}.Encode(), want{unauth, forbidden, http.StatusConflict}, "AccessDenied"},
		{"POST", "/logout", "", want{unauth, redirect, redirect}, ""},
	}
	for _, c := range calls {
		resp, body := anon.do(c.method, c.path, c.body, nil)
		require.Equal(t, c.want.anon, resp.StatusCode, "anonymous %s %s: %s", c.method, c.path, body)
		if c.path == "/logout" {
			continue // the sessions are needed below; sign-out has its own test
		}
		resp, body = ro.do(c.method, c.path, c.body, nil)
		require.Equal(t, c.want.ro, resp.StatusCode, "read-only %s %s: %s", c.method, c.path, body)
		require.Contains(t, body, c.roCode, "read-only %s %s", c.method, c.path)
		resp, body = root.do(c.method, c.path, c.body, nil)
		require.Equal(t, c.want.root, resp.StatusCode, "root %s %s: %s", c.method, c.path, body)
	}

	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"SetNodeOverride"`, `"user":"reader"`, `"result":"deny"`), "the reader's clear of an override is refused and audited")
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"ListBuckets"`, `"user":"reader"`, `"result":"allow"`))

	// What root's calls did, seen through the S3 port.
	_, err = e.s3().HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("made-by-console")})
	require.NoError(t, err)
	list, err := e.s3().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("data")})
	require.NoError(t, err)
	require.Empty(t, list.Contents, "root deleted top.txt and the docs/ folder")

	// A presigned PUT is signed for anyone who asks, but the S3 API refuses the
	// reader's when it is used: the signature carries the reader's identity.
	_, body = ro.do(http.MethodPost, "/api/presign", `{"method":"PUT","bucket":"data","key":"forged.txt"}`, nil)
	var p struct{ Path string }
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	put := httpDo(t, http.MethodPut, e.base+p.Path, "forged")
	require.Equal(t, http.StatusForbidden, put.status, put.body)
	require.Contains(t, put.body, "AccessDenied")
	_, body = root.do(http.MethodPost, "/api/presign", `{"method":"PUT","bucket":"data","key":"ok.txt"}`, nil)
	require.NoError(t, json.Unmarshal([]byte(body), &p), body)
	put = httpDo(t, http.MethodPut, e.base+p.Path, "fine")
	require.Equal(t, http.StatusOK, put.status, put.body)

	// The /s3/ path takes presigned requests only.
	bare := httpDo(t, http.MethodGet, e.base+"/s3/data/ok.txt", "")
	require.Equal(t, http.StatusForbidden, bare.status)

	// DeleteObjects itself is allowed and its keys refused one by one (as on AWS);
	// the refused multipart upload and the refused presigned PUT are denials.
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"user":"reader"`, `"action":"CreateMultipartUpload"`, `"result":"deny"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"user":"reader"`, `"action":"PutObject"`, `"result":"deny"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"CreateBucket"`, `"result":"allow"`))
}

type answer struct {
	status int
	body   string
}

func httpDo(t *testing.T, method, u, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return answer{resp.StatusCode, string(data)}
}

func fetch(t *testing.T, u string, header map[string]string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, string(data))
	return string(data)
}
