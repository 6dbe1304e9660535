package s3api_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignatureErrorDetails: SignatureDoesNotMatch carries what AWS returns, so a
// user can debug their signer.
func TestSignatureErrorDetails(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("details")
	req, err := http.NewRequest(http.MethodGet, e.node.S3URL()+"/"+b+"?list-type=2", nil)
	require.NoError(t, err)
	e.sign(req, nil, time.Now(), "not-the-secret")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	var got struct {
		Code, AWSAccessKeyId, SignatureProvided string
		StringToSign, StringToSignBytes         string
		CanonicalRequest, CanonicalRequestBytes string
	}
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(data, &got))
	access, _ := e.node.RootCredentials()
	require.Equal(t, "SignatureDoesNotMatch", got.Code)
	require.Equal(t, access, got.AWSAccessKeyId)
	require.Len(t, got.SignatureProvided, 64)
	require.Regexp(t, `^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}/us-east-1/s3/aws4_request\n[0-9a-f]{64}$`, got.StringToSign)
	require.Regexp(t, `^GET\n/details\nlist-type=2\nhost:`, got.CanonicalRequest)
	require.Regexp(t, `^47 45 54 0a 2f 64 65 74 61 69 6c 73 0a`, got.CanonicalRequestBytes)
	require.Regexp(t, `^41 57 53 34 2d`, got.StringToSignBytes)
}

// TestPresignedV2FarExpiryIsRefused: a Signature Version 2 URL that says it expires
// in the year 2100 (or at 2^62) is refused, one within 7 days works.
func TestPresignedV2FarExpiryIsRefused(t *testing.T) {
	e := newEnv(t)
	b := e.bucket("presigned")
	e.put(b, "k", []byte("data"))
	access, secret := e.node.RootCredentials()
	get := func(expires int64) (int, string) {
		t.Helper()
		exp := strconv.FormatInt(expires, 10)
		m := hmac.New(sha1.New, []byte(secret))
		m.Write([]byte("GET\n\n\n" + exp + "\n/" + b + "/k"))
		sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
		u := e.node.S3URL() + "/" + b + "/k?AWSAccessKeyId=" + url.QueryEscape(access) + "&Expires=" + exp + "&Signature=" + url.QueryEscape(sig)
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return resp.StatusCode, ""
		}
		return resp.StatusCode, errorCode(t, resp)
	}
	status, _ := get(time.Now().Add(time.Hour).Unix())
	require.Equal(t, http.StatusOK, status)
	for _, far := range []int64{time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 1 << 62} {
		status, code := get(far)
		require.Equal(t, http.StatusBadRequest, status, far)
		require.Equal(t, "AuthorizationQueryParametersError", code, far)
	}
}
