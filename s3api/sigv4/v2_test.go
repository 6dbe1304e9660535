package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/s3api/s3err"
)

type oneKey struct{ id, secret string }

func (k oneKey) SecretKey(_ context.Context, id string) (string, error) {
	if id != k.id {
		return "", ErrUnknownAccessKey
	}
	return k.secret, nil
}

var exampleKey = oneKey{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

// TestPresignedV2MatchesAWSExample checks the query-string example of AWS's
// "Signing and Authenticating REST Requests" (Signature Version 2) documentation.
func TestPresignedV2MatchesAWSExample(t *testing.T) {
	v := &Verifier{Credentials: exampleKey, Domain: "s3.amazonaws.com", Now: func() time.Time { return time.Unix(1175139000, 0) }}
	r := httptest.NewRequest(http.MethodGet, "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620", nil)
	r.Host = "johnsmith.s3.amazonaws.com"
	auth, err := v.Verify(r)
	require.NoError(t, err)
	require.Equal(t, "AKIAIOSFODNN7EXAMPLE", auth.AccessKeyID)
	require.True(t, auth.Presigned)

	v.Now = func() time.Time { return time.Unix(1175139621, 0) }
	_, err = v.Verify(r)
	require.True(t, s3err.HasCode(err, s3err.AccessDenied), "%v", err)
}

func signV2(secret, sts string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestHeaderV2(t *testing.T) {
	now := time.Date(2026, 3, 27, 19, 36, 42, 0, time.UTC)
	v := &Verifier{Credentials: exampleKey, Now: func() time.Time { return now }}
	date := now.Format(http.TimeFormat)
	newReq := func(sig string) *http.Request {
		r := httptest.NewRequest(http.MethodPut, "/bucket/a%20key.txt?uploadId=xyz&partNumber=2&other=1", nil)
		r.Header.Set("Date", date)
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("X-Amz-Meta-Color", " blue ")
		r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+sig)
		return r
	}
	sts := "PUT\n\ntext/plain\n" + date + "\nx-amz-meta-color:blue\n/bucket/a%20key.txt?partNumber=2&uploadId=xyz"
	auth, err := v.Verify(newReq(signV2(exampleKey.secret, sts)))
	require.NoError(t, err)
	require.Equal(t, "AKIAIOSFODNN7EXAMPLE", auth.AccessKeyID)

	_, err = v.Verify(newReq(signV2("wrong secret", sts)))
	require.True(t, s3err.HasCode(err, s3err.SignatureDoesNotMatch), "%v", err)

	now = now.Add(20 * time.Minute)
	_, err = v.Verify(newReq(signV2(exampleKey.secret, sts)))
	require.True(t, s3err.HasCode(err, s3err.RequestTimeTooSkewed), "%v", err)
}

// TestPresignedV2Lifetime: a V2 URL may not outlive the V4 limit (7 days), whatever
// its Expires says.
func TestPresignedV2Lifetime(t *testing.T) {
	now := time.Date(2026, 3, 27, 19, 36, 42, 0, time.UTC)
	v := &Verifier{Credentials: exampleKey, Now: func() time.Time { return now }}
	get := func(expires string) error {
		sts := "GET\n\n\n" + expires + "\n/bucket/key"
		r := httptest.NewRequest(http.MethodGet, "/bucket/key?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires="+expires+"&Signature="+url.QueryEscape(signV2(exampleKey.secret, sts)), nil)
		auth, err := v.Verify(r)
		if err == nil {
			require.Equal(t, VersionV2, auth.Version)
		}
		return err
	}
	require.NoError(t, get(strconv.FormatInt(now.Add(time.Hour).Unix(), 10)))
	require.NoError(t, get(strconv.FormatInt(now.Add(7*24*time.Hour).Unix(), 10)))
	for _, far := range []string{
		strconv.FormatInt(time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 10),
		strconv.FormatInt(1<<62, 10),
		strconv.FormatInt(now.Add(8*24*time.Hour).Unix(), 10),
	} {
		err := get(far)
		require.True(t, s3err.HasCode(err, s3err.AuthorizationQueryParametersError), "Expires %s: %v", far, err)
	}
	err := get("+" + strconv.FormatInt(now.Add(time.Hour).Unix(), 10))
	require.True(t, s3err.HasCode(err, s3err.AccessDenied), "a signed Expires: %v", err)
}

// TestV2MismatchDetails: SignatureDoesNotMatch carries what AWS returns for V2.
func TestV2MismatchDetails(t *testing.T) {
	now := time.Date(2026, 3, 27, 19, 36, 42, 0, time.UTC)
	v := &Verifier{Credentials: exampleKey, Now: func() time.Time { return now }}
	date := now.Format(http.TimeFormat)
	r := httptest.NewRequest(http.MethodGet, "/bucket/key", nil)
	r.Header.Set("Date", date)
	r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+signV2("wrong", "x"))
	_, err := v.Verify(r)
	e, ok := s3err.As(err)
	require.True(t, ok && e.Code == s3err.SignatureDoesNotMatch, "%v", err)
	sts := "GET\n\n\n" + date + "\n/bucket/key"
	require.Equal(t, sts, e.Extra["StringToSign"])
	require.Equal(t, spacedHex(sts), e.Extra["StringToSignBytes"])
	require.Equal(t, "AKIAIOSFODNN7EXAMPLE", e.Extra["AWSAccessKeyId"])
	require.Equal(t, signV2("wrong", "x"), e.Extra["SignatureProvided"])
	require.Equal(t, "47 45 54 0a", spacedHex("GET\n"))
}

