package meta

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFSMBucketCORS(t *testing.T) {
	f := newFSM()
	require.Nil(t, applyTo(t, f, 1, BucketCreate{Name: "web", Owner: "alice", CreatedAt: t0}))
	age := 300
	cfg := &CORSConfig{Rules: []CORSRule{
		{ID: "a", AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"x-amz-*", "Content-Type"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: &age},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
	}}
	require.Nil(t, applyTo(t, f, 2, BucketCORSSet{Bucket: "web", Config: cfg}))
	b, _ := f.bucket("web")
	require.Equal(t, cfg, b.CORS)
	require.Equal(t, "alice", b.Owner, "the rest of the bucket is kept")
	b.CORS.Rules[0].AllowedOrigins[0] = "changed"
	*b.CORS.Rules[0].MaxAgeSeconds = 1
	again, _ := f.bucket("web")
	require.Equal(t, "https://*.example.com", again.CORS.Rules[0].AllowedOrigins[0], "a reader's copy shares nothing with the state")
	require.Equal(t, 300, *again.CORS.Rules[0].MaxAgeSeconds)

	requireRejected(t, applyTo(t, f, 3, BucketCORSSet{Bucket: "nowhere", Config: cfg}), ErrNoSuchBucket)
	tooMany := &CORSConfig{Rules: make([]CORSRule, MaxCORSRules+1)}
	requireRejected(t, applyTo(t, f, 4, BucketCORSSet{Bucket: "web", Config: tooMany}), ErrInvalid)

	snap, err := f.Snapshot()
	require.NoError(t, err)
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	g := newFSM()
	require.NoError(t, g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	b, _ = g.bucket("web")
	require.Equal(t, cfg, b.CORS)

	require.Nil(t, applyTo(t, f, 5, BucketCORSSet{Bucket: "web"}))
	b, _ = f.bucket("web")
	require.Nil(t, b.CORS, "a nil configuration removes it")
}

func TestCORSMatch(t *testing.T) {
	cfg := &CORSConfig{Rules: []CORSRule{
		{ID: "sub", AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"PUT"}, AllowedHeaders: []string{"x-amz-*", "Content-Type"}},
		{ID: "any", AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "HEAD"}},
	}}
	id := func(r *CORSRule) string {
		if r == nil {
			return ""
		}
		return r.ID
	}
	for _, tc := range []struct {
		origin, method string
		headers        []string
		want           string
	}{
		{"https://app.example.com", "PUT", nil, "sub"},
		{"https://app.example.com", "PUT", []string{"X-Amz-Date", "content-type"}, "sub"},
		{"https://app.example.com", "PUT", []string{"authorization"}, ""},
		{"https://example.com", "PUT", nil, ""},
		{"http://app.example.com", "PUT", nil, ""},
		{"https://APP.example.com", "GET", nil, "any"},
		{"https://app.example.com", "DELETE", nil, ""},
		{"null", "HEAD", nil, "any"},
	} {
		require.Equal(t, tc.want, id(cfg.Match(tc.origin, tc.method, tc.headers)), "%s %s %v", tc.origin, tc.method, tc.headers)
	}
	require.Nil(t, (*CORSConfig)(nil).Match("https://a", "GET", nil))
}
