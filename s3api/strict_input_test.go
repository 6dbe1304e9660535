package s3api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// TestKeysMustBeUTF8: a key that is not valid UTF-8 is refused with InvalidArgument,
// on writes and reads alike, and nothing is stored.
func TestKeysMustBeUTF8(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("utf8")
	for _, method := range []string{http.MethodPut, http.MethodGet, http.MethodDelete} {
		var body []byte
		if method == http.MethodPut {
			body = []byte("data")
		}
		req, err := http.NewRequest(method, e.node.S3URL()+"/"+b+"/bad%FFkey", nil)
		require.NoError(t, err)
		resp := e.signedResponse(req, body)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, method)
		require.Equal(t, "InvalidArgument", errorCode(t, resp), method)
	}
	out, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, out.Contents)
}

// TestEmptyBucketSegmentIsNotListBuckets: GET //bucket/key names no bucket; it is
// refused, never answered with the list of buckets.
func TestEmptyBucketSegmentIsNotListBuckets(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("listed")
	e.put(b, "key", []byte("data"))
	req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+"//"+b+"/key", nil)
	require.NoError(t, err)
	resp := e.signedResponse(req, nil)
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(data))
	require.False(t, strings.Contains(string(data), "ListAllMyBucketsResult"), string(data))
	require.Contains(t, string(data), "<Code>InvalidBucketName</Code>")
}
