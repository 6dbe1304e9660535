package s3api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// zeroSHA256 is a payload hash no body has.
var zeroSHA256 = strings.Repeat("0", 64)

// sendTampered signs method path with the root key for the body signed (its SHA-256,
// or claimedHash when not empty), sends the body sent instead, and returns the
// status and S3 error code.
func (e *env) sendTampered(method, path string, signed, sent []byte, claimedHash string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.node.S3URL()+path, nil)
	require.NoError(e.t, err)
	hash := sha(signed)
	if claimedHash != "" {
		hash = claimedHash
	}
	access, secret := e.node.RootCredentials()
	req.Header.Set("x-amz-content-sha256", hash)
	require.NoError(e.t, v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, hash, "s3", "us-east-1", time.Now()))
	req.Body = io.NopCloser(bytes.NewReader(sent))
	req.ContentLength = int64(len(sent))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	if resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, errorCode(e.t, resp)
}

func completeXML(parts ...types.CompletedPart) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for _, p := range parts {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", aws.ToInt32(p.PartNumber), aws.ToString(p.ETag))
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// TestCompleteBodyIsVerified: a CompleteMultipartUpload whose part list changed in
// transit, or that claims a hash of all zeros, is refused and the upload stays in
// progress.
func TestCompleteBodyIsVerified(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("complete")
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("obj")})
	require.NoError(t, err)
	var parts []types.CompletedPart
	for n := int32(1); n <= 2; n++ {
		out, err := e.s3.UploadPart(e.ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("obj"), UploadId: create.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(randomBytes(uint64(n), 100))})
		require.NoError(t, err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	path := "/" + b + "/obj?uploadId=" + aws.ToString(create.UploadId)
	signed, tampered := completeXML(parts[0]), completeXML(parts[1]) // the same length

	inProgress := func(what string) {
		t.Helper()
		_, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("obj")})
		requireCode(t, err, "NotFound")
		up, err := e.s3.ListMultipartUploads(e.ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
		require.NoError(t, err)
		require.Len(t, up.Uploads, 1, what)
	}
	status, code := e.sendTampered(http.MethodPost, path, signed, tampered, "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "XAmzContentSHA256Mismatch", code)
	inProgress("after a tampered part list")

	status, code = e.sendTampered(http.MethodPost, path, signed, signed, zeroSHA256)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "XAmzContentSHA256Mismatch", code)
	inProgress("after a hash of all zeros")

	status, _ = e.sendTampered(http.MethodPost, path, signed, signed, "")
	require.Equal(t, http.StatusOK, status, "the body as signed")
	require.Equal(t, randomBytes(1, 100), e.get(b, "obj"))
}

// TestDeleteObjectsBodyIsVerified: a DeleteObjects whose key list changed in transit
// deletes nothing.
func TestDeleteObjectsBodyIsVerified(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("deletes")
	e.put(b, "keep", []byte("keep"))
	e.put(b, "lose", []byte("lose"))
	body := func(key string) []byte {
		return []byte("<Delete><Object><Key>" + key + "</Key></Object></Delete>")
	}
	for _, tc := range []struct {
		name string
		sent []byte
		hash string
	}{
		{"tampered", body("keep"), ""},
		{"zero hash", body("lose"), zeroSHA256},
	} {
		status, code := e.sendTampered(http.MethodPost, "/"+b+"?delete", body("lose"), tc.sent, tc.hash)
		require.Equal(t, http.StatusBadRequest, status, tc.name)
		require.Equal(t, "XAmzContentSHA256Mismatch", code, tc.name)
		require.Equal(t, []byte("keep"), e.get(b, "keep"))
		require.Equal(t, []byte("lose"), e.get(b, "lose"))
	}
}

// TestConfigurationBodiesAreVerified: a bucket policy and a CreateBucket
// configuration changed in transit change nothing.
func TestConfigurationBodiesAreVerified(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("policied")
	policy := func(effect string) []byte {
		return []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"` + effect + `","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::policied/*"}]}`)
	}
	status, code := e.sendTampered(http.MethodPut, "/"+b+"?policy", policy("Deny"), policy("Allow"), "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "XAmzContentSHA256Mismatch", code)
	status, code = e.sendTampered(http.MethodPut, "/"+b+"?policy", policy("Allow"), policy("Allow"), zeroSHA256)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "XAmzContentSHA256Mismatch", code)
	_, err := e.s3.GetBucketPolicy(e.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b)})
	requireCode(t, err, "NoSuchBucketPolicy")

	loc := func(region string) []byte {
		return []byte("<CreateBucketConfiguration><LocationConstraint>" + region + "</LocationConstraint></CreateBucketConfiguration>")
	}
	status, code = e.sendTampered(http.MethodPut, "/placed", loc("eu-west-1"), loc("eu-west-2"), "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "XAmzContentSHA256Mismatch", code)
	_, err = e.s3.HeadBucket(e.ctx, &s3.HeadBucketInput{Bucket: aws.String("placed")})
	require.Error(t, err, "no bucket was created")
}
