package s3api_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// TestVirtualHostStyle drives the SDK with virtual-host addressing: it sends requests
// for BUCKET.s3.test, which a dialer routes to the node on loopback.
func TestVirtualHostStyle(t *testing.T) {
	n := nodetest.Start(t, func(c *node.Config) { c.Domain = "s3.test" })
	addr := strings.TrimPrefix(n.S3URL(), "http://")
	_, port, _ := net.SplitHostPort(addr)
	dialer := &net.Dialer{}
	httpClient := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
	}}
	client := sdkClient(n, "", func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://s3.test:" + port)
		o.UsePathStyle = false
		o.HTTPClient = httpClient
	})
	ctx := context.Background()
	_, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("vhost")})
	require.NoError(t, err)
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("vhost"), Key: aws.String("a/b c"), Body: bytes.NewReader([]byte("virtual"))})
	require.NoError(t, err)
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("vhost")})
	require.NoError(t, err)
	require.Equal(t, []string{"a/b c"}, objectKeys(list.Contents))

	// The same object through path style.
	e := &env{t: t, node: n, s3: sdkClient(n, ""), ctx: ctx}
	require.Equal(t, "virtual", string(e.get("vhost", "a/b c")))
}
