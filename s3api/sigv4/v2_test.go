package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
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
