package bench

import (
	"errors"
	"fmt"
	"time"
)

// Result is the outcome of a run. It marshals to the JSON that --json writes;
// durations are in nanoseconds.
type Result struct {
	// Workload is what ran.
	Workload Workload `json:"workload"`
	// Command is the command line that produced the result, secrets redacted. Set
	// by the command, empty from Run.
	Command string `json:"command,omitempty"`
	// Size, Concurrency, Duration, Ops, Warmup, Objects and the rest echo the
	// options the run used, defaults filled in.
	Size            SizeRange     `json:"size"`
	Concurrency     int           `json:"concurrency"`
	Duration        time.Duration `json:"duration_ns,omitempty"`
	Ops             int64         `json:"ops,omitempty"`
	Warmup          time.Duration `json:"warmup_ns,omitempty"`
	Objects         int           `json:"objects,omitempty"`
	PartSize        int64         `json:"part_size,omitempty"`
	PartConcurrency int           `json:"part_concurrency,omitempty"`
	Mix             *Mix          `json:"mix,omitempty"`
	VerifyRatio     float64       `json:"verify_ratio"`
	Rounds          int           `json:"rounds,omitempty"`
	// Start and End bound the whole run, preparation and clean-up included.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Targets holds one entry per service: the measured one, then the compared one.
	Targets []TargetResult `json:"targets"`
	// Ratios compares Targets[1] with Targets[0] in compare mode: each is B/A.
	Ratios []Ratio `json:"ratios,omitempty"`
	// Errors counts failed operations over all targets.
	Errors int64 `json:"errors"`
	// CleanupFailed reports that objects or the bucket could not be removed;
	// Warnings says what is left.
	CleanupFailed bool `json:"cleanup_failed,omitempty"`
	// Warnings are problems that did not fail an operation: an exhausted prepared
	// set, a kept bucket, a clean-up that left objects behind.
	Warnings []string `json:"warnings,omitempty"`
}

// Err returns an error saying how many operations failed and whether clean-up
// failed, or nil when neither happened.
func (r *Result) Err() error {
	switch {
	case r.Errors > 0 && r.CleanupFailed:
		return fmt.Errorf("run had %d errors, and clean-up failed", r.Errors)
	case r.Errors > 0:
		return fmt.Errorf("run had %d errors", r.Errors)
	case r.CleanupFailed:
		return errors.New("clean-up failed: the run left objects or its bucket behind")
	}
	return nil
}

// TargetResult is what one service measured.
type TargetResult struct {
	// Label is "A" or "B" in compare mode, empty otherwise.
	Label string `json:"label,omitempty"`
	// Endpoints are the service's URLs, credentials removed.
	Endpoints []string `json:"endpoints"`
	// Credentials says where the credentials were found (never the secret).
	Credentials string `json:"credentials"`
	// Bucket and KeyPrefix locate the run's objects.
	Bucket    string `json:"bucket"`
	KeyPrefix string `json:"key_prefix"`
	// Prepared is the number of objects prepared before measuring.
	Prepared int `json:"prepared"`
	// Window is the measured time that rates are computed over, summed over
	// rounds; Span is first request to last response, ramps included.
	Window time.Duration `json:"window_ns"`
	Span   time.Duration `json:"span_ns"`
	// Ops has one entry per operation type that ran, in a fixed order
	// (GET, STAT, PUT, DELETE, LIST, MULTIPART).
	Ops []OpStats `json:"ops"`
	// Total adds up Ops; it has no latency.
	Total OpStats `json:"total"`
	// Errors counts failed operations.
	Errors int64 `json:"errors"`
}

// Op returns the stats of the named operation ("GET", "PUT", ...), or nil.
func (t *TargetResult) Op(name string) *OpStats {
	for i := range t.Ops {
		if t.Ops[i].Op == name {
			return &t.Ops[i]
		}
	}
	return nil
}

