package s3api_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

func TestPresignedURLs(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("presigned")
	pc := s3.NewPresignClient(e.s3)

	put, err := pc.PresignPutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("via url")}, s3.WithPresignExpires(time.Hour))
	require.NoError(t, err)
	req, err := http.NewRequest(put.Method, put.URL, strings.NewReader("uploaded with a presigned URL"))
	require.NoError(t, err)
	for k, v := range put.SignedHeader {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	get, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("via url")})
	require.NoError(t, err)
	resp, err = http.Get(get.URL)
	require.NoError(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "uploaded with a presigned URL", string(data))

	head, err := pc.PresignHeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("via url")})
	require.NoError(t, err)
	resp, err = http.Head(head.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "29", resp.Header.Get("Content-Length"))

	// A tampered URL fails.
	resp, err = http.Get(strings.Replace(get.URL, "via%20url", "other", 1))
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "SignatureDoesNotMatch", errorCode(t, resp))
	resp.Body.Close()

	del, err := pc.PresignDeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("via url")})
	require.NoError(t, err)
	req, _ = http.NewRequest(http.MethodDelete, del.URL, nil)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("via url")})
	requireCode(t, err, "NotFound")
}

func TestPresignedURLExpiry(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("presign-expiry")
	e.put(b, "k", []byte("v"))
	pc := s3.NewPresignClient(e.s3)

	// Signed two hours ago, valid for one hour: expired.
	old, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")}, s3.WithPresignExpires(time.Hour), presignedAt(-2*time.Hour))
	require.NoError(t, err)
	resp, err := http.Get(old.URL)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "AccessDenied", errorCode(t, resp))
	resp.Body.Close()

	// Longer than seven days is refused.
	long, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")}, s3.WithPresignExpires(8*24*time.Hour))
	require.NoError(t, err)
	resp, err = http.Get(long.URL)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "AuthorizationQueryParametersError", errorCode(t, resp))
	resp.Body.Close()

	// Exactly seven days is fine.
	week, err := pc.PresignGetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")}, s3.WithPresignExpires(7*24*time.Hour))
	require.NoError(t, err)
	resp, err = http.Get(week.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, bytes.Equal([]byte("v"), body))
}
