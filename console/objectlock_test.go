package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestObjectRetentionLegalHold: the object's page shows the version's retention and
// legal hold and edits them through PutObjectRetention and PutObjectLegalHold as
// the user: a GOVERNANCE retention set, a past date refused, its removal refused
// without the bypass and done with it, a COMPLIANCE retention that even root cannot
// remove, a legal hold placed; the reader sees no controls and its forged changes
// are refused by the S3 API. The key has a "?" and a space, which the forms' URLs
// must escape.
func TestObjectRetentionLegalHold(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	b, k := aws.String("vault"), aws.String("dir/a?b c.txt")
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b, ObjectLockEnabledForBucket: aws.Bool(true)})
	require.NoError(t, err)
	put, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: k, Body: strings.NewReader("keep me")})
	require.NoError(t, err)
	vid := aws.ToString(put.VersionId)
	const page = "/o/vault/dir/a%3Fb%20c.txt"
	const lock = "/lock/vault/dir/a%3Fb%20c.txt"
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	retention := func() *types.ObjectLockRetention {
		out, err := cl.GetObjectRetention(ctx, &s3.GetObjectRetentionInput{Bucket: b, Key: k})
		if err != nil {
			return nil
		}
		return out.Retention
	}
	until := func(d time.Duration) string { return time.Now().UTC().Add(d).Format("2006-01-02T15:04") }

	resp, body := root.do(http.MethodGet, page, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `id="retention">No retention.`)
	require.Contains(t, body, `id="legal-hold">OFF<`)
	require.Contains(t, body, `action="`+lock+`" id="retention-form"`)
	require.Contains(t, body, `id="retention-bypass"`)
	require.Contains(t, body, `name="versionId" value="`+vid+`"`)

	resp, body = root.post(lock, "op", "retention", "versionId", vid, "mode", "GOVERNANCE", "until", until(48*time.Hour))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, types.ObjectLockRetentionModeGovernance, retention().Mode)
	_, body = root.do(http.MethodGet, page, "", nil)
	require.Contains(t, body, `id="retention"><strong>GOVERNANCE</strong> until`)

	resp, body = root.post(lock, "op", "retention", "versionId", vid, "mode", "GOVERNANCE", "until", until(-time.Hour))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, `id="retention-error">InvalidArgument: The retain until date must be in the future!`)
	resp, body = root.post(lock, "op", "retention", "versionId", vid, "mode", "GOVERNANCE", "until", "soon")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, "is not a date and time")

	// Removing a GOVERNANCE retention needs the bypass.
	resp, body = root.post(lock, "op", "retention", "versionId", vid, "mode", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, `id="retention-error">AccessDenied: `)
	require.NotNil(t, retention())
	resp, _ = root.post(lock, "op", "retention", "versionId", vid, "mode", "", "bypass", "on")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Nil(t, retention())

	// COMPLIANCE: no one removes it, root with the bypass included.
	resp, _ = root.post(lock, "op", "retention", "versionId", vid, "mode", "COMPLIANCE", "until", until(24*time.Hour))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	resp, body = root.post(lock, "op", "retention", "versionId", vid, "mode", "", "bypass", "on")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, `id="retention-error">AccessDenied: `)
	require.Equal(t, types.ObjectLockRetentionModeCompliance, retention().Mode)

	resp, _ = root.post(lock, "op", "legal-hold", "versionId", vid, "hold", "ON")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = root.do(http.MethodGet, page, "", nil)
	require.Contains(t, body, `id="legal-hold">ON<`)
	require.Contains(t, body, "Release the legal hold")

	// The reader: no controls (it may not even read the lock), and forged changes
	// refused by the S3 API.
	resp, body = ro.do(http.MethodGet, page, "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotContains(t, body, `id="retention-form"`)
	require.NotContains(t, body, `id="legal-hold-form"`)
	resp, body = ro.post(lock, "op", "legal-hold", "versionId", vid, "hold", "OFF")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")
	resp, _ = ro.post(lock, "op", "retention", "versionId", vid, "mode", "GOVERNANCE", "until", until(72*time.Hour))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	hold, err := cl.GetObjectLegalHold(ctx, &s3.GetObjectLegalHoldInput{Bucket: b, Key: k})
	require.NoError(t, err)
	require.Equal(t, types.ObjectLockLegalHoldStatusOn, hold.LegalHold.Status)
	require.Equal(t, types.ObjectLockRetentionModeCompliance, retention().Mode)
	require.NotEmpty(t, e.auditLines(t, `"api":"console"`, `"action":"PutObjectLegalHold"`, `"user":"reader"`, `"deny"`))

	// Anonymous is sent to sign in; a forged POST without a session is refused.
	resp, _ = e.browser(t).do(http.MethodPost, lock, "op=legal-hold&hold=OFF", nil)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}
