package console_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

// TestBucketQuotaSettings: root sets a bucket's quota on the settings page (a bad size
// shown under the form), a PUT through the S3 port that would pass it is refused
// with QuotaExceeded, the read-only user can neither set nor clear it (audited), and
// once root removes it the same PUT is stored.
func TestBucketQuotaSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("capped")})
	require.NoError(t, err)
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)

	_, body := root.do(http.MethodGet, "/settings/capped", "", nil)
	require.Contains(t, body, `id="quota-status">no quota<`)

	resp, body := root.post("/settings/capped/quota", "size", "lots", "unit", "MiB", "objects", "")
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Contains(t, body, `id="quota-error"`)
	require.Contains(t, body, `value="lots"`, "the form keeps what was typed")

	resp, body = root.post("/settings/capped/quota", "size", "1", "unit", "MiB", "objects", "")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	_, body = root.do(http.MethodGet, "/settings/capped", "", nil)
	require.Contains(t, body, `id="quota-status">1 MiB<`)

	put := func() error {
		_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("capped"), Key: aws.String("big"), Body: bytes.NewReader(make([]byte, 2<<20))})
		return err
	}
	var ae smithy.APIError
	require.ErrorAs(t, put(), &ae)
	require.Equal(t, "QuotaExceeded", ae.ErrorCode())

	resp, body = ro.post("/settings/capped/quota", "size", "10", "unit", "GiB", "objects", "")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.Contains(t, body, "AccessDenied")
	resp, body = ro.post("/settings/capped/quota-clear")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	require.ErrorAs(t, put(), &ae, "the reader changed nothing")

	resp, body = root.post("/settings/capped/quota-clear")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.NoError(t, put())
}
