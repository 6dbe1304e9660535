package s3api_test

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// rawExchange sends a signed request whose body on the wire differs from what the
// headers declare: it writes the head and sent, half-closes the connection, and reads
// the response.
func (e *env) rawExchange(req *http.Request, sent []byte) *http.Response {
	e.t.Helper()
	u, err := url.Parse(e.node.S3URL())
	require.NoError(e.t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(e.t, err)
	e.t.Cleanup(func() { conn.Close() })
	require.NoError(e.t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.Host)
	req.Header.Set("Content-Length", fmt.Sprint(req.ContentLength))
	require.NoError(e.t, req.Header.Write(&head))
	head.WriteString("\r\n")
	// The server may answer and close before it has read everything sent (a request it
	// refuses from its headers), so errors while writing are expected; the response is
	// what the test checks.
	_, _ = conn.Write(append(head.Bytes(), sent...))
	_ = conn.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	require.NoError(e.t, err)
	return resp
}

func TestTruncatedAndOverlongBodies(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("bodies")
	body := randomBytes(40, 100000)

	// Declared 100000 bytes, sent 50000, then the client hangs up.
	req, _ := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/truncated", nil)
	req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	e.signUnsigned(req, int64(len(body)))
	resp := e.rawExchange(req, body[:50000])
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "IncompleteBody", errorCode(t, resp))

	// Content-Length shorter than the body: Content-Length is a signed header, so the
	// signature no longer matches (AWS answers the same).
	req, _ = http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/short-length", nil)
	e.sign(req, body, time.Now(), "")
	req.ContentLength = 40000
	resp = e.rawExchange(req, body)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, "SignatureDoesNotMatch", errorCode(t, resp))

	for _, key := range []string{"truncated", "short-length"} {
		_, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		requireCode(t, err, "NotFound")
	}
	list, err := e.s3.ListObjectsV2(e.ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, list.Contents)
}

// signUnsigned signs req for an UNSIGNED-PAYLOAD body of n bytes.
func (e *env) signUnsigned(req *http.Request, n int64) {
	e.t.Helper()
	req.ContentLength = n
	access, secret := e.node.RootCredentials()
	require.NoError(e.t, v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()))
}

func TestContentMD5AndChecksums(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("digests")
	wrong := md5.Sum([]byte("something else"))
	_, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("md5"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(wrong[:])),
	})
	requireCode(t, err, "BadDigest")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("md5"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String("not base64!"),
	})
	requireCode(t, err, "InvalidDigest")
	right := md5.Sum([]byte("payload"))
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("md5"), Body: strings.NewReader("payload"),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(right[:])),
	})
	require.NoError(t, err)

	// Each algorithm is stored and returned when asked for.
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c, types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		key := "sum-" + string(alg)
		data := randomBytes(41, 300000)
		put, err := e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader(data), ChecksumAlgorithm: alg})
		require.NoError(t, err, alg)
		get, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
		require.NoError(t, err, alg)
		get.Body.Close()
		switch alg {
		case types.ChecksumAlgorithmCrc32:
			require.Equal(t, *put.ChecksumCRC32, *get.ChecksumCRC32)
		case types.ChecksumAlgorithmCrc32c:
			require.Equal(t, *put.ChecksumCRC32C, *get.ChecksumCRC32C)
		case types.ChecksumAlgorithmCrc64nvme:
			require.Equal(t, *put.ChecksumCRC64NVME, *get.ChecksumCRC64NVME)
		case types.ChecksumAlgorithmSha1:
			require.Equal(t, *put.ChecksumSHA1, *get.ChecksumSHA1)
		case types.ChecksumAlgorithmSha256:
			require.Equal(t, *put.ChecksumSHA256, *get.ChecksumSHA256)
		}
	}

	// A checksum header that does not match the body.
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{
		Bucket: aws.String(b), Key: aws.String("bad-sum"), Body: strings.NewReader("payload"),
		ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 32))),
	})
	requireCode(t, err, "BadDigest")
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("bad-sum")})
	requireCode(t, err, "NotFound")
}

func TestWrongChecksumTrailer(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("trailer")
	data := []byte("hello trailer")
	var body bytes.Buffer
	fmt.Fprintf(&body, "%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", len(data), data)
	req, _ := http.NewRequest(http.MethodPut, e.node.S3URL()+"/"+b+"/k", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("x-amz-decoded-content-length", fmt.Sprint(len(data)))
	req.Header.Set("x-amz-trailer", "x-amz-checksum-crc32")
	req.Header.Set("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	access, secret := e.node.RootCredentials()
	req.ContentLength = int64(body.Len())
	require.NoError(t, v4Signer().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: access, SecretAccessKey: secret}, req, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "s3", "us-east-1", time.Now()))
	req.Body = readAll(body.Bytes())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "BadDigest", errorCode(t, resp))
	resp.Body.Close()
	_, err = e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
	requireCode(t, err, "NotFound")
}

func TestMalformedXMLBodies(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("xml")
	for _, c := range []struct{ method, query, body, code string }{
		{http.MethodPost, "?delete", "<Delete><Object><Key>k</Key>", "MalformedXML"},
		{http.MethodPost, "?delete", "<Delete></Delete>", "MalformedXML"},
		{http.MethodPut, "", "<CreateBucketConfiguration><LocationConstraint>", "MalformedXML"},
	} {
		target := e.node.S3URL() + "/" + b + c.query
		if c.method == http.MethodPut {
			target = e.node.S3URL() + "/xml-new" + c.query
		}
		req, _ := http.NewRequest(c.method, target, nil)
		sum := md5.Sum([]byte(c.body))
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		resp := e.signedResponse(req, []byte(c.body))
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, c.body)
		require.Equal(t, c.code, errorCode(t, resp), c.body)
	}
	create, err := e.s3.CreateMultipartUpload(e.ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	require.NoError(t, err)
	req, _ := http.NewRequest(http.MethodPost, e.node.S3URL()+"/"+b+"/mp?uploadId="+url.QueryEscape(*create.UploadId), nil)
	resp := e.signedResponse(req, []byte("<CompleteMultipartUpload><Part>"))
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "MalformedXML", errorCode(t, resp))
}

func TestNotImplementedOperations(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("unsupported")
	_, err := e.s3.GetBucketWebsite(e.ctx, &s3.GetBucketWebsiteInput{Bucket: aws.String(b)})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutBucketVersioning(e.ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &types.VersioningConfiguration{MFADelete: types.MFADeleteEnabled, Status: types.BucketVersioningStatusEnabled}})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"), ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	requireCode(t, err, "NotImplemented")
	_, err = e.s3.PutObject(e.ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"), SSECustomerAlgorithm: aws.String("AES256"),
		SSECustomerKey: aws.String("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="), SSECustomerKeyMD5: aws.String("zZ5FnqcIqUjVwvWmyog4zw==")})
	requireCode(t, err, "NotImplemented")
	v, err := e.s3.GetBucketVersioning(e.ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Empty(t, v.Status)
	acl, err := e.s3.GetBucketAcl(e.ctx, &s3.GetBucketAclInput{Bucket: aws.String(b)})
	require.NoError(t, err)
	require.Len(t, acl.Grants, 1)
	require.Equal(t, types.PermissionFullControl, acl.Grants[0].Permission)
}
