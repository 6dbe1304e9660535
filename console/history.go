package console

import (
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The metrics history: the console samples the node's own Prometheus registry at a
// fixed period and keeps the last samples in memory, so its charts need no
// Prometheus server. Only this node's figures are kept; a node that restarts starts
// a new history.

// opClasses are the operation classes the charts show, in order.
var opClasses = []string{"read", "write", "list", "delete", "other"}

// opClass is the class of an S3 operation name (the metrics' "operation" label).
func opClass(op string) string {
	switch {
	case op == "GetObject" || op == "HeadObject" || strings.HasPrefix(op, "GetObject") || op == "SelectObjectContent":
		return "read"
	case op == "PutObject" || op == "CopyObject" || op == "UploadPart" || op == "UploadPartCopy" ||
		op == "CreateMultipartUpload" || op == "CompleteMultipartUpload" || op == "PostObject":
		return "write"
	case strings.HasPrefix(op, "List"):
		return "list"
	case strings.HasPrefix(op, "Delete") || op == "AbortMultipartUpload":
		return "delete"
	}
	return "other"
}

// sample is the registry's cumulative counters at one time.
type sample struct {
	at       time.Time
	requests map[string]float64 // by class
	errors   map[string]float64 // responses with status >= 400, by class
	latSum   map[string]float64 // seconds, by class
	latCount map[string]float64
	received float64 // bytes
	sent     float64
}

// history keeps the last samples of a node's registry.
type history struct {
	src   prometheus.Gatherer
	every time.Duration
	keep  int

	mu      sync.Mutex
	samples []sample // oldest first
}

func newHistory(src prometheus.Gatherer, every time.Duration, span time.Duration) *history {
	return &history{src: src, every: every, keep: int(span/every) + 1}
}

// run samples every period until stop is closed.
func (h *history) run(stop <-chan struct{}, now func() time.Time) {
	t := time.NewTicker(h.every)
	defer t.Stop()
	h.take(now())
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			h.take(now())
		}
	}
}

// take gathers the registry once and appends the sample.
func (h *history) take(at time.Time) {
	families, err := h.src.Gather()
	if err != nil && len(families) == 0 {
		return
	}
	s := sample{at: at, requests: map[string]float64{}, errors: map[string]float64{}, latSum: map[string]float64{}, latCount: map[string]float64{}}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetName() {
			case "cairn_s3_requests_total":
				c := opClass(labels["operation"])
				s.requests[c] += m.GetCounter().GetValue()
				if labels["status"] >= "400" {
					s.errors[c] += m.GetCounter().GetValue()
				}
			case "cairn_s3_request_duration_seconds":
				c := opClass(labels["operation"])
				s.latSum[c] += m.GetHistogram().GetSampleSum()
				s.latCount[c] += float64(m.GetHistogram().GetSampleCount())
			case "cairn_s3_bytes_received_total":
				s.received += m.GetCounter().GetValue()
			case "cairn_s3_bytes_sent_total":
				s.sent += m.GetCounter().GetValue()
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.samples = append(h.samples, s)
	if len(h.samples) > h.keep {
		h.samples = append(h.samples[:0], h.samples[len(h.samples)-h.keep:]...)
	}
}

// series is one line of a chart: a value per interval between two samples.
type series struct {
	Name   string
	Points []point
}

type point struct {
	At    time.Time
	Value float64
}

// rates returns, per class, what f computes between each two consecutive samples
// (a rate, a ratio), for the charts.
func (h *history) rates(f func(prev, cur sample, class string) float64, classes []string) []series {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]series, len(classes))
	for i, c := range classes {
		out[i].Name = c
		for j := 1; j < len(h.samples); j++ {
			out[i].Points = append(out[i].Points, point{At: h.samples[j].at, Value: f(h.samples[j-1], h.samples[j], c)})
		}
	}
	return out
}

// perSecond is the rate of a counter between two samples; a counter that went back
// (the registry restarted) counts from zero.
func perSecond(prev, cur float64, dt time.Duration) float64 {
	if dt <= 0 {
		return 0
	}
	d := cur - prev
	if d < 0 {
		d = cur
	}
	return d / dt.Seconds()
}
