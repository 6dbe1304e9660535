package management

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDuckBookmarkHasNoSecret(t *testing.T) {
	h := newFakeHarness(t)
	status, _, _ := h.do(http.MethodPost, "/v1/s3/cairn/buckets", `{"BucketInput":{"Bucket":"photos"}}`)
	require.Equal(t, http.StatusAccepted, status)
	status, _, created := h.do(http.MethodPost, "/v1/s3/cairn/buckets/photos/users", `{"User":{"UserName":"app"}}`)
	require.Equal(t, http.StatusOK, status)

	status, hdr, body := h.do(http.MethodGet, "/v1/s3/cairn/buckets/photos/duck", "")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, `attachment; filename="photos.duck"`, hdr.Get("Content-Disposition"))
	u, _ := url.Parse(h.srv.URL)
	// S3URL is 0.0.0.0:9000: the bookmark names the host the caller used instead.
	require.Contains(t, body, "<key>Hostname</key>\n\t<string>"+u.Hostname()+"</string>")
	require.Contains(t, body, "<key>Port</key>\n\t<string>9000</string>")
	require.Contains(t, body, "<key>Path</key>\n\t<string>/photos</string>")
	require.Contains(t, body, "<key>Protocol</key>\n\t<string>s3</string>")
	require.Contains(t, body, "<key>Provider</key>\n\t<string>s3-http</string>")
	for _, k := range h.meta.keys {
		require.NotContains(t, body, k.Secret)
		require.NotContains(t, body, k.ID)
	}
	require.NotContains(t, body, "SecretAccessKey")
	_ = created

	status, _, _ = h.do(http.MethodGet, "/v1/s3/cairn/buckets/nothere/duck", "")
	require.Equal(t, http.StatusNotFound, status)
}

func TestBookmarkOverHTTPS(t *testing.T) {
	u, _ := url.Parse("https://s3.example.com")
	doc, err := bookmark("a&b", u)
	require.NoError(t, err)
	require.Contains(t, string(doc), "<string>iterate GmbH</string>")
	require.Contains(t, string(doc), "<key>Port</key>\n\t<string>443</string>")
	require.Contains(t, string(doc), "<string>/a&amp;b</string>", "values are escaped")
}
