package s3api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

func TestAuthenticationFailures(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("auth")

	wrongSecret := sdkClient(e.node, "not-the-secret-key-at-all")
	_, err := wrongSecret.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	requireCode(t, err, "SignatureDoesNotMatch")
	_, err = wrongSecret.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x")})
	requireCode(t, err, "SignatureDoesNotMatch")

	unknown := sdkClient(e.node, "", func(o *s3.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWNKEY000000", "whatever-secret", "")
	})
	_, err = unknown.ListBuckets(e.ctx, &s3.ListBucketsInput{})
	requireCode(t, err, "InvalidAccessKeyId")

	// Anonymous requests are refused until bucket policies exist.
	resp, err := http.Get(e.node.S3URL() + "/" + b)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))
	resp.Body.Close()

	// A clock more than 15 minutes off.
	for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
		req, _ := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b, nil)
		e.sign(req, nil, time.Now().Add(skew), "")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Equal(t, "RequestTimeTooSkewed", errorCode(t, resp))
		resp.Body.Close()
	}
	// Within 15 minutes is fine.
	req, _ := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b, nil)
	e.sign(req, nil, time.Now().Add(-10*time.Minute), "")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp.Body.Close()
}

func TestPayloadHashMismatch(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("payload")
	req, _ := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/k", nil)
	e.sign(req, []byte("signed body"), time.Now(), "")
	req.Body = io.NopCloser(bytes.NewReader([]byte("other body!")))
	req.ContentLength = int64(len("other body!"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "XAmzContentSHA256Mismatch", errorCode(t, resp))
	resp.Body.Close()
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	requireCode(t, err, "NotFound")
}
