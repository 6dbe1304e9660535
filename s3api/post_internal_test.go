package s3api

import (
	"testing"

	"github.com/cairnstore/cairn/blob/checksum"
	"github.com/cairnstore/cairn/s3api/s3err"
)

func TestParsePostChecksum(t *testing.T) {
	sha := checksum.SHA256.Sum([]byte("x"))
	crc := checksum.CRC32.Sum([]byte("x"))
	for _, tc := range []struct {
		fields map[string]string
		want   checksum.Algorithm // "" for none
		code   s3err.Code         // "" for success
	}{
		{map[string]string{}, "", ""},
		{map[string]string{"x-amz-checksum-sha256": sha}, checksum.SHA256, ""},
		{map[string]string{"x-amz-checksum-sha256": sha, "x-amz-checksum-algorithm": "sha256"}, checksum.SHA256, ""},
		{map[string]string{"x-amz-checksum-xxhash3": checksum.XXHASH3.Sum(nil), "x-amz-checksum-algorithm": "XXHASH3"}, checksum.XXHASH3, ""},
		{map[string]string{"x-amz-checksum-sha256": sha, "x-amz-checksum-crc32": crc}, "", s3err.InvalidRequest},
		{map[string]string{"x-amz-checksum-sha256": crc}, "", s3err.InvalidRequest},
		{map[string]string{"x-amz-checksum-sha256": sha, "x-amz-checksum-algorithm": "CRC32"}, "", s3err.InvalidRequest},
		{map[string]string{"x-amz-checksum-algorithm": "SHA256"}, "", s3err.InvalidRequest},
		{map[string]string{"x-amz-checksum-sha256": sha, "x-amz-checksum-algorithm": "SHA384"}, "", s3err.InvalidRequest},
	} {
		got, err := parsePostChecksum(tc.fields)
		if tc.code != "" {
			if e, ok := s3err.As(err); !ok || e.Code != tc.code {
				t.Errorf("%v: error %v, want %s", tc.fields, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.fields, err)
			continue
		}
		if (got == nil) != (tc.want == "") || got != nil && got.sum.Algorithm != tc.want {
			t.Errorf("%v: got %+v, want %s", tc.fields, got, tc.want)
		}
	}
}
