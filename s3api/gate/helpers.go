package gate

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// ContentMD5 decodes a request's Content-MD5 header; nil when absent, InvalidDigest
// when it is not a base64 MD5.
func ContentMD5(h http.Header) ([]byte, error) {
	v, ok := h["Content-Md5"]
	if !ok {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v[0])
	if err != nil || len(sum) != md5.Size {
		return nil, s3err.New(s3err.InvalidDigest)
	}
	return sum, nil
}

// md5Equal reports whether data hashes to sum.
func md5Equal(sum, data []byte) bool {
	got := md5.Sum(data)
	return bytes.Equal(sum, got[:])
}
