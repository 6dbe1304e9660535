package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestBucketCORSSettings: a rule added by the form and read back through the S3 API
// and on the page; a rule the API refuses shown by the form as typed; raw XML
// refused and accepted; a rule deleted, the last one removing the configuration; the
// reader may change nothing.
func TestBucketCORSSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("web")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	rules := func() []types.CORSRule {
		out, err := cl.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("web")})
		if err != nil {
			return nil
		}
		return out.CORSRules
	}

	_, body := root.do(http.MethodGet, "/settings/web", "", nil)
	require.Contains(t, body, `href="/cors/web" id="cors-link"`)
	_, body = root.do(http.MethodGet, "/cors/web", "", nil)
	require.Contains(t, body, `id="no-cors"`)

	resp, body := root.post("/cors/web/rule", "id", "app", "origins", "https://app.example.com, https://*.example.org",
		"method", "GET", "method", "PUT", "headers", "*", "expose", "ETag", "maxage", "600")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, "/cors/web", resp.Header.Get("Location"))
	got := rules()
	require.Len(t, got, 1)
	require.Equal(t, []string{"https://app.example.com", "https://*.example.org"}, got[0].AllowedOrigins)
	require.Equal(t, []string{"GET", "PUT"}, got[0].AllowedMethods)
	require.Equal(t, int32(600), aws.ToInt32(got[0].MaxAgeSeconds))
	_, body = root.do(http.MethodGet, "/cors/web", "", nil)
	require.Contains(t, body, `<td>app</td><td>https://app.example.com, https://*.example.org</td><td>GET, PUT</td><td>*</td><td>ETag</td><td>600</td>`)
	require.Contains(t, body, "&lt;MaxAgeSeconds&gt;600&lt;/MaxAgeSeconds&gt;", "the raw XML in the editor")

	// Replacing the rule of its ID; a refused rule shown with the API's error.
	resp, body = root.post("/cors/web/rule", "id", "app", "origins", "https://app.example.com", "method", "GET")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Len(t, rules(), 1)
	resp, body = root.post("/cors/web/rule", "id", "bad", "origins", "https://*.*.example.com", "method", "GET")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Regexp(t, `id="cors-rule-error">InvalidRequest: `, body)
	require.Contains(t, body, `id="cors-origins" value="https://*.*.example.com"`)
	require.Len(t, rules(), 1)

	resp, body = root.post("/cors/web/xml", "xml", "<CORSConfiguration><CORSRule>")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Regexp(t, `id="cors-xml-error">MalformedXML: `, body)
	require.Contains(t, body, "&lt;CORSConfiguration&gt;&lt;CORSRule&gt;</textarea>")
	doc := `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>
<CORSRule><ID>up</ID><AllowedOrigin>https://up.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule>
</CORSConfiguration>`
	resp, body = root.post("/cors/web/xml", "xml", doc)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Len(t, rules(), 2, "the XML replaced the configuration")

	resp, body = root.post("/cors/web/rule-delete", "index", "0")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	got = rules()
	require.Len(t, got, 1)
	require.Equal(t, "up", aws.ToString(got[0].ID))
	resp, body = root.post("/cors/web/rule-delete", "index", "0")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	_, err = cl.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("web")})
	require.ErrorContains(t, err, "NoSuchCORSConfiguration", "the last rule's removal deletes the configuration")

	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	resp, _ = ro.post("/cors/web/rule", "origins", "*", "method", "GET")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Empty(t, rules())
}

// TestBrowserCrossOriginFetch: a page of another origin, in Chromium, reads an object
// with a presigned GET and writes one with a presigned PUT (which needs a preflight)
// once the bucket's rules allow its origin, reading the exposed ETag; a bucket
// without rules is refused by the browser.
func TestBrowserCrossOriginFetch(t *testing.T) {
	chrome := newChrome(t)
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	for _, b := range []string{"shared", "closed"} {
		_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("hello.txt"), Body: strings.NewReader("hello from " + b)})
		require.NoError(t, err)
	}
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>app</title>")
	}))
	t.Cleanup(app.Close)
	_, err := cl.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("shared"), CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedOrigins: []string{app.URL}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}}}}})
	require.NoError(t, err)

	pc := s3.NewPresignClient(cl)
	presign := func(method, bucket, key string) string {
		var url string
		if method == http.MethodPut {
			p, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(time.Hour))
			require.NoError(t, err)
			url = p.URL
		} else {
			p, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}, s3.WithPresignExpires(time.Hour))
			require.NoError(t, err)
			url = p.URL
		}
		return url
	}
	require.NoError(t, chromedp.Do(chrome, chromedp.Navigate(app.URL)))

	got := eval[string](t, chrome, fmt.Sprintf(`fetch(%q).then(r => r.text())`, presign(http.MethodGet, "shared", "hello.txt")))
	require.Equal(t, "hello from shared", got)
	etag := eval[string](t, chrome, fmt.Sprintf(`fetch(%q, {method: 'PUT', body: 'written by a page', headers: {'Content-Type': 'text/plain', 'X-Custom': 'x'}}).then(r => r.ok ? r.headers.get('ETag') : 'status ' + r.status)`,
		presign(http.MethodPut, "shared", "from-page.txt")))
	require.Regexp(t, `^"[0-9a-f]{32}"$`, etag, "the PUT passed its preflight and the ETag is exposed")
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-page.txt")})
	require.NoError(t, err)
	out.Body.Close()

	refused := eval[string](t, chrome, fmt.Sprintf(`fetch(%q).then(r => 'read ' + r.status, e => 'refused: ' + e.name)`, presign(http.MethodGet, "closed", "hello.txt")))
	require.Equal(t, "refused: TypeError", refused, "a bucket without rules: the browser refuses the answer")
}
