package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestRecorderCountsAndErrors(t *testing.T) {
	r := newRecorder(t0)
	r.record(sample{op: opPut, start: at(0), end: at(10 * time.Millisecond), bytes: 100})
	r.record(sample{op: opPut, start: at(0), end: at(20 * time.Millisecond), bytes: 100})
	r.record(sample{op: opPut, start: at(0), end: at(5 * time.Millisecond), bytes: 100, errCode: "SlowDown", errMsg: "slow down"})
	r.record(sample{op: opPut, start: at(0), end: at(6 * time.Millisecond), bytes: 100, errCode: "SlowDown", errMsg: "again"})
	r.record(sample{op: opGet, start: at(0), firstByte: at(time.Millisecond), end: at(3 * time.Millisecond), bytes: 50})

	ps := r.summary()
	put := ps.ops[opPut].stats(opPut, ps.window)
	assert.Equal(t, int64(4), put.Done)
	assert.Equal(t, int64(2), put.Succeeded)
	assert.Equal(t, int64(2), put.Failed)
	assert.Equal(t, put.Done, put.Succeeded+put.Failed)
	assert.Equal(t, int64(200), put.Bytes, "failed operations move no payload")
	assert.Equal(t, map[string]int64{"SlowDown": 2}, put.Errors)
	assert.Equal(t, "slow down", put.ErrorSamples["SlowDown"], "first message kept")
	assert.Equal(t, int64(2), put.Latency.Count, "latency of succeeded operations only")
	assert.Nil(t, put.TTFB)

	get := ps.ops[opGet].stats(opGet, ps.window)
	require.NotNil(t, get.TTFB)
	assert.Equal(t, time.Millisecond, get.TTFB.Max)
	assert.Equal(t, 3*time.Millisecond, get.Latency.Max)
	assert.Nil(t, ps.ops[opStat])

	assert.Equal(t, int64(5), r.liveDone.Load())
	assert.Equal(t, int64(2), r.liveErrs.Load())
}

func TestRecorderPercentiles(t *testing.T) {
	r := newRecorder(t0)
	// 1000 operations of 1ms, 2ms, ..., 1000ms.
	for i := 1; i <= 1000; i++ {
		r.record(sample{op: opStat, start: at(0), end: at(time.Duration(i) * time.Millisecond)})
	}
	st := r.summary().ops[opStat].stats(opStat, time.Second)
	l := st.Latency
	near := func(want time.Duration, got time.Duration) {
		t.Helper()
		assert.InDelta(t, float64(want), float64(got), float64(want)/500, "want %v got %v", want, got)
	}
	assert.Equal(t, time.Millisecond, l.Min)
	near(500*time.Millisecond, l.P50)
	near(900*time.Millisecond, l.P90)
	near(990*time.Millisecond, l.P99)
	near(999*time.Millisecond, l.P999)
	assert.Equal(t, time.Second, l.Max, "max is exact")
	near(500500*time.Microsecond, l.Mean)

	h, err := hdr.Decode([]byte(l.HDR))
	require.NoError(t, err)
	assert.Equal(t, int64(1000), h.TotalCount())
}

// An operation that straddles a segment boundary counts in each segment in
// proportion to its time there; the window drops whole segments at both ends.
func TestRecorderWindowTrimsRampsLikeWarp(t *testing.T) {
	r := newRecorder(t0)
	// 10 seconds, one 1 MiB operation every 100 ms, each 200 ms long, so they
	// straddle boundaries; the last ends at 10.1s (11 segments).
	for i := range 100 {
		s := at(time.Duration(i) * 100 * time.Millisecond)
		r.record(sample{op: opPut, start: s, end: s.Add(200 * time.Millisecond), bytes: MiB})
	}
	ps := r.summary()
	assert.Equal(t, 2, ps.trim)
	assert.Equal(t, 7*time.Second, ps.window, "segments 2..8 of 0..10")
	st := ps.ops[opPut].stats(opPut, ps.window)
	assert.InDelta(t, 10.0, st.OpsPerSec, 1e-9)
	assert.InDelta(t, 10.0, st.MiBPerSec, 1e-9)
	assert.Equal(t, int64(100), st.Succeeded, "counts cover the whole phase")
	assert.Equal(t, int64(100)*MiB, st.Bytes)
}

func TestRecorderWindowExcludesSlowStart(t *testing.T) {
	r := newRecorder(t0)
	// A slow first second, then 10 ops/s for nine seconds: the ramp is cut.
	r.record(sample{op: opGet, start: at(0), end: at(900 * time.Millisecond)})
	for i := 10; i < 100; i++ {
		s := at(time.Duration(i) * 100 * time.Millisecond)
		r.record(sample{op: opGet, start: s, end: s.Add(50 * time.Millisecond)})
	}
	ps := r.summary()
	st := ps.ops[opGet].stats(opGet, ps.window)
	assert.InDelta(t, 10.0, st.OpsPerSec, 1e-9)
}

