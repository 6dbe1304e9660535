package bench

import (
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// opType is the kind of one measured operation.
type opType int

const (
	opGet opType = iota
	opStat
	opPut
	opDelete
	opList
	opMultipart
	numOpTypes
)

var opNames = [numOpTypes]string{"GET", "STAT", "PUT", "DELETE", "LIST", "MULTIPART"}

// String returns the operation's name as the report shows it.
func (t opType) String() string { return opNames[t] }

// Histogram geometry: latencies are recorded in microseconds from 1µs to 1h with
// three significant figures, so every percentile is exact to 0.1%.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histSigFigs = 3
)

// segmentLen is the length of the time segments that throughput is accumulated
// in, as warp does, so the ramp at both ends of a phase can be cut off.
const segmentLen = time.Second

// sample is one finished operation.
type sample struct {
	op        opType
	start     time.Time // just before the SDK call: signing counts, as in warp
	firstByte time.Time // first body byte read (GET only; zero otherwise)
	end       time.Time // last body byte read, or the response for bodiless calls
	bytes     int64     // payload bytes moved
	objects   int64     // keys returned (LIST)
	errCode   string    // empty on success
	errMsg    string
}

// segment accumulates the share of each operation that fell into one second.
type segment struct {
	ops, bytes, objects float64
}

// opRecorder collects the samples of one operation type.
type opRecorder struct {
	mu                    sync.Mutex
	done, ok, failed      int64
	bytes, objects        int64
	latency, ttfb         *hdr.Histogram
	minLat, maxLat        time.Duration
	minTTFB, maxTTFB      time.Duration
	errors                map[string]int64
	errSamples            map[string]string
	firstStart, lastEnd   time.Time
	segs                  []segment
	hasTTFB, hasAnySample bool
}

// recorder collects the samples of one phase (one round against one service).
// It is safe for concurrent use.
type recorder struct {
	start time.Time
	ops   [numOpTypes]opRecorder

	// Live totals for the progress line.
	liveDone, liveBytes, liveErrs atomic.Int64
}

func newRecorder(start time.Time) *recorder {
	return &recorder{start: start}
}

func newHist() *hdr.Histogram { return hdr.New(histLowest, histHighest, histSigFigs) }

func toMicros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	return min(max(us, histLowest), histHighest)
}

// record adds one finished operation.
func (r *recorder) record(s sample) {
	r.liveDone.Add(1)
	if s.errCode != "" {
		r.liveErrs.Add(1)
	} else {
		r.liveBytes.Add(s.bytes)
	}

	o := &r.ops[s.op]
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done++
	if !o.hasAnySample || s.start.Before(o.firstStart) {
		o.firstStart = s.start
	}
	if !o.hasAnySample || s.end.After(o.lastEnd) {
		o.lastEnd = s.end
	}
	o.hasAnySample = true
	if s.errCode != "" {
		o.failed++
		if o.errors == nil {
			o.errors = map[string]int64{}
			o.errSamples = map[string]string{}
		}
		o.errors[s.errCode]++
		if _, seen := o.errSamples[s.errCode]; !seen {
			o.errSamples[s.errCode] = s.errMsg
		}
		return
	}
	o.ok++
	o.bytes += s.bytes
	o.objects += s.objects

	lat := s.end.Sub(s.start)
	if o.latency == nil {
		o.latency = newHist()
		o.minLat = lat
	}
	_ = o.latency.RecordValue(toMicros(lat))
	o.minLat, o.maxLat = min(o.minLat, lat), max(o.maxLat, lat)
	if !s.firstByte.IsZero() {
		fb := s.firstByte.Sub(s.start)
		if o.ttfb == nil {
			o.ttfb = newHist()
			o.minTTFB = fb
		}
		_ = o.ttfb.RecordValue(toMicros(fb))
		o.minTTFB, o.maxTTFB = min(o.minTTFB, fb), max(o.maxTTFB, fb)
		o.hasTTFB = true
	}
	o.spread(r.start, s)
}

