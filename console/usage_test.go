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

// TestUsagePage: the disk use page shows each bucket's objects, bytes, versions,
// delete markers and uploads in progress, and the node's disk, to root; the
// read-only user, who may not read usage through the admin API, is shown its refusal.
func TestUsagePage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.s3()
	b := aws.String("measured")
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b})
	require.NoError(t, err)
	_, err = cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	require.NoError(t, err)
	for _, body := range []string{"12345", "1234567890"} {
		_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("a"), Body: strings.NewReader(body)})
		require.NoError(t, err)
	}
	_, err = cl.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("gone"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	_, err = cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: b, Key: aws.String("gone")})
	require.NoError(t, err)
	_, err = cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("big")})
	require.NoError(t, err)

	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	resp, body := root.do(http.MethodGet, "/usage", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// objects 1 (a), 10 B; versions 3 (a twice, gone), 16 B; 1 delete marker; 1 upload.
	require.Contains(t, body, `<a href="/b/measured/">measured</a> <a class="muted" href="/settings/measured#quota">settings</a></td><td>1</td><td>10 B</td><td>3</td><td>16 B</td>`)
	require.Contains(t, body, `</td><td>1</td>
<td>1</td></tr>`, "one delete marker, one upload")
	require.Contains(t, body, `id="nodes-usage"`)
	require.NotContains(t, body, "did not answer")

	ro := e.browser(t)
	require.Equal(t, http.StatusSeeOther, ro.signIn(e.roKey, e.roSecret).StatusCode)
	resp, body = ro.do(http.MethodGet, "/usage", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "AccessDenied")
	require.NotContains(t, body, "measured")
}