// TestHeaderV2CopyAndBucket: the x-amz- headers are signed sorted by name, so
// x-amz-copy-source comes before x-amz-copy-source-range (an UploadPartCopy or a
// CopyObject with conditions), and a bucket's own resource may be signed "/bucket/"
// as botocore does.
func TestHeaderV2CopyAndBucket(t *testing.T) {
	now := time.Date(2026, 3, 27, 19, 36, 42, 0, time.UTC)
	v := &Verifier{Credentials: exampleKey, Now: func() time.Time { return now }}
	date := now.Format(http.TimeFormat)

	r := httptest.NewRequest(http.MethodPut, "/b/dst?partNumber=1&uploadId=u1", nil)
	r.Header.Set("Date", date)
	r.Header.Set("X-Amz-Copy-Source", "b/src")
	r.Header.Set("X-Amz-Copy-Source-Range", "bytes=0-9")
	r.Header.Set("X-Amz-Copy-Source-If-Match", `"etag"`)
	sts := "PUT\n\n\n" + date + "\nx-amz-copy-source:b/src\nx-amz-copy-source-if-match:\"etag\"\nx-amz-copy-source-range:bytes=0-9\n/b/dst?partNumber=1&uploadId=u1"
	r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+signV2(exampleKey.secret, sts))
	_, err := v.Verify(r)
	require.NoError(t, err)

	for _, resource := range []string{"/b", "/b/"} {
		r = httptest.NewRequest(http.MethodGet, "/b?location", nil)
		r.Header.Set("Date", date)
		r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+signV2(exampleKey.secret, "GET\n\n\n"+date+"\n"+resource+"?location"))
		_, err = v.Verify(r)
		require.NoError(t, err, resource)
	}
	// Only a bucket's own resource: an object's path is signed as sent.
	r = httptest.NewRequest(http.MethodGet, "/b/k", nil)
	r.Header.Set("Date", date)
	r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+signV2(exampleKey.secret, "GET\n\n\n"+date+"\n/b/k/"))
	_, err = v.Verify(r)
	require.True(t, s3err.HasCode(err, s3err.SignatureDoesNotMatch), "%v", err)
}

// TestV2SignedContentHash: a V2 request that signs a hex x-amz-content-sha256 has its
// body verified against it.
func TestV2SignedContentHash(t *testing.T) {
	now := time.Date(2026, 3, 27, 19, 36, 42, 0, time.UTC)
	v := &Verifier{Credentials: exampleKey, Now: func() time.Time { return now }}
	date := now.Format(http.TimeFormat)
	hash := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // "hello"
	for body, ok := range map[string]bool{"hello": true, "jello": false} {
		r := httptest.NewRequest(http.MethodPost, "/b?delete", strings.NewReader(body))
		r.Header.Set("Date", date)
		r.Header.Set("X-Amz-Content-Sha256", hash)
		sts := "POST\n\n\n" + date + "\nx-amz-content-sha256:" + hash + "\n/b?delete"
		r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:"+signV2(exampleKey.secret, sts))
		auth, err := v.Verify(r)
		require.NoError(t, err)
		require.Equal(t, VersionV2, auth.Version)
		p, err := auth.Payload(r)
		require.NoError(t, err)
		_, err = io.ReadAll(p)
		if ok {
			require.NoError(t, err)
		} else {
			require.True(t, s3err.HasCode(err, s3err.XAmzContentSHA256Mismatch), "%v", err)
		}
	}
}