// spread adds the operation to the segments it overlaps, in proportion to the
// time it spent in each (warp's rule), so an operation that straddles a segment
// boundary counts partly in both.
func (o *opRecorder) spread(t0 time.Time, s sample) {
	first := segIndex(t0, s.start)
	last := segIndex(t0, s.end)
	if n := last + 1; n > len(o.segs) {
		o.segs = append(o.segs, make([]segment, n-len(o.segs))...)
	}
	dur := s.end.Sub(s.start)
	if first == last || dur <= 0 {
		seg := &o.segs[last]
		seg.ops++
		seg.bytes += float64(s.bytes)
		seg.objects += float64(s.objects)
		return
	}
	for i := first; i <= last; i++ {
		segStart := t0.Add(time.Duration(i) * segmentLen)
		segEnd := segStart.Add(segmentLen)
		from, to := maxTime(s.start, segStart), minTime(s.end, segEnd)
		if !to.After(from) {
			continue
		}
		frac := float64(to.Sub(from)) / float64(dur)
		seg := &o.segs[i]
		seg.ops += frac
		seg.bytes += frac * float64(s.bytes)
		seg.objects += frac * float64(s.objects)
	}
}

func segIndex(t0, t time.Time) int {
	if t.Before(t0) {
		return 0
	}
	return int(t.Sub(t0) / segmentLen)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// opSummary is what one operation type amounted to over one or more phases.
type opSummary struct {
	done, ok, failed    int64
	bytes, objects      int64
	winOps, winBytes    float64
	winObjects          float64
	latency, ttfb       *hdr.Histogram
	minLat, maxLat      time.Duration
	minTTFB, maxTTFB    time.Duration
	errors              map[string]int64
	errSamples          map[string]string
	hasLatency, hasTTFB bool
}

// phaseSummary is the outcome of one phase, or of several merged.
type phaseSummary struct {
	window time.Duration // length of the measured window(s)
	span   time.Duration // first start to last end, ramps included
	trim   int           // segments cut at each end (of the last phase merged)
	ops    [numOpTypes]*opSummary
}

// trimFor returns how many whole segments to drop at each end of a phase of n
// segments: two, as warp does, when at least three remain; one for phases of
// three to six seconds; none for shorter ones, which are measured whole.
func trimFor(n int) int {
	switch {
	case n >= 7:
		return 2
	case n >= 3:
		return 1
	}
	return 0
}

// summary freezes the recorder into a phaseSummary. The measured window is the
// same for every operation type of the phase: from the phase start, with the
// first and last trimFor segments cut off; the last segment, usually partial,
// is always among those cut. A phase too short to trim is measured from its
// first start to its last end.
func (r *recorder) summary() *phaseSummary {
	var first, last time.Time
	seen := false
	for i := range r.ops {
		o := &r.ops[i]
		o.mu.Lock()
		if o.hasAnySample {
			if !seen || o.firstStart.Before(first) {
				first = o.firstStart
			}
			if !seen || o.lastEnd.After(last) {
				last = o.lastEnd
			}
			seen = true
		}
		o.mu.Unlock()
	}
	ps := &phaseSummary{}
	if !seen {
		return ps
	}
	ps.span = last.Sub(first)
	n := segIndex(r.start, last) + 1
	ps.trim = trimFor(n)
	if ps.trim > 0 {
		ps.window = time.Duration(n-2*ps.trim) * segmentLen
	} else {
		ps.window = ps.span
	}

	for i := range r.ops {
		o := &r.ops[i]
		o.mu.Lock()
		if o.hasAnySample {
			s := &opSummary{
				done: o.done, ok: o.ok, failed: o.failed, bytes: o.bytes, objects: o.objects,
				latency: o.latency, ttfb: o.ttfb,
				minLat: o.minLat, maxLat: o.maxLat, minTTFB: o.minTTFB, maxTTFB: o.maxTTFB,
				errors: o.errors, errSamples: o.errSamples,
				hasLatency: o.latency != nil, hasTTFB: o.hasTTFB,
			}
			if ps.trim > 0 {
				for j := ps.trim; j < n-ps.trim && j < len(o.segs); j++ {
					s.winOps += o.segs[j].ops
					s.winBytes += o.segs[j].bytes
					s.winObjects += o.segs[j].objects
				}
			} else {
				s.winOps, s.winBytes, s.winObjects = float64(o.ok), float64(o.bytes), float64(o.objects)
			}
			ps.ops[i] = s
		}
		o.mu.Unlock()
	}
	return ps
}

// merge adds phase b (another round) into ps: counts and histograms add up, and
// so do the windows, so rates are totals over total measured time.
func (ps *phaseSummary) merge(b *phaseSummary) {
	ps.window += b.window
	ps.span += b.span
	ps.trim = b.trim
	for i, bo := range b.ops {
		if bo == nil {
			continue
		}
		a := ps.ops[i]
		if a == nil {
			a = &opSummary{}
			ps.ops[i] = a
		}
		a.merge(bo)
	}
}

func (a *opSummary) merge(b *opSummary) {
	a.done += b.done
	a.ok += b.ok
	a.failed += b.failed
	a.bytes += b.bytes
	a.objects += b.objects
	a.winOps += b.winOps
	a.winBytes += b.winBytes
	a.winObjects += b.winObjects
	if b.hasLatency {
		if !a.hasLatency {
			a.latency, a.minLat, a.maxLat, a.hasLatency = newHist(), b.minLat, b.maxLat, true
		}
		a.latency.Merge(b.latency)
		a.minLat, a.maxLat = min(a.minLat, b.minLat), max(a.maxLat, b.maxLat)
	}
	if b.hasTTFB {
		if !a.hasTTFB {
			a.ttfb, a.minTTFB, a.maxTTFB, a.hasTTFB = newHist(), b.minTTFB, b.maxTTFB, true
		}
		a.ttfb.Merge(b.ttfb)
		a.minTTFB, a.maxTTFB = min(a.minTTFB, b.minTTFB), max(a.maxTTFB, b.maxTTFB)
	}
	for code, n := range b.errors {
		if a.errors == nil {
			a.errors, a.errSamples = map[string]int64{}, map[string]string{}
		}
		a.errors[code] += n
		if _, seen := a.errSamples[code]; !seen {
			a.errSamples[code] = b.errSamples[code]
		}
	}
}

// stats turns a summary into the exported figures.
func (a *opSummary) stats(op opType, window time.Duration) OpStats {
	st := OpStats{
		Op: op.String(), Done: a.done, Succeeded: a.ok, Failed: a.failed,
		Bytes: a.bytes, Objects: a.objects,
		Errors: a.errors, ErrorSamples: a.errSamples,
	}
	if secs := window.Seconds(); secs > 0 {
		st.OpsPerSec = a.winOps / secs
		st.BytesPerSec = a.winBytes / secs
		st.MiBPerSec = st.BytesPerSec / float64(MiB)
		st.ObjectsPerSec = a.winObjects / secs
	}
	if a.hasLatency {
		st.Latency = latencyOf(a.latency, a.minLat, a.maxLat)
	}
	if a.hasTTFB {
		l := latencyOf(a.ttfb, a.minTTFB, a.maxTTFB)
		st.TTFB = &l
	}
	return st
}

// latencyOf reads percentiles from h. Min and max are exact; percentiles are
// capped at the exact max, since a histogram bucket's upper edge can lie above it.
func latencyOf(h *hdr.Histogram, minD, maxD time.Duration) Latency {
	q := func(p float64) time.Duration {
		return min(time.Duration(h.ValueAtPercentile(p))*time.Microsecond, maxD)
	}
	l := Latency{
		Count: h.TotalCount(),
		Mean:  time.Duration(h.Mean() * float64(time.Microsecond)),
		Min:   minD,
		P50:   q(50),
		P90:   q(90),
		P99:   q(99),
		P999:  q(99.9),
		Max:   maxD,
	}
	if enc, err := h.Encode(hdr.V2CompressedEncodingCookieBase); err == nil {
		l.HDR = string(enc) // already base64
	}
	return l
}