func TestRecorderShortPhaseIsMeasuredWhole(t *testing.T) {
	r := newRecorder(t0)
	for i := range 10 {
		s := at(time.Duration(i) * 50 * time.Millisecond)
		r.record(sample{op: opPut, start: s, end: s.Add(50 * time.Millisecond), bytes: 1000})
	}
	ps := r.summary()
	assert.Equal(t, 0, ps.trim)
	assert.Equal(t, 500*time.Millisecond, ps.window)
	st := ps.ops[opPut].stats(opPut, ps.window)
	assert.InDelta(t, 20.0, st.OpsPerSec, 1e-9)
	assert.InDelta(t, 20000.0, st.BytesPerSec, 1e-6)
}

func TestTrimFor(t *testing.T) {
	for n, want := range map[int]int{1: 0, 2: 0, 3: 1, 6: 1, 7: 2, 100: 2} {
		assert.Equal(t, want, trimFor(n), "n=%d", n)
	}
}

func TestRecorderEmpty(t *testing.T) {
	ps := newRecorder(t0).summary()
	assert.Zero(t, ps.window)
	for _, o := range ps.ops {
		assert.Nil(t, o)
	}
}

// Rounds merge into totals over total measured time.
func TestPhaseMerge(t *testing.T) {
	round := func(n int, each time.Duration) *phaseSummary {
		r := newRecorder(t0)
		for i := range n {
			s := at(time.Duration(i) * each)
			r.record(sample{op: opGet, start: s, firstByte: s.Add(each / 4), end: s.Add(each / 2), bytes: 10})
		}
		r.record(sample{op: opGet, start: at(0), end: at(1), errCode: "NoSuchKey"})
		return r.summary()
	}
	total := &phaseSummary{}
	total.merge(round(10, 10*time.Millisecond)) // 10 ops over ~95ms
	total.merge(round(20, 10*time.Millisecond)) // 20 ops over ~195ms
	st := total.ops[opGet].stats(opGet, total.window)
	assert.Equal(t, int64(32), st.Done)
	assert.Equal(t, int64(30), st.Succeeded)
	assert.Equal(t, int64(2), st.Errors["NoSuchKey"])
	assert.Equal(t, int64(30), st.Latency.Count)
	require.NotNil(t, st.TTFB)
	assert.Equal(t, int64(30), st.TTFB.Count)
	assert.InDelta(t, 30/total.window.Seconds(), st.OpsPerSec, 1e-9)
	assert.Equal(t, 5*time.Millisecond, st.Latency.Max)
}

func TestTargetTotals(t *testing.T) {
	r := newRecorder(t0)
	r.record(sample{op: opGet, start: at(0), end: at(time.Second), bytes: MiB})
	r.record(sample{op: opPut, start: at(0), end: at(time.Second), bytes: MiB})
	r.record(sample{op: opPut, start: at(0), end: at(time.Second), errCode: "InternalError"})
	ops, total, errs := targetResult(r.summary())
	require.Len(t, ops, 2)
	assert.Equal(t, "GET", ops[0].Op)
	assert.Equal(t, "PUT", ops[1].Op)
	assert.Equal(t, int64(3), total.Done)
	assert.Equal(t, int64(1), errs)
	assert.InDelta(t, 2.0, total.MiBPerSec, 1e-9)
	assert.Equal(t, map[string]int64{"InternalError": 1}, total.Errors)
}

type netErr struct{}

func (netErr) Error() string   { return "connection refused" }
func (netErr) Timeout() bool   { return false }
func (netErr) Temporary() bool { return false }

var _ net.Error = netErr{}

func TestErrorCode(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{&smithy.GenericAPIError{Code: "SlowDown", Message: "reduce"}, "SlowDown"},
		{fmt.Errorf("op: %w", &smithy.GenericAPIError{Code: "NoSuchKey"}), "NoSuchKey"},
		{context.Canceled, CodeCanceled},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), CodeTimeout},
		{netErr{}, CodeNetwork},
		{errors.New("checksum did not match: algorithm CRC32"), CodeChecksumMismatch},
		{errors.New("odd"), CodeClient},
	}
	for _, c := range cases {
		got, msg := errorCode(c.err)
		assert.Equal(t, c.want, got, "%v", c.err)
		assert.NotEmpty(t, msg)
	}
	_, msg := errorCode(errors.New(string(make([]byte, 1000))))
	assert.LessOrEqual(t, len(msg), maxErrorSample+len("…"))
}
