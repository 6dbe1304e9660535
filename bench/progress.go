package bench

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// progressInterval is how often the live line is redrawn.
const progressInterval = time.Second

// progress redraws one status line on a terminal while the run goes on. A nil
// *progress does nothing, so callers need not check whether it is enabled.
type progress struct {
	w      io.Writer
	status atomic.Pointer[func() string]
	stop   chan struct{}
	done   chan struct{}
}

func startProgress(w io.Writer) *progress {
	if w == nil {
		return nil
	}
	p := &progress{w: w, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprint(p.w, "\r\x1b[K")
			return
		case <-t.C:
			if f := p.status.Load(); f != nil {
				fmt.Fprint(p.w, "\r\x1b[K"+(*f)())
			}
		}
	}
}

// set replaces the function that renders the line.
func (p *progress) set(f func() string) {
	if p != nil {
		p.status.Store(&f)
	}
}

// close stops redrawing and clears the line.
func (p *progress) close() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}

func labelPrefix(label string) string {
	if label == "" {
		return ""
	}
	return label + " "
}

func prepareStatus(label string, done *atomic.Int64, total int, start time.Time) func() string {
	return func() string {
		return fmt.Sprintf("%sprepare  %d/%d objects  %s", labelPrefix(label), done.Load(), total,
			time.Since(start).Round(time.Second))
	}
}

// phaseStatus renders the rates of the last interval, the operations done and
// the errors so far.
func phaseStatus(label, phase string, rec *recorder, dur time.Duration, ops int64) func() string {
	lastT, lastDone, lastBytes := rec.start, int64(0), int64(0)
	return func() string {
		now := time.Now()
		done, bytes, errs := rec.liveDone.Load(), rec.liveBytes.Load(), rec.liveErrs.Load()
		secs := now.Sub(lastT).Seconds()
		var opsRate, mibRate float64
		if secs > 0 {
			opsRate = float64(done-lastDone) / secs
			mibRate = float64(bytes-lastBytes) / secs / float64(MiB)
		}
		lastT, lastDone, lastBytes = now, done, bytes
		var b strings.Builder
		fmt.Fprintf(&b, "%s%s  ", labelPrefix(label), phase)
		elapsed := now.Sub(rec.start).Round(time.Second)
		if dur > 0 {
			fmt.Fprintf(&b, "%s/%s  %d ops", elapsed, dur, done)
		} else {
			fmt.Fprintf(&b, "%s  %d/%d ops", elapsed, done, ops)
		}
		fmt.Fprintf(&b, "  %.1f ops/s  %.2f MiB/s  %d errors", opsRate, mibRate, errs)
		return b.String()
	}
}

func simpleStatus(s string) func() string { return func() string { return s } }

// isTerminal reports whether f is a terminal (a character device), where a live
// progress line makes sense.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
