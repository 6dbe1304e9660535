package bench_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeS3 is a small in-memory, path-style S3 service: just what the harness
// uses, with knobs to inject faults. It checks that requests are signed but not
// the signatures themselves: the real node's tests do that.
type fakeS3 struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
	uploads map[string]*fakeUpload // by upload id
	nextID  int

	// Faults.
	failPutEvery int64 // every n-th PUT answers 500 InternalError
	corruptGets  bool  // GET bodies have one byte flipped
	puts         atomic.Int64
	requests     atomic.Int64
}

type fakeUpload struct {
	bucket, key string
	parts       map[int][]byte
}

func newFakeS3(t *testing.T) (*fakeS3, string) {
	f := &fakeS3{buckets: map[string]map[string][]byte{}, uploads: map[string]*fakeUpload{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeS3) bucketExists(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.buckets[name]
	return ok
}

func (f *fakeS3) objects(bucket string) map[string][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range f.buckets[bucket] {
		out[k] = v
	}
	return out
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>fake</RequestId></Error>`, code, msg)
}

func writeXML(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/xml")
	out, _ := xml.Marshal(v)
	_, _ = w.Write(append([]byte(xml.Header), out...))
}

func etag(b []byte) string {
	s := md5.Sum(b)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		s3Error(w, http.StatusForbidden, "AccessDenied", "unsigned request")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	q := r.URL.Query()
	if key == "" {
		f.serveBucket(w, r, bucket, q)
		return
	}
	f.serveObject(w, r, bucket, key, q)
}

func (f *fakeS3) serveBucket(w http.ResponseWriter, r *http.Request, bucket string, q map[string][]string) {
	f.mu.Lock()
	objs, exists := f.buckets[bucket]
	f.mu.Unlock()
	has := func(k string) bool { _, ok := q[k]; return ok }
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	switch {
	case r.Method == http.MethodPut:
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.buckets[bucket]; ok {
			s3Error(w, http.StatusConflict, "BucketAlreadyOwnedByYou", "exists")
			return
		}
		f.buckets[bucket] = map[string][]byte{}
		return
	case !exists:
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		s3Error(w, http.StatusNotFound, "NoSuchBucket", "no such bucket")
	case r.Method == http.MethodHead:
		return
	case r.Method == http.MethodDelete:
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.buckets[bucket]) > 0 {
			s3Error(w, http.StatusConflict, "BucketNotEmpty", "not empty")
			return
		}
		delete(f.buckets, bucket)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPost && has("delete"):
		var req struct {
			Objects []struct{ Key string } `xml:"Object"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := xml.Unmarshal(body, &req); err != nil {
			s3Error(w, http.StatusBadRequest, "MalformedXML", err.Error())
			return
		}
		f.mu.Lock()
		for _, o := range req.Objects {
			delete(f.buckets[bucket], o.Key)
		}
		f.mu.Unlock()
		writeXML(w, struct {
			XMLName xml.Name `xml:"DeleteResult"`
		}{})
	case r.Method == http.MethodGet && has("uploads"):
		type upload struct{ Key, UploadId string }
		res := struct {
			XMLName     xml.Name `xml:"ListMultipartUploadsResult"`
			Bucket      string
			IsTruncated bool
			Uploads     []upload `xml:"Upload"`
		}{Bucket: bucket}
		f.mu.Lock()
		for id, u := range f.uploads {
			if u.bucket == bucket && strings.HasPrefix(u.key, get("prefix")) {
				res.Uploads = append(res.Uploads, upload{Key: u.key, UploadId: id})
			}
		}
		f.mu.Unlock()
		writeXML(w, res)
	case r.Method == http.MethodGet:
		prefix, after := get("prefix"), get("start-after")
		if tok := get("continuation-token"); tok != "" {
			after = tok
		}
		maxKeys := 1000
		if mk := get("max-keys"); mk != "" {
			maxKeys, _ = strconv.Atoi(mk)
		}
		f.mu.Lock()
		var keys []string
		for k := range objs {
			if strings.HasPrefix(k, prefix) && k > after {
				keys = append(keys, k)
			}
		}
		sizes := map[string]int{}
		for _, k := range keys {
			sizes[k] = len(objs[k])
		}
		f.mu.Unlock()
		sort.Strings(keys)
		type content struct {
			Key          string
			Size         int
			ETag         string
			LastModified string
		}
		res := struct {
			XMLName               xml.Name `xml:"ListBucketResult"`
			Name, Prefix          string
			KeyCount, MaxKeys     int
			IsTruncated           bool
			NextContinuationToken string    `xml:",omitempty"`
			Contents              []content `xml:"Contents"`
		}{Name: bucket, Prefix: prefix, MaxKeys: maxKeys}
		if len(keys) > maxKeys {
			keys = keys[:maxKeys]
			res.IsTruncated = true
			res.NextContinuationToken = keys[len(keys)-1]
		}
		for _, k := range keys {
			res.Contents = append(res.Contents, content{Key: k, Size: sizes[k], ETag: `"x"`, LastModified: "2024-01-02T15:04:05.000Z"})
		}
		res.KeyCount = len(keys)
		writeXML(w, res)
	default:
		s3Error(w, http.StatusNotImplemented, "NotImplemented", r.Method+" bucket")
	}
}

func (f *fakeS3) serveObject(w http.ResponseWriter, r *http.Request, bucket, key string, q map[string][]string) {
	if !f.bucketExists(bucket) {
		s3Error(w, http.StatusNotFound, "NoSuchBucket", "no such bucket")
		return
	}
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	_, isCreate := q["uploads"]
	uploadID := get("uploadId")
	switch {
	case r.Method == http.MethodPost && isCreate:
		f.mu.Lock()
		f.nextID++
		id := fmt.Sprintf("upload-%d", f.nextID)
		f.uploads[id] = &fakeUpload{bucket: bucket, key: key, parts: map[int][]byte{}}
		f.mu.Unlock()
		writeXML(w, struct {
			XMLName               xml.Name `xml:"InitiateMultipartUploadResult"`
			Bucket, Key, UploadId string
		}{Bucket: bucket, Key: key, UploadId: id})
	case r.Method == http.MethodPut && uploadID != "":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		n, _ := strconv.Atoi(get("partNumber"))
		f.mu.Lock()
		u := f.uploads[uploadID]
		if u != nil {
			u.parts[n] = body
		}
		f.mu.Unlock()
		if u == nil {
			s3Error(w, http.StatusNotFound, "NoSuchUpload", "no such upload")
			return
		}
		w.Header().Set("ETag", etag(body))
	case r.Method == http.MethodPost && uploadID != "":
		f.mu.Lock()
		u := f.uploads[uploadID]
		delete(f.uploads, uploadID)
		var all []byte
		if u != nil {
			nums := make([]int, 0, len(u.parts))
			for n := range u.parts {
				nums = append(nums, n)
			}
			sort.Ints(nums)
			for _, n := range nums {
				all = append(all, u.parts[n]...)
			}
			f.buckets[bucket][key] = all
		}
		f.mu.Unlock()
		if u == nil {
			s3Error(w, http.StatusNotFound, "NoSuchUpload", "no such upload")
			return
		}
		writeXML(w, struct {
			XMLName           xml.Name `xml:"CompleteMultipartUploadResult"`
			Bucket, Key, ETag string
		}{Bucket: bucket, Key: key, ETag: etag(all)})
	case r.Method == http.MethodDelete && uploadID != "":
		f.mu.Lock()
		delete(f.uploads, uploadID)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		n := f.puts.Add(1)
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
			return
		}
		if f.failPutEvery > 0 && n%f.failPutEvery == 0 {
			s3Error(w, http.StatusInternalServerError, "InternalError", "injected failure")
			return
		}
		f.mu.Lock()
		f.buckets[bucket][key] = body
		f.mu.Unlock()
		w.Header().Set("ETag", etag(body))
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		f.mu.Lock()
		body, ok := f.buckets[bucket][key]
		f.mu.Unlock()
		if !ok {
			if r.Method == http.MethodHead {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			s3Error(w, http.StatusNotFound, "NoSuchKey", "no such key")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Header().Set("ETag", etag(body))
		if r.Method == http.MethodHead {
			return
		}
		if f.corruptGets && len(body) > 0 {
			body = append([]byte(nil), body...)
			body[len(body)/2] ^= 0xff
		}
		_, _ = w.Write(body)
	case r.Method == http.MethodDelete:
		f.mu.Lock()
		delete(f.buckets[bucket], key)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		s3Error(w, http.StatusNotImplemented, "NotImplemented", r.Method+" object")
	}
}
