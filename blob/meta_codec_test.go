package blob

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cairnstore/cairn/blob/checksum"
)

func TestObjectMetaRoundTrip(t *testing.T) {
	for _, m := range []objectMeta{
		{},
		{Headers: Headers{ContentType: "text/plain"}},
		{
			Headers: Headers{
				ContentType: "a/b", ContentEncoding: "gzip", ContentDisposition: "attachment", ContentLanguage: "fr",
				CacheControl: "no-store", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
			},
			UserMeta: map[string]string{"b": "2", "a": "", "ünïcode": "välue"},
			Checksum: checksum.Checksum{Algorithm: checksum.CRC64NVME, Value: "AAAAAAAAAAA=", Type: checksum.FullObject},
		},
		{Origin: Origin{Site: "0123456789abcdef0123456789abcdef", HLC: 1<<40 + 7}},
		{Origin: Origin{Site: "eu"}},
	} {
		got, err := decodeObjectMeta(encodeObjectMeta(m))
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
	// A field from a later version is skipped.
	b := append(encodeObjectMeta(objectMeta{Headers: Headers{ContentType: "x"}}), 200, 3, 'n', 'e', 'w')
	got, err := decodeObjectMeta(b)
	require.NoError(t, err)
	require.Equal(t, "x", got.Headers.ContentType)
	_, err = decodeObjectMeta([]byte{metaFormat1, metaContentType, 50, 'x'})
	require.Error(t, err)
	_, err = decodeObjectMeta([]byte{9})
	require.Error(t, err)
}
