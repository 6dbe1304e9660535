package s3api

import (
	"net/http"

	"github.com/cairnstore/cairn/blob"
)

// storageClasses are the S3 storage class names Cairn accepts on PUT, Copy and
// CreateMultipartUpload. Cairn stores every class the same way (replicated, always
// readable, no restore); it only remembers the name and returns it.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "GLACIER_IR": true, "DEEP_ARCHIVE": true,
	"EXPRESS_ONEZONE": true, "OUTPOSTS": true, "SNOW": true,
}

// storageClass returns the class a write asks for, "" for STANDARD (the default). The
// caller has checked it with checkUnsupportedWriteHeaders.
func storageClass(h http.Header) string {
	if sc := h.Get("x-amz-storage-class"); sc != "STANDARD" {
		return sc
	}
	return ""
}

// storageClassOf returns the class to show in a listing.
func storageClassOf(h blob.Headers) string {
	if h.StorageClass == "" {
		return "STANDARD"
	}
	return h.StorageClass
}
