package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

func form(csrf string, kv ...string) string {
	v := url.Values{"csrf": {csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v.Encode()
}

// post sends a form the way the console's pages do (token in the form, not the
// header).
func (b *browser) post(path string, kv ...string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodPost, path, form(b.csrf, kv...), map[string]string{"X-CSRF-Token": ""})
}

var secretOnPage = regexp.MustCompile(`id="new-key-secret">([^<]+)<`)
var keyOnPage = regexp.MustCompile(`id="new-key-id">([^<]+)<`)

// TestIAMPages: root creates a user with a policy and an expiry, an access key whose
// secret is shown once and signs in, a group with a member and a policy, and
// policies (a bad one refused with the error by the editor); disabling the user stops
// its sign-in, deleting its key ends its session. The read-only user is refused every
// change by the admin API, and anonymous is sent to sign in.
func TestIAMPages(t *testing.T) {
	e := newEnv(t)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	anon := e.browser(t)

	resp, body := root.do(http.MethodGet, "/iam/users", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `href="/iam/users/reader"`)
	resp, _ = root.post("/iam/users", "name", "carol", "policy", "console-read-only", "expiry", "24h")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/iam/users/carol", resp.Header.Get("Location"))
	_, body = root.do(http.MethodGet, "/iam/users/carol", "", nil)
	require.Contains(t, body, `href="/iam/policies/console-read-only"`)
	require.NotContains(t, body, "<dt>Expiry</dt><dd>never", "the expiry is set")

	// A new key: its secret is on the answer to the POST and nowhere after.
	resp, body = root.post("/iam/users/carol/create-key")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	secret, key := secretOnPage.FindStringSubmatch(body)[1], keyOnPage.FindStringSubmatch(body)[1]
	_, body = root.do(http.MethodGet, "/iam/users/carol", "", nil)
	require.Contains(t, body, key)
	require.NotContains(t, body, secret)
	carol := e.browser(t)
	require.Equal(t, http.StatusSeeOther, carol.signIn(key, secret).StatusCode)

	// Rotating the key: a new secret, shown once; the old key's session ends.
	resp, body = root.post("/iam/users/carol/rotate-key", "key", key)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, key+"</code>, which no longer works")
	newSecret, newKey := secretOnPage.FindStringSubmatch(body)[1], keyOnPage.FindStringSubmatch(body)[1]
	require.NotEqual(t, key, newKey)
	resp, _ = carol.do(http.MethodGet, "/api/session", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	key, secret = newKey, newSecret
	require.Equal(t, http.StatusSeeOther, carol.signIn(key, secret).StatusCode)

	// Disabled: carol's next sign-in is refused; deleting the key ends her session.
	resp, _ = root.post("/iam/users/carol/disable")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body = e.browser(t).do(http.MethodPost, "/login", url.Values{"accessKey": {key}, "secretKey": {secret}}.Encode(), nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "user carol is disabled")
	resp, _ = root.post("/iam/users/carol/enable")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = root.post("/iam/users/carol/delete-key", "key", key)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = carol.do(http.MethodGet, "/api/session", "", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// Groups.
	resp, _ = root.post("/iam/groups", "name", "ops")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, step := range [][]string{{"add", "user", "carol"}, {"attach", "policy", "console-read-only"}} {
		resp, body = root.post("/iam/groups/ops/"+step[0], step[1], step[2])
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	}
	_, body = root.do(http.MethodGet, "/iam/groups/ops", "", nil)
	require.Contains(t, body, `href="/iam/users/carol"`)
	require.Contains(t, body, `href="/iam/policies/console-read-only"`)

	// Policies: a bad document is refused by the admin API and shown by the editor.
	resp, body = root.post("/iam/policies", "new", "1", "name", "broken", "document", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":["s3:GetObject"],"Resource":["*"]}]}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, `id="policy-error"`)
	require.Contains(t, body, "MalformedPolicy")
	require.Contains(t, body, "Maybe", "the document as typed is kept")
	resp, _ = root.post("/iam/policies", "new", "1", "name", "photos-read", "document", `[{"bucket":"photos","actions":["read"]}]`)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = root.do(http.MethodGet, "/iam/policies/console-read-only", "", nil)
	require.Contains(t, body, `href="/iam/users/carol"`, "used by")
	require.Contains(t, body, `href="/iam/groups/ops"`, "used by")
	resp, body = root.post("/iam/policies/console-read-only/delete")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, "PolicyInUse")
	resp, _ = root.post("/iam/policies/photos-read/delete")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// The read-only user: pages answer with the admin API's refusal, changes are refused.
	_, body = ro.do(http.MethodGet, "/iam/users", "", nil)
	require.Contains(t, body, "AccessDenied")
	require.NotContains(t, body, `href="/iam/users/carol"`)
	for _, c := range []struct {
		path string
		kv   []string
	}{
		{"/iam/users", []string{"name", "mallory"}},
		{"/iam/users/carol/delete", nil},
		{"/iam/users/reader/attach", []string{"policy", "console-read-only"}},
		{"/iam/users/reader/create-key", nil},
		{"/iam/groups", []string{"name", "evil"}},
		{"/iam/groups/ops/add", []string{"user", "reader"}},
		{"/iam/policies", []string{"name", "x", "document", `[{"bucket":"*","actions":["all"]}]`}},
		{"/iam/policies/console-read-only/delete", nil},
	} {
		resp, body := ro.post(c.path, c.kv...)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", c.path, body)
		require.Contains(t, body, "AccessDenied", c.path)
		resp, _ = anon.post(c.path, c.kv...)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, c.path)
	}
	for _, path := range []string{"/iam/users", "/iam/users/carol", "/iam/groups", "/iam/groups/ops", "/iam/policies", "/iam/policies/console-read-only", "/cluster", "/settings/x"} {
		resp, _ := anon.do(http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
	}

	resp, _ = root.post("/iam/groups/ops/remove", "user", "carol")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = root.post("/iam/groups/ops/delete")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, _ = root.post("/iam/users/carol/delete")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = root.do(http.MethodGet, "/iam/users", "", nil)
	require.NotContains(t, body, `href="/iam/users/carol"`)

	// The cluster page: root sees the node; the reader gets the refusals.
	_, body = root.do(http.MethodGet, "/cluster", "", nil)
	require.Contains(t, body, `id="nodes"`)
	require.Contains(t, body, "test-node")
	_, body = ro.do(http.MethodGet, "/cluster", "", nil)
	require.Contains(t, body, "AccessDenied")
	require.NotContains(t, body, `id="nodes"`)

	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"CreateUser"`, `"user":"root"`, `"result":"allow"`))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"CreateUser"`, `"user":"reader"`, `"result":"deny"`))
	require.Empty(t, e.auditLines(t, secret), "the new secret is in no audit record")
}