// OpStats are the figures of one operation type. docs/bench.md defines each.
type OpStats struct {
	// Op is "GET", "STAT", "PUT", "DELETE", "LIST", "MULTIPART" or "TOTAL".
	Op string `json:"op"`
	// Done counts operations of the measured phase; Done == Succeeded + Failed.
	Done      int64 `json:"done"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	// Bytes is the payload of succeeded operations over the measured phase.
	Bytes int64 `json:"bytes"`
	// Objects counts the keys returned by LIST operations.
	Objects int64 `json:"objects,omitempty"`
	// OpsPerSec, BytesPerSec and ObjectsPerSec are rates of succeeded operations
	// over the measured window; MiBPerSec is BytesPerSec in MiB.
	OpsPerSec     float64 `json:"ops_per_sec"`
	BytesPerSec   float64 `json:"bytes_per_sec"`
	MiBPerSec     float64 `json:"mib_per_sec"`
	ObjectsPerSec float64 `json:"objects_per_sec,omitempty"`
	// Latency is request sent to last byte of the body read, succeeded
	// operations only.
	Latency Latency `json:"latency"`
	// TTFB is request sent to first byte of the body read (GET only).
	TTFB *Latency `json:"ttfb,omitempty"`
	// Errors counts failures by S3 error code, or by the harness's own codes for
	// failed checks (see docs/bench.md).
	Errors map[string]int64 `json:"errors,omitempty"`
	// ErrorSamples holds the first message seen for each code.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
}

// Latency is a latency distribution.
type Latency struct {
	Count int64         `json:"count"`    // operations measured
	Mean  time.Duration `json:"mean_ns"`  // arithmetic mean
	Min   time.Duration `json:"min_ns"`   // exact minimum
	P50   time.Duration `json:"p50_ns"`   // median
	P90   time.Duration `json:"p90_ns"`   // 90th percentile
	P99   time.Duration `json:"p99_ns"`   // 99th percentile
	P999  time.Duration `json:"p99_9_ns"` // 99.9th percentile
	Max   time.Duration `json:"max_ns"`   // exact maximum
	// HDR is the whole histogram in microseconds, in HdrHistogram's base64 V2
	// compressed encoding (hdrhistogram.Decode reads it).
	HDR string `json:"hdr,omitempty"`
}

// Ratio compares one figure of one operation between the two services of a
// compare run.
type Ratio struct {
	// Op is the operation, as in OpStats.Op.
	Op string `json:"op"`
	// Figure is "ops/s", "MiB/s", "p50", "p90", "p99", "p99.9", "max",
	// "ttfb p50" or "ttfb p99".
	Figure string `json:"figure"`
	// A and B are the figure on each service; latencies in nanoseconds.
	A float64 `json:"a"`
	B float64 `json:"b"`
	// Ratio is B/A, 0 when A is 0. Above 1 means B is higher: faster for
	// throughput, slower for latency.
	Ratio float64 `json:"ratio"`
}

// ratios lists every figure of every operation both services ran.
func ratios(a, b *TargetResult) []Ratio {
	var out []Ratio
	for _, ao := range a.Ops {
		bo := b.Op(ao.Op)
		if bo == nil {
			continue
		}
		add := func(fig string, x, y float64) {
			r := Ratio{Op: ao.Op, Figure: fig, A: x, B: y}
			if x != 0 {
				r.Ratio = y / x
			}
			out = append(out, r)
		}
		add("ops/s", ao.OpsPerSec, bo.OpsPerSec)
		if ao.Bytes > 0 || bo.Bytes > 0 {
			add("MiB/s", ao.MiBPerSec, bo.MiBPerSec)
		}
		d := func(x time.Duration) float64 { return float64(x) }
		add("p50", d(ao.Latency.P50), d(bo.Latency.P50))
		add("p90", d(ao.Latency.P90), d(bo.Latency.P90))
		add("p99", d(ao.Latency.P99), d(bo.Latency.P99))
		add("p99.9", d(ao.Latency.P999), d(bo.Latency.P999))
		add("max", d(ao.Latency.Max), d(bo.Latency.Max))
		if ao.TTFB != nil && bo.TTFB != nil {
			add("ttfb p50", d(ao.TTFB.P50), d(bo.TTFB.P50))
			add("ttfb p99", d(ao.TTFB.P99), d(bo.TTFB.P99))
		}
	}
	return out
}

// targetResult builds the exported figures of one service from its summary.
func targetResult(ps *phaseSummary) ([]OpStats, OpStats, int64) {
	var ops []OpStats
	total := OpStats{Op: "TOTAL"}
	for i, s := range ps.ops {
		if s == nil {
			continue
		}
		st := s.stats(opType(i), ps.window)
		ops = append(ops, st)
		total.Done += st.Done
		total.Succeeded += st.Succeeded
		total.Failed += st.Failed
		total.Bytes += st.Bytes
		total.Objects += st.Objects
		total.OpsPerSec += st.OpsPerSec
		total.BytesPerSec += st.BytesPerSec
		total.MiBPerSec += st.MiBPerSec
		total.ObjectsPerSec += st.ObjectsPerSec
		for code, n := range st.Errors {
			if total.Errors == nil {
				total.Errors = map[string]int64{}
			}
			total.Errors[code] += n
		}
	}
	return ops, total, total.Failed
}
