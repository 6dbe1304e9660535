package bench

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"4096", 4096},
		{"4096B", 4096},
		{"4KiB", 4 << 10},
		{"4kib", 4 << 10},
		{"4K", 4 << 10},
		{"16MiB", 16 << 20},
		{"1.5GiB", 3 << 29},
		{"2TiB", 2 << 40},
		{"10MB", 10_000_000},
		{"1KB", 1000},
		{" 8 MiB ", 8 << 20},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, got, c.in)
	}
	for _, bad := range []string{"", "KiB", "4XB", "-1", "1.5", "4 KiBs", "abc", "1e3"} {
		_, err := ParseSize(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseSizeRange(t *testing.T) {
	r, err := ParseSizeRange("4KiB")
	require.NoError(t, err)
	assert.Equal(t, SizeRange{4 << 10, 4 << 10}, r)
	assert.True(t, r.Fixed())

	r, err = ParseSizeRange("1KiB-1MiB")
	require.NoError(t, err)
	assert.Equal(t, SizeRange{1 << 10, 1 << 20}, r)
	assert.False(t, r.Fixed())
	assert.Equal(t, "1KiB-1MiB", r.String())

	_, err = ParseSizeRange("1MiB-1KiB")
	assert.ErrorContains(t, err, "minimum is larger")
	_, err = ParseSizeRange("1KiB-")
	assert.Error(t, err)
	_, err = ParseSizeRange("x-1KiB")
	assert.Error(t, err)
}

func TestFormatSizeRoundTrips(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 1024, 1536, 4 << 10, 16 << 20, 5 << 30, 3 << 40, 1<<20 + 1} {
		s := FormatSize(n)
		back, err := ParseSize(s)
		require.NoError(t, err, s)
		assert.Equal(t, n, back, s)
	}
	assert.Equal(t, "16MiB", FormatSize(16<<20))
	assert.Equal(t, "1536B", FormatSize(1536))
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix(DefaultMix.String())
	require.NoError(t, err)
	assert.Equal(t, DefaultMix, m)

	m, err = ParseMix("get=1, head=2")
	require.NoError(t, err)
	assert.Equal(t, Mix{Get: 1, Stat: 2}, m)

	for _, bad := range []string{"", "get=0", "get", "get=x", "get=-1", "copy=5"} {
		_, err := ParseMix(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestParseWorkload(t *testing.T) {
	for _, w := range Workloads {
		got, err := ParseWorkload(string(w))
		require.NoError(t, err)
		assert.Equal(t, w, got)
	}
	_, err := ParseWorkload("copy")
	assert.ErrorContains(t, err, `unknown workload "copy"`)
	assert.ErrorContains(t, err, "put, get, stat, delete, list, multipart, mixed")
}

func TestValidate(t *testing.T) {
	ok := DefaultOptions(WorkloadPut)
	require.NoError(t, ok.Validate())

	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"unknown workload", func(o *Options) { o.Workload = "copy" }, "unknown workload"},
		{"no endpoint", func(o *Options) { o.Target.Endpoints = nil }, "no endpoint"},
		{"bad scheme", func(o *Options) { o.Target.Endpoints = []string{"ftp://x:21"} }, "scheme must be http or https"},
		{"no host", func(o *Options) { o.Target.Endpoints = []string{"http://"} }, "no host"},
		{"path", func(o *Options) { o.Target.Endpoints = []string{"http://h:9000/bucket"} }, "must not have a path"},
		{"bad port", func(o *Options) { o.Target.Endpoints = []string{"http://h:99999"} }, "bad port"},
		{"half key", func(o *Options) { o.Target.AccessKey = "AK" }, "both an access key and a secret key"},
		{"concurrency 0", func(o *Options) { o.Concurrency = 0 }, "concurrency must be at least 1"},
		{"duration and ops", func(o *Options) { o.Ops = 10 }, "not both"},
		{"neither", func(o *Options) { o.Duration = 0 }, "give a duration"},
		{"objects", func(o *Options) { o.Objects = 0 }, "objects must be at least 1"},
		{"size range", func(o *Options) { o.Size = SizeRange{Min: 10, Max: 5} }, "not a valid range"},
		{"verify", func(o *Options) { o.VerifyRatio = 2 }, "verify ratio"},
		{"bucket", func(o *Options) { o.Bucket = "Bad_Bucket" }, "bucket name"},
		{"list keys", func(o *Options) { o.ListMaxKeys = 5000 }, "list max keys"},
		{"small parts", func(o *Options) { o.Workload = WorkloadMultipart; o.PartSize = 1 << 20 }, "part size 1MiB"},
		{"too many parts", func(o *Options) {
			o.Workload = WorkloadMultipart
			o.Size = SizeRange{Min: 100 << 30, Max: 100 << 30}
			o.PartSize = 5 << 20
		}, "more than 10000 parts"},
		{"mix", func(o *Options) { o.Workload = WorkloadMixed; o.Mix = Mix{} }, "mix"},
		{"compare url", func(o *Options) { o.Compare = &Target{Endpoints: []string{"nope"}} }, "compare endpoint"},
		{"rounds", func(o *Options) { o.Compare = &Target{Endpoints: []string{"http://b:9000"}}; o.Rounds = 0 }, "rounds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := DefaultOptions(WorkloadPut)
			c.edit(&o)
			err := o.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}

	// Every problem is reported at once.
	o := DefaultOptions(WorkloadPut)
	o.Concurrency, o.Ops = 0, 5
	err := o.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "concurrency")
	assert.Contains(t, err.Error(), "not both")
}

func TestObjectSizeDefaults(t *testing.T) {
	assert.Equal(t, SizeRange{4 << 10, 4 << 10}, DefaultOptions(WorkloadGet).objectSize())
	assert.Equal(t, SizeRange{64 << 20, 64 << 20}, DefaultOptions(WorkloadMultipart).objectSize())
	o := DefaultOptions(WorkloadMultipart)
	o.Size = SizeRange{1, 2}
	assert.Equal(t, SizeRange{1, 2}, o.objectSize())
}

func TestSplitEndpointCredentials(t *testing.T) {
	e, ak, sk, err := SplitEndpointCredentials("http://AKIA:s3cr%2Ft@127.0.0.1:9000")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9000", e)
	assert.Equal(t, "AKIA", ak)
	assert.Equal(t, "s3cr/t", sk)

	e, ak, sk, err = SplitEndpointCredentials("https://s3.example.com/")
	require.NoError(t, err)
	assert.Equal(t, "https://s3.example.com", e)
	assert.Empty(t, ak)
	assert.Empty(t, sk)

	_, _, _, err = SplitEndpointCredentials("http://AKIA@host:9000")
	assert.ErrorContains(t, err, "ACCESS_KEY:SECRET_KEY")
	// The secret never appears in an error.
	_, _, _, err = SplitEndpointCredentials("ftp://AKIA:topsecret@host")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "topsecret")
}

func TestRedactURL(t *testing.T) {
	assert.Equal(t, "http://AK:REDACTED@h:9000", redactURL("http://AK:secret@h:9000"))
	assert.Equal(t, "http://h:9000", redactURL("http://h:9000"))
	assert.NotContains(t, redactURL("http://AK:se cret@h:9000\x7f"), "se cret")
}

func TestWithDefaults(t *testing.T) {
	o := DefaultOptions(WorkloadGet)
	o.Concurrency = 4
	o.Target.Region = ""
	o.Compare = &Target{Endpoints: []string{"http://b:9000"}}
	d := o.withDefaults()
	assert.Equal(t, 32, d.PrepareConcurrency)
	assert.Equal(t, "us-east-1", d.Target.Region)
	assert.Equal(t, "us-east-1", d.Compare.Region)
	assert.Equal(t, "", o.Compare.Region, "the caller's Compare is not modified")
	assert.Equal(t, 30*time.Second, d.Duration)

	o = DefaultOptions(WorkloadDelete)
	o.Duration, o.Ops, o.Objects = 0, 5000, 100
	assert.Equal(t, 5000, o.prepareCount())
	o.Workload = WorkloadPut
	assert.Equal(t, 0, o.prepareCount())
}

func TestObjectKey(t *testing.T) {
	tg := &target{keyPrefix: "p/abcd/"}
	k := tg.objectKey(42, 4096)
	assert.Equal(t, "p/abcd/0000000042.4096", k)
	assert.True(t, strings.HasPrefix(tg.objectKey(43, 1), tg.keyPrefix+"0000000043"))
}
