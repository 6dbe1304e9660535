package metrics

import (
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairnstore/cairn/s3api"
)

// unknownOperation labels requests that did not resolve to an S3 operation.
const unknownOperation = "unknown"

// durationBuckets are the latency histogram's upper bounds, in seconds: from 1 ms
// for a cached HEAD to 2 minutes for a 5 GiB PUT on a slow link.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// s3Metrics are the per-request metrics of the S3 API. Every label takes values from
// a fixed set (operation names, HTTP statuses, the S3 error table), so the number of
// series stays bounded whatever clients send.
type s3Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	received prometheus.Counter
	sent     prometheus.Counter
	errors   *prometheus.CounterVec
	inFlight prometheus.Gauge
}

func newS3Metrics() *s3Metrics {
	return &s3Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "s3", Name: "requests_total",
			Help: "S3 requests served, by operation and HTTP status.",
		}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Subsystem: "s3", Name: "request_duration_seconds",
			Help:    "Time from receiving an S3 request's headers to finishing its response, by operation.",
			Buckets: durationBuckets,
		}, []string{"operation"}),
		received: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "s3", Name: "bytes_received_total",
			Help: "Request body bytes read by the S3 API (as sent, aws-chunked framing included).",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "s3", Name: "bytes_sent_total",
			Help: "Response body bytes written by the S3 API.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Subsystem: "s3", Name: "errors_total",
			Help: "S3 error responses, by S3 error code.",
		}, []string{"code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Subsystem: "s3", Name: "requests_in_flight",
			Help: "S3 requests being served now.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (s *s3Metrics) Describe(ch chan<- *prometheus.Desc) {
	s.requests.Describe(ch)
	s.duration.Describe(ch)
	s.received.Describe(ch)
	s.sent.Describe(ch)
	s.errors.Describe(ch)
	s.inFlight.Describe(ch)
}

// Collect implements prometheus.Collector.
func (s *s3Metrics) Collect(ch chan<- prometheus.Metric) {
	s.requests.Collect(ch)
	s.duration.Collect(ch)
	s.received.Collect(ch)
	s.sent.Collect(ch)
	s.errors.Collect(ch)
	s.inFlight.Collect(ch)
}

// S3Middleware returns the echo middleware that records every S3 request. Install it
// as the outermost middleware of the S3 API (s3api.Config.Middleware): it renders an
// error returned from inside with c.Error, so that it can read the status and the S3
// error code that were sent, and returns nil.
func (m *Metrics) S3Middleware() echo.MiddlewareFunc {
	s := m.s3
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			s.inFlight.Inc()
			defer s.inFlight.Dec()
			body := &countingReader{ReadCloser: c.Request().Body}
			c.Request().Body = body
			if err := next(c); err != nil {
				c.Error(err)
			}
			op := s3api.ActionName(c)
			if op == "" {
				op = unknownOperation
			}
			res := c.Response()
			status := res.Status
			s.requests.WithLabelValues(op, strconv.Itoa(status)).Inc()
			s.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
			s.received.Add(float64(body.n.Load()))
			s.sent.Add(float64(res.Size))
			code := s3api.ErrorCode(c)
			if code != "" {
				s.errors.WithLabelValues(code).Inc()
			}
			if bucket := s3api.BucketName(c); bucket != "" && code != "NoSuchBucket" {
				// A request to a bucket that does not exist is not the bucket's; its
				// name, chosen by the client, is not kept.
				m.buckets.record(bucket, op, status >= 400, body.n.Load(), res.Size)
			}
			return nil
		}
	}
}

// countingReader counts the bytes read through it. The count is atomic because an
// upload may be read by a pipeline goroutine that outlives a failed handler.
type countingReader struct {
	io.ReadCloser
	n atomic.Int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.n.Add(int64(n))
	return n, err
}
