package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
)

// TestFolderListCache: a folder page is cached for its user (a change made on the S3
// port is not seen within the lifetime, set long here), and the console's own write
// (an upload through /s3/) refreshes it at once.
func TestFolderListCache(t *testing.T) {
	ttl := time.Hour
	e := newEnv(t, func(c *node.Config) { c.ConsoleListCache = &ttl })
	ctx := context.Background()
	cl := e.s3()
	_, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("cached")})
	require.NoError(t, err)
	put := func(key string) {
		_, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("cached"), Key: aws.String(key), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	put("one.txt")
	root := e.browser(t)
	ak, sk := e.n.RootCredentials()
	require.Equal(t, http.StatusSeeOther, root.signIn(ak, sk).StatusCode)
	_, body := root.do(http.MethodGet, "/b/cached/", "", nil)
	require.Contains(t, body, `data-key="one.txt"`)

	put("two.txt") // through the S3 port: the cached page does not know
	_, body = root.do(http.MethodGet, "/b/cached/", "", nil)
	require.NotContains(t, body, `data-key="two.txt"`)
	_, body = e.browser(t).do(http.MethodGet, "/b/cached/", "", nil)
	require.NotContains(t, body, `data-key`, "anonymous sees nothing, cached or not")

	_, body = root.do(http.MethodPost, "/api/presign", `{"method":"PUT","bucket":"cached","key":"three.txt"}`, nil)
	var p struct{ Path string }
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	require.Equal(t, http.StatusOK, httpDo(t, http.MethodPut, e.base+p.Path, "3").status)
	_, body = root.do(http.MethodGet, "/b/cached/", "", nil)
	for _, k := range []string{"one.txt", "two.txt", "three.txt"} {
		require.Contains(t, body, `data-key="`+k+`"`)
	}
}
