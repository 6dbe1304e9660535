package console

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestHistoryCharts: samples of a real registry with the S3 metrics' names become
// per-second rates by operation class, mean latencies and byte rates, drawn as SVG
// polylines with one point per interval.
func TestHistoryCharts(t *testing.T) {
	reg := prometheus.NewRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cairn_s3_requests_total"}, []string{"operation", "status"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cairn_s3_request_duration_seconds"}, []string{"operation"})
	sent := prometheus.NewCounter(prometheus.CounterOpts{Name: "cairn_s3_bytes_sent_total"})
	reg.MustRegister(reqs, dur, sent)

	h := newHistory(reg, 10*time.Second, time.Minute)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.take(t0)
	reqs.WithLabelValues("GetObject", "200").Add(100)
	reqs.WithLabelValues("HeadObject", "404").Add(20)
	reqs.WithLabelValues("PutObject", "200").Add(30)
	dur.WithLabelValues("GetObject").Observe(0.010)
	dur.WithLabelValues("GetObject").Observe(0.030)
	sent.Add(5000)
	h.take(t0.Add(10 * time.Second))

	rate := h.rates(func(prev, cur sample, class string) float64 {
		return perSecond(prev.requests[class], cur.requests[class], cur.at.Sub(prev.at))
	}, opClasses)
	require.Equal(t, "read", rate[0].Name)
	require.Len(t, rate[0].Points, 1)
	require.InDelta(t, 12.0, rate[0].Points[0].Value, 1e-9, "120 reads in 10 s")
	require.InDelta(t, 3.0, rate[1].Points[0].Value, 1e-9, "30 writes in 10 s")
	errs := h.rates(func(prev, cur sample, class string) float64 {
		return perSecond(prev.errors[class], cur.errors[class], cur.at.Sub(prev.at))
	}, []string{"read"})
	require.InDelta(t, 2.0, errs[0].Points[0].Value, 1e-9, "20 404s in 10 s")

	// A registry that restarted (counters back to lower values) counts from zero.
	require.InDelta(t, 0.5, perSecond(100, 5, 10*time.Second), 1e-9)

	// The ring keeps span/every+1 samples.
	for i := 2; i < 20; i++ {
		h.take(t0.Add(time.Duration(i) * 10 * time.Second))
	}
	require.Len(t, h.samples, 7)

	c := drawChart("Requests", "per second", rate)
	require.Contains(t, string(c.SVG), `<polyline class="s0" fill="none" points="`)
	require.NotContains(t, string(c.SVG), "style=", "no inline style: the CSP forbids it")
	require.Equal(t, []string{"read", "write", "list", "delete", "other"}, c.Names)
	require.Equal(t, 20.0, niceCeil(12))
	require.Equal(t, "1.5k", compact(1500))
	require.True(t, strings.HasPrefix(string(c.SVG), "<svg"))
}

// TestOpClass: operations fall in the classes the charts show.
func TestOpClass(t *testing.T) {
	for op, want := range map[string]string{
		"GetObject": "read", "HeadObject": "read", "GetObjectTagging": "read", "PutObject": "write",
		"UploadPart": "write", "CompleteMultipartUpload": "write", "ListObjectsV2": "list",
		"ListBuckets": "list", "DeleteObjects": "delete", "AbortMultipartUpload": "delete", "CreateBucket": "other",
	} {
		require.Equal(t, want, opClass(op), op)
	}
}
