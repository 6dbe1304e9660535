package s3api_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestSiteIDOnEveryAnswer pins a deliberate choice (docs/site-sync.md#site-ids-and-anonymous-callers):
// the site id is on every answer, anonymous and unauthenticated refusals included,
// so site sync learns a peer's id whatever its first HeadBucket's fate. The id is a
// random cluster id that grants nothing.
func TestSiteIDOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("siteid")
	id := e.node.Meta().ClusterID()
	require.NotEmpty(t, id)

	resp, err := http.Get(e.node.S3URL() + "/" + b) // anonymous
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, id, resp.Header.Get("x-cairn-site-id"))

	var seen string
	wrong := sdkClient(e.node, "not-the-secret-key-at-all")
	_, err = wrong.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}, func(o *s3.Options) {
		o.HTTPClient = headerSpy{&seen}
	})
	require.Error(t, err) // 403, signature mismatch
	require.Equal(t, id, seen)

	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String(b)}, func(o *s3.Options) {
		o.HTTPClient = headerSpy{&seen}
	})
	require.NoError(t, err)
	require.Equal(t, id, seen)
}

// headerSpy is an HTTP client that records the answer's x-cairn-site-id.
type headerSpy struct{ site *string }

func (h headerSpy) Do(req *http.Request) (*http.Response, error) {
	*h.site = ""
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		*h.site = resp.Header.Get("x-cairn-site-id")
	}
	return resp, err
}
