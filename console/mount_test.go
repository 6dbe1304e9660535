package console_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/console"
)

// A 1x1 PNG.
const pixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// TestMount: a mount shows one folder of a bucket with its title and inlined logo,
// breadcrumbs from its top and links that stay inside it, and offers its extension
// allow-list to the page; it grants nothing (the reader still cannot write, anonymous
// still must sign in).
func TestMount(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "logo.png")
	data, _ := base64.StdEncoding.DecodeString(pixelPNG)
	require.NoError(t, os.WriteFile(logo, data, 0o600))
	e := newEnv(t, func(c *node.Config) {
		c.ConsoleMounts = []string{"team-a=shared/team-a;title=Team A files;logo=" + logo + ";link=https://team-a.example/;ext=txt|PDF"}
	})
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	for _, k := range []string{"team-a/plan.txt", "team-a/2026/q1.txt", "team-b/secret.txt"} {
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String(k), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	_, body := ro.do(http.MethodGet, "/buckets", "", nil)
	require.Contains(t, body, `<a href="/m/team-a/">Team A files</a>`)
	resp, body := ro.do(http.MethodGet, "/m/team-a/", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "<title>Team A files</title>")
	require.Contains(t, body, `<a class="brand" href="https://team-a.example/"><img class="logo" src="data:image/png;base64,`+strings.ReplaceAll(pixelPNG, "+", "&#43;")+`"`)
	require.Contains(t, body, `data-key="team-a/plan.txt"`)
	require.Contains(t, body, `href="/m/team-a/2026/"`)
	require.NotContains(t, body, "team-b")
	require.NotContains(t, body, `id="file-input"`, "the mount grants the reader nothing")
	_, body = ro.do(http.MethodGet, "/m/team-a/2026/", "", nil)
	require.Contains(t, body, `<a href="/m/team-a/">Team A files</a><span class="sep">/</span><a href="/m/team-a/2026/">2026</a>`)
	require.Contains(t, body, `data-key="team-a/2026/q1.txt"`)

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	_, body = root.do(http.MethodGet, "/m/team-a/", "", nil)
	require.Contains(t, body, `data-extensions="txt pdf"`)

	resp, _ = root.do(http.MethodGet, "/m/nosuch/", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = e.browser(t).do(http.MethodGet, "/m/team-a/", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// TestParseMount: the mount syntax and its refusals.
func TestParseMount(t *testing.T) {
	m, err := console.ParseMount("photos=pics")
	require.NoError(t, err)
	require.Equal(t, console.Mount{Name: "photos", Bucket: "pics", Title: "photos", Link: "/m/photos/"}, m)
	m, err = console.ParseMount("a=b/c/d/;title=T;ext=.JPG|png")
	require.NoError(t, err)
	require.Equal(t, "c/d/", m.Base)
	require.Equal(t, []string{"jpg", "png"}, m.Extensions)
	for _, bad := range []string{"", "Photos=pics", "a=", "a=b;color=red", "a=b;link=javascript:alert(1)", "a=b;logo=/nonexistent.png", "a=b;title"} {
		_, err := console.ParseMount(bad)
		require.Error(t, err, bad)
	}
	m, err = console.ParseMount("a=b;logo_url=https://CDN.example:8443/brand/logo.svg?v=2")
	require.NoError(t, err)
	require.Equal(t, "https://CDN.example:8443/brand/logo.svg?v=2", m.Logo)
	require.Equal(t, "https://cdn.example:8443", m.LogoOrigin)
	for _, bad := range []string{
		"a=b;logo_url=http://cdn.example/logo.png",            // not https
		"a=b;logo_url=//cdn.example/logo.png",                 // no scheme
		"a=b;logo_url=https://u:p@cdn.example/logo.png",       // user info
		"a=b;logo_url=https://*.example/logo.png",             // a wildcard in the CSP
		"a=b;logo_url=https://cdn.example/a'b.png",            // a quote
		"a=b;logo_url=https://cdn.example/x.png,https://evil", // a second source
		"a=b;logo_url=https:///logo.png",                      // no host
		"a=b;logo_url=https://cdn.example/l.png;logo_url=https://cdn.example/l.png",
	} {
		_, err := console.ParseMount(bad)
		require.Error(t, err, bad)
	}
	notImage := filepath.Join(t.TempDir(), "x.txt")
	require.NoError(t, os.WriteFile(notImage, []byte("hello"), 0o600))
	_, err = console.ParseMount("a=b;logo=" + notImage)
	require.ErrorContains(t, err, "not an image")
}

// TestMountLogoURL: a mount's logo given by URL is the img of the mount's pages, and
// exactly that URL's origin is added to their CSP's img-src; every other page keeps
// the console's own CSP.
func TestMountLogoURL(t *testing.T) {
	e := newEnv(t, func(c *node.Config) {
		c.ConsoleMounts = []string{"team-a=shared/team-a;title=Team A;logo_url=https://cdn.example/brand/a.png?v=1&s=2", "plain=shared"}
	})
	_, err := e.s3().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("shared")})
	require.NoError(t, err)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, body := ro.do(http.MethodGet, "/m/team-a/", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `<img class="logo" src="https://cdn.example/brand/a.png?v=1&amp;s=2" alt="">`)
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "img-src 'self' blob: data: https://cdn.example;")
	require.Contains(t, csp, "default-src 'self'; script-src 'self';", "only img-src changes")
	require.Equal(t, 1, strings.Count(csp, "cdn.example"))

	for _, path := range []string{"/m/plain/", "/buckets", "/b/shared/"} {
		resp, _ := ro.do(http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.NotContains(t, resp.Header.Get("Content-Security-Policy"), "cdn.example", path)
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "img-src 'self' blob: data:;", path)
	}
}
