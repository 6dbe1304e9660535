package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// env is one node with a read-only user beside root, and its audit log.
type env struct {
	n        *node.Node
	base     string // the console's URL (the admin address)
	audit    string // the audit log's path
	roKey    string
	roSecret string
}

// readOnlyPolicy may list buckets and read objects, nothing more.
const readOnlyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:ListBucket","s3:GetObject"],"Resource":["arn:aws:s3:::*"]}]}`

func newEnv(t *testing.T, options ...func(*node.Config)) *env {
	t.Helper()
	auditPath := filepath.Join(t.TempDir(), "audit.log")
	options = append([]func(*node.Config){func(c *node.Config) { c.AuditLog = auditPath }}, options...)
	n := nodetest.Start(t, options...)
	e := &env{n: n, base: n.ConsoleURL(), audit: auditPath}
	e.addReader(t)
	return e
}

// addReader creates the read-only user "reader" with a key, kept in e.
func (e *env) addReader(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ac := e.adminClient(t)
	_, err := ac.PutPolicy(ctx, "console-read-only", []byte(readOnlyPolicy))
	require.NoError(t, err)
	_, err = ac.CreateUser(ctx, admin.CreateUserRequest{Name: "reader", Policies: []string{"console-read-only"}})
	require.NoError(t, err)
	k, err := ac.CreateAccessKey(ctx, "reader")
	require.NoError(t, err)
	e.roKey, e.roSecret = k.AccessKeyID, k.SecretKey
}

// signedInUser creates user name with a managed policy of its own (named as the
// user) holding doc, and a key, and returns a browser signed in as the user.
func (e *env) signedInUser(t *testing.T, name, doc string) *browser {
	t.Helper()
	ctx := context.Background()
	ac := e.adminClient(t)
	_, err := ac.PutPolicy(ctx, name, []byte(doc))
	require.NoError(t, err)
	_, err = ac.CreateUser(ctx, admin.CreateUserRequest{Name: name, Policies: []string{name}})
	require.NoError(t, err)
	k, err := ac.CreateAccessKey(ctx, name)
	require.NoError(t, err)
	b := e.browser(t)
	require.Equal(t, http.StatusSeeOther, b.signIn(k.AccessKeyID, k.SecretKey).StatusCode)
	return b
}

func (e *env) adminClient(t *testing.T) *client.Client {
	ak, sk := e.n.RootCredentials()
	c, err := client.New(client.Config{Endpoint: e.n.AdminURL(), Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	require.NoError(t, err)
	return c
}

// s3 is an S3 client of root on the node's S3 port.
func (e *env) s3() *s3.Client {
	ak, sk := e.n.RootCredentials()
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(e.n.S3URL()), Region: "us-east-1", UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
	})
}

// browser is an HTTP client with a cookie jar that does not follow redirects, so a
// test sees each answer.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func (e *env) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{t: t, base: e.base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request the way the console's own pages do: same Origin, the page's
// CSRF token in X-CSRF-Token.
func (b *browser) do(method, path, body string, header map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(body))
	require.NoError(b.t, err)
	if method != http.MethodGet {
		req.Header.Set("Origin", b.base)
		if b.csrf != "" {
			req.Header.Set("X-CSRF-Token", b.csrf)
		}
		if strings.HasPrefix(body, "{") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	for k, v := range header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if m := csrfMeta.FindStringSubmatch(string(data)); m != nil {
		b.csrf = m[1]
	}
	return resp, string(data)
}

var csrfMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

// signIn signs in and loads the buckets page (for the CSRF token); it returns the
// sign-in answer.
func (b *browser) signIn(key, secret string) *http.Response {
	b.t.Helper()
	form := url.Values{"accessKey": {key}, "secretKey": {secret}, "next": {"/buckets"}}
	resp, _ := b.do(http.MethodPost, "/login", form.Encode(), nil)
	if resp.StatusCode == http.StatusSeeOther {
		page, body := b.do(http.MethodGet, "/buckets", "", nil)
		require.Equal(b.t, http.StatusOK, page.StatusCode, body)
	}
	return resp
}

// auditLines returns the audit log's records that contain every one of the strings.
func (e *env) auditLines(t *testing.T, contains ...string) []string {
	data, err := os.ReadFile(e.audit)
	require.NoError(t, err)
	var out []string
next:
	for _, l := range strings.Split(string(data), "\n") {
		for _, c := range contains {
			if !strings.Contains(l, c) {
				continue next
			}
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func staticCreds(key, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(key, secret, "")
}
