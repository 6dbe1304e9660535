package admin_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/cmd/node"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
	"github.com/cairnstore/cairn/s3api/lockout"
)

// TestS3SignaturesDoNotVerifyOnTheAdminAPI: a request signed for the S3 API (service
// "s3"), in its header or as a presigned URL, is refused by the admin API and
// changes nothing, even when it names an admin path and comes from root.
func TestS3SignaturesDoNotVerifyOnTheAdminAPI(t *testing.T) {
	e := newEnv(t)
	e.user("victim", "")
	ak, sk := e.node.RootCredentials()
	send := func(req *http.Request) (int, http.Header, []byte) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header, body
	}

	// A presigned S3 URL for the object s3://admin/v1/users/victim, made by an S3
	// client pointed at the admin address.
	s3c := s3.New(s3.Options{
		BaseEndpoint: aws.String(e.node.AdminURL()),
		UsePathStyle: true,
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(ak, sk, ""),
	})
	pre, err := s3.NewPresignClient(s3c).PresignDeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String("admin"), Key: aws.String("v1/users/victim")})
	require.NoError(t, err)
	req, err := http.NewRequest(pre.Method, pre.URL, nil)
	require.NoError(t, err)
	req.Header = pre.SignedHeader.Clone()
	status, h, body := send(req)
	requireJSONError(t, status, h, body, http.StatusBadRequest, "AuthorizationQueryParametersError")

	// The same in a header signature.
	req, err = http.NewRequest(http.MethodDelete, e.node.AdminURL()+"/admin/v1/users/victim", nil)
	require.NoError(t, err)
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	require.NoError(t, v4.NewSigner().SignHTTP(e.ctx, aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, emptySHA256, "s3", "us-east-1", time.Now()))
	status, h, body = send(req)
	requireJSONError(t, status, h, body, http.StatusBadRequest, "AuthorizationHeaderMalformed")

	_, err = e.root.User(e.ctx, "victim")
	require.NoError(t, err, "the user survived")

	// And the other way: an admin signature does not verify on the S3 API.
	onS3, err := client.New(client.Config{Endpoint: e.node.S3URL(), Credentials: credentials.NewStaticCredentialsProvider(ak, sk, "")})
	require.NoError(t, err)
	_, err = onS3.Users(e.ctx)
	require.Error(t, err)
	require.Contains(t, err.Error(), "HTTP 400")
}

// TestDuplicateJSONKeysAreRefused: a JSON body with a key twice is refused, whichever
// copy a parser would have kept.
func TestDuplicateJSONKeysAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, doc := range []string{`{"name":"alice","name":"mallory"}`, `{"name":"alice","Name":"mallory"}`} {
		status, h, body := e.raw(http.MethodPost, "/admin/v1/users", doc, true, sha256Hex(doc))
		requireJSONError(t, status, h, body, http.StatusBadRequest, admin.InvalidRequest)
	}
	_, err := e.root.User(e.ctx, "alice")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
	_, err = e.root.User(e.ctx, "mallory")
	requireError(t, err, http.StatusNotFound, admin.NoSuchUser)
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestLockoutIsSharedWithTheS3API: bad signatures on the S3 port count on the admin
// port too (same address, same key): guesses cannot be split between the two.
func TestLockoutIsSharedWithTheS3API(t *testing.T) {
	e := newEnv(t, func(c *node.Config) {
		c.AuthLockout = lockout.Config{MaxFailures: 3, Window: time.Minute, Duration: time.Hour}
	})
	ak, _ := e.node.RootCredentials()
	bad := e.s3Client(ak, "not-the-secret")
	for range 3 {
		_, err := bad.ListBuckets(e.ctx, &s3.ListBucketsInput{})
		require.Error(t, err)
	}
	_, err := e.root.Cluster(e.ctx)
	requireError(t, err, http.StatusServiceUnavailable, admin.SlowDown)
}

// TestSignatureV2IsRefused: a Signature Version 2 signature names no service, so it
// could be replayed from the S3 API (the aws cli v1 presigns with it): the admin API
// refuses it, header and presigned, and nothing changes.
func TestSignatureV2IsRefused(t *testing.T) {
	e := newEnv(t)
	e.user("victim", "")
	ak, sk := e.node.RootCredentials()
	signV2 := func(sts string) string {
		m := hmac.New(sha1.New, []byte(sk))
		m.Write([]byte(sts))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req, err := http.NewRequest(http.MethodDelete, e.node.AdminURL()+"/admin/v1/users/victim", nil)
	require.NoError(t, err)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", "AWS "+ak+":"+signV2("DELETE\n\n\n"+date+"\n/admin/v1/users/victim"))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	requireJSONError(t, resp.StatusCode, resp.Header, body, http.StatusBadRequest, admin.InvalidRequest)

	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	u := e.node.AdminURL() + "/admin/v1/users/victim?AWSAccessKeyId=" + url.QueryEscape(ak) + "&Expires=" + exp +
		"&Signature=" + url.QueryEscape(signV2("DELETE\n\n\n"+exp+"\n/admin/v1/users/victim"))
	req, err = http.NewRequest(http.MethodDelete, u, nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	requireJSONError(t, resp.StatusCode, resp.Header, body, http.StatusBadRequest, admin.InvalidRequest)

	_, err = e.root.User(e.ctx, "victim")
	require.NoError(t, err, "the user survived")
}
