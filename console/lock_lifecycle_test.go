package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestBucketObjectLockSettings: object lock is enabled from the settings page with a
// default retention, through PutObjectLockConfiguration as the signed-in user; the
// S3 API's refusals (versioning off, a period out of range, days and years both)
// are shown under the form; the read-only user is refused by the S3 API.
func TestBucketObjectLockSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vault")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	resp, body := root.do(http.MethodGet, "/settings/vault", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="lock-status">off<`)

	resp, body = root.post("/settings/vault/object-lock", "mode", "")
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Regexp(t, `id="lock-error">InvalidBucketState: `, body)

	resp, _ = root.post("/settings/vault/versioning", "status", "Enabled")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body = root.post("/settings/vault/object-lock", "mode", "GOVERNANCE", "days", "40000")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, `id="lock-error">InvalidRetentionPeriod: `)
	require.Contains(t, body, `value="40000"`, "the form keeps what was typed")
	resp, body = root.post("/settings/vault/object-lock", "mode", "GOVERNANCE", "days", "7", "years", "1")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, `id="lock-error">MalformedXML: `)
	resp, body = root.post("/settings/vault/object-lock", "mode", "GOVERNANCE", "days", "seven")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "The days must be a whole number")
	_, err = cl.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	require.Error(t, err, "nothing was enabled by the refused forms")

	resp, _ = root.post("/settings/vault/object-lock", "mode", "GOVERNANCE", "days", "7")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/settings/vault#object-lock", resp.Header.Get("Location"))
	got, err := cl.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	require.NoError(t, err)
	require.Equal(t, int32(7), aws.ToInt32(got.ObjectLockConfiguration.Rule.DefaultRetention.Days))
	_, body = root.do(http.MethodGet, "/settings/vault", "", nil)
	require.Contains(t, body, `id="lock-status">enabled<`)
	require.Contains(t, body, `id="lock-default">GOVERNANCE for 7 days<`)

	// The reader may not change it (no s3:PutBucketObjectLockConfiguration): the S3
	// API refuses, and the configuration is unchanged.
	resp, body = ro.post("/settings/vault/object-lock", "mode", "COMPLIANCE", "years", "1")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")
	got, err = cl.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String("vault")})
	require.NoError(t, err)
	require.Equal(t, "GOVERNANCE", string(got.ObjectLockConfiguration.Rule.DefaultRetention.Mode))
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"PutObjectLockConfiguration"`, `"user":"reader"`))

	// Anonymous is sent to sign in.
	resp, _ = e.browser(t).do(http.MethodGet, "/settings/vault", "", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

// TestBucketLifecycleSettings: lifecycle rules added and deleted by the form, the
// whole configuration as raw XML, each through the S3 API as the user, with the
// API's refusals shown by the form or the editor that sent them; the read-only user
// is refused.
func TestBucketLifecycleSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	rules := func() int {
		out, err := cl.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("logs")})
		if err != nil {
			return 0
		}
		return len(out.Rules)
	}

	_, body := root.do(http.MethodGet, "/settings/logs", "", nil)
	require.Contains(t, body, `id="no-lifecycle"`)

	resp, body := root.post("/settings/logs/lifecycle-rule", "id", "old-logs", "status", "Enabled", "prefix", "logs/", "expiration", "30", "abort", "2")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, "/settings/logs#lifecycle", resp.Header.Get("Location"))
	out, err := cl.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("logs")})
	require.NoError(t, err)
	require.Len(t, out.Rules, 1)
	require.Equal(t, int32(30), aws.ToInt32(out.Rules[0].Expiration.Days))
	require.Equal(t, "logs/", aws.ToString(out.Rules[0].Filter.Prefix))
	_, body = root.do(http.MethodGet, "/settings/logs", "", nil)
	require.Contains(t, body, `<td>old-logs</td><td>Enabled</td><td>logs/</td><td>30</td><td></td><td>2</td>`)
	require.Contains(t, body, "&lt;Days&gt;30&lt;/Days&gt;", "the raw XML in the editor")

	// A rule the S3 API refuses: the error by the rule form, the rule as typed.
	resp, body = root.post("/settings/logs/lifecycle-rule", "id", "bad", "status", "Enabled", "prefix", "x/", "expiration", "0")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Regexp(t, `id="rule-error">InvalidArgument: `, body)
	require.Contains(t, body, `id="rule-id" value="bad"`)
	require.Equal(t, 1, rules())

	// Raw XML: malformed refused under the editor, with the document as typed.
	resp, body = root.post("/settings/logs/lifecycle-xml", "xml", "<LifecycleConfiguration><Rule>")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Regexp(t, `id="lifecycle-xml-error">MalformedXML: `, body)
	require.Contains(t, body, "&lt;LifecycleConfiguration&gt;&lt;Rule&gt;</textarea>")
	require.Equal(t, 1, rules())
	doc := `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Rule><ID>a</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>b</ID><Filter><Prefix>b/</Prefix></Filter><Status>Disabled</Status><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration></Rule>
</LifecycleConfiguration>`
	resp, body = root.post("/settings/logs/lifecycle-xml", "xml", doc)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, 2, rules(), "the XML replaced the configuration")
	_, body = root.do(http.MethodGet, "/settings/logs", "", nil)
	require.Contains(t, body, `<td>b</td><td>Disabled</td><td>b/</td><td></td><td>5</td>`)

	// The reader may read nothing of it and change nothing.
	resp, body = ro.do(http.MethodGet, "/settings/logs", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")
	resp, _ = ro.post("/settings/logs/lifecycle-xml", "xml", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = ro.post("/settings/logs/lifecycle-rule", "id", "r", "status", "Enabled", "expiration", "1")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = ro.post("/settings/logs/lifecycle-rule-delete", "id", "a")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, 2, rules())

	// Deleting rules; the last one's deletion removes the configuration.
	resp, _ = root.post("/settings/logs/lifecycle-rule-delete", "id", "a")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, 1, rules())
	resp, _ = root.post("/settings/logs/lifecycle-rule-delete", "id", "b")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, err = cl.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("logs")})
	require.ErrorContains(t, err, "NoSuchLifecycleConfiguration")
	// Empty XML deletes too (nothing to delete now: still a success, as S3's
	// DeleteBucketLifecycle is).
	resp, _ = root.post("/settings/logs/lifecycle-xml", "xml", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}
