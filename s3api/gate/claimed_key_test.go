package gate

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClaimedAccessKey(t *testing.T) {
	for _, tc := range []struct {
		name, authz, query, want string
	}{
		{"header", "AWS4-HMAC-SHA256 Credential=AKID123/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=abc", "", "AKID123"},
		{"header without spaces", "AWS4-HMAC-SHA256 Credential=AKID123/20250101/us-east-1/s3/aws4_request,SignedHeaders=host,Signature=abc", "", "AKID123"},
		{"presigned", "", "X-Amz-Credential=AKID456%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=abc", "AKID456"},
		{"key with a slash", "AWS4-HMAC-SHA256 Credential=a/b/20250101/us-east-1/s3/aws4_request, Signature=x", "", "a/b"},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AKID/2025, Signature=x", "", ""},
		{"no credential", "Bearer token", "", ""},
		{"signature version 2", "AWS AKIDV2:c2lnbmF0dXJl", "", "AKIDV2"},
		{"presigned version 2", "", "AWSAccessKeyId=AKIDV2Q&Expires=1&Signature=x", "AKIDV2Q"},
		{"anonymous", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hr, err := http.NewRequest(http.MethodGet, "http://host/b?"+tc.query, nil)
			require.NoError(t, err)
			if tc.authz != "" {
				hr.Header.Set("Authorization", tc.authz)
			}
			require.Equal(t, tc.want, claimedAccessKey(hr))
		})
	}
}