// TestBucketSettings: versioning, tags and the bucket policy through their forms (a
// bad policy refused and shown by the editor); deleting a bucket names what is lost,
// needs its name typed, and removes every version; the read-only user is refused.
func TestBucketSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("old")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, _ := root.post("/settings/old/versioning", "status", "Enabled")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, body := range []string{"one", "two"} {
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("old"), Key: aws.String("a.txt"), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	_, err = cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("old"), Key: aws.String("a.txt")})
	require.NoError(t, err)
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("old"), Key: aws.String("b.txt"), Body: strings.NewReader("three")})
	require.NoError(t, err)

	resp, _ = root.post("/settings/old/tags", "tags", "team = ops\ncost=42", "format", "lines")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body := root.post("/settings/old/tags", "tags", "not a tag line", "format", "lines")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "Line 1 is not key=value.")
	resp, body = root.post("/settings/old/policy", "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
	require.Contains(t, body, `id="policy-error"`)
	resp, body = root.post("/settings/old/policy", "policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::old/*"}]}`)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)

	_, body = root.do(http.MethodGet, "/settings/old", "", nil)
	require.Contains(t, body, `id="versioning-status">Enabled<`)
	require.Contains(t, body, "cost=42\nteam=ops")
	require.Contains(t, body, "arn:aws:s3:::old/*")
	require.Contains(t, body, "<strong>1 objects</strong> (11 B in 3 versions, older versions included), <strong>1 delete markers</strong>")

	// The reader may not change settings or delete the bucket.
	resp, body = ro.post("/settings/old/versioning", "status", "Suspended")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = ro.post("/settings/old/delete", "confirm", "old")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")

	resp, body = root.post("/settings/old/delete", "confirm", "wrong")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "Type the bucket&#39;s name, old, to confirm")
	resp, _ = root.post("/settings/old/delete", "confirm", "old")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, err = cl.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("old")})
	require.Error(t, err, "the bucket is gone")
}

// TestMetricsPage: the charts are drawn for a user allowed admin:GetMetrics, and
// refused to the read-only user.
func TestMetricsPage(t *testing.T) {
	e := newEnv(t)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, body := root.do(http.MethodGet, "/charts", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 4, strings.Count(body, `<svg class="chart"`))
	require.Contains(t, body, `id="disk"`)
	require.Contains(t, body, "test-node")
	resp, body = ro.do(http.MethodGet, "/charts", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "admin:GetMetrics")
	resp, _ = e.browser(t).do(http.MethodGet, "/charts", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// TestAuditPage: the audit view lists the node's requests of every surface, filtered,
// for a user allowed admin:GetAuditLog; the read-only user gets the refusal.
func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	ro.post("/buckets", "name", "not-allowed")

	_, body := root.do(http.MethodGet, "/audit?api=console&result=deny", "", nil)
	require.Contains(t, body, `id="audit"`)
	require.Contains(t, body, "<td>CreateBucket</td><td>reader</td>")
	require.NotContains(t, body, "<td>WhoAmI</td><td>root</td>", "filtered: only denials")
	_, body = root.do(http.MethodGet, "/audit?user=root&action=WhoAmI", "", nil)
	require.Contains(t, body, "<td>WhoAmI</td><td>root</td>")

	resp, body := ro.do(http.MethodGet, "/audit", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")
	require.NotContains(t, body, `id="audit"`)
}

// TestWhatCanThisUserDo: the check evaluates a user's policies (its own and its
// groups') and the bucket's policy for an action and resource, and says how it was
// decided; a disabled user is refused whatever the policies say.
func TestWhatCanThisUserDo(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("guarded")})
	require.NoError(t, err)
	_, err = e.s3().PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"NoReaderHere","Effect":"Deny","Principal":{"AWS":["reader"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::guarded/secret/*"}]}`)})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)

	check := func(action, resource string) string {
		_, body := root.do(http.MethodGet, "/iam/users/reader?"+url.Values{"action": {action}, "resource": {resource}}.Encode(), "", nil)
		m := regexp.MustCompile(`id="check-result"><strong>(\w+)</strong>: ([^<]*)`).FindStringSubmatch(body)
		require.NotNil(t, m, body)
		return m[1] + ": " + m[2]
	}
	require.Equal(t, "Allowed: Allow by identity policy 0, statement 0 (policy console-read-only).", check("s3:GetObject", "arn:aws:s3:::guarded/public/a.txt"))
	require.Contains(t, check("s3:PutObject", "arn:aws:s3:::guarded/a.txt"), "Denied: ImplicitDeny")
	require.Contains(t, check("s3:GetObject", "arn:aws:s3:::guarded/secret/a.txt"), `Denied: ExplicitDeny by bucket policy statement 0 (Sid &#34;NoReaderHere&#34;)`)
	require.Contains(t, check("admin:ListUsers", "arn:cairn:admin:::user/*"), "Denied")

	resp, _ := root.post("/iam/users/reader/disable")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body := root.do(http.MethodGet, "/iam/users/reader?action=s3:GetObject&resource=arn:aws:s3:::guarded/public/a.txt", "", nil)
	require.Contains(t, body, "<strong>Denied</strong>")
	require.Contains(t, body, "The user is disabled")
}
