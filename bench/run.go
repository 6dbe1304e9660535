package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Run carries out a benchmark: it creates the bucket if needed, prepares the
// objects the workload reads, warms up, measures, and cleans up (unless Keep).
//
// Run returns an error only when the run could not be carried out: invalid
// options, no credentials, an unreachable service, a failed preparation. Failed
// operations are counted in the Result; Result.Err reports them. When ctx ends
// during the run, Run cleans up and returns what was measured so far together
// with ctx's error.
func Run(ctx context.Context, opts Options) (*Result, error) {
	return run(ctx, opts)
}

func run(ctx context.Context, opts Options) (_ *Result, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	o := opts.withDefaults()
	res := &Result{
		Workload: o.Workload, Size: o.Size, Concurrency: o.Concurrency,
		Duration: o.Duration, Ops: o.Ops, Warmup: o.Warmup, VerifyRatio: o.VerifyRatio,
		Start: time.Now(),
	}
	if n := o.prepareCount(); n > 0 {
		res.Objects = n
	}
	if o.Workload == WorkloadMultipart {
		res.PartSize, res.PartConcurrency = o.PartSize, o.PartConcurrency
	}
	if o.Workload == WorkloadMixed {
		m := o.Mix
		res.Mix = &m
	}

	specs := []Target{o.Target}
	labels := []string{""}
	if o.Compare != nil {
		specs = append(specs, *o.Compare)
		labels = []string{"A", "B"}
		res.Rounds = o.Rounds
	}
	var targets []*target
	for i, spec := range specs {
		t, err := newTarget(ctx, labels[i], spec, &o)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}

	prog := startProgress(o.Progress)
	var ready []*target // targets whose bucket is set up, to clean up
	defer func() {
		cleanupCtx := context.WithoutCancel(ctx)
		for _, t := range slices.Backward(ready) {
			if o.Keep {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%skept bucket %s with the run's objects under %s",
					labelPrefix(t.label), t.bucket, t.keyPrefix))
				continue
			}
			prog.set(simpleStatus(labelPrefix(t.label) + "clean-up"))
			if cerr := t.cleanup(cleanupCtx); cerr != nil {
				cerr = fmt.Errorf("%sclean-up of bucket %s, prefix %s: %w", labelPrefix(t.label), t.bucket, t.keyPrefix, cerr)
				res.CleanupFailed = true
				res.Warnings = append(res.Warnings, cerr.Error())
				if err != nil { // the run failed: the caller sees no Result
					err = errors.Join(err, cerr)
				}
			}
		}
		prog.close()
		res.End = time.Now()
	}()

	for _, t := range targets {
		if err := t.setupBucket(ctx); err != nil {
			return nil, err
		}
		ready = append(ready, t)
		var done atomic.Int64
		n := o.prepareCount()
		prog.set(prepareStatus(t.label, &done, n, time.Now()))
		if err := t.prepare(ctx, &o, n, &done); err != nil {
			return nil, fmt.Errorf("%s%w", labelPrefix(t.label), err)
		}
	}

	rounds := 1
	if o.Compare != nil {
		rounds = o.Rounds
	}
	exhausted := map[*target]bool{}
	for r := range rounds {
		order := slices.Clone(targets)
		if r%2 == 1 {
			slices.Reverse(order) // A B, B A, A B, ...: neither always goes first
		}
		for _, t := range order {
			if ctx.Err() != nil {
				break
			}
			if o.Warmup > 0 && !t.warmedUp {
				runPhase(ctx, t, &o, prog, "warm-up", o.Warmup, 0)
				t.warmedUp = true
			}
			dur, ops := o.Duration/time.Duration(rounds), o.Ops/int64(rounds)
			if int64(r) < o.Ops%int64(rounds) {
				ops++
			}
			if dur == 0 && ops == 0 {
				continue
			}
			phase := "measure"
			if rounds > 1 {
				phase = fmt.Sprintf("round %d/%d", r+1, rounds)
			}
			rec, ranOut := runPhase(ctx, t, &o, prog, phase, dur, ops)
			t.summary.merge(rec.summary())
			if ranOut && !exhausted[t] {
				exhausted[t] = true
				res.Warnings = append(res.Warnings, fmt.Sprintf("%sthe prepared set ran out of objects; the %s phase ended early (raise --objects)",
					labelPrefix(t.label), o.Workload))
			}
		}
	}

	for _, t := range targets {
		ops, total, errs := targetResult(t.summary)
		prepared := o.prepareCount()
		res.Targets = append(res.Targets, TargetResult{
			Label: t.label, Endpoints: t.cs.urls, Credentials: t.creds.Source,
			Bucket: t.bucket, KeyPrefix: t.keyPrefix, Prepared: prepared,
			Window: t.summary.window, Span: t.summary.span,
			Ops: ops, Total: total, Errors: errs,
		})
		res.Errors += errs
	}
	if len(res.Targets) == 2 {
		res.Ratios = ratios(&res.Targets[0], &res.Targets[1])
	}
	if err := ctx.Err(); err != nil {
		res.Warnings = append(res.Warnings, "interrupted: the figures cover only what ran")
		return res, err
	}
	return res, nil
}

// runPhase runs the workload on t with Concurrency workers until dur has passed
// or ops operations have been started. Operations in flight at the deadline run
// to completion and count. ranOut reports that a worker found nothing left to do.
func runPhase(ctx context.Context, t *target, o *Options, prog *progress, phase string, dur time.Duration, ops int64) (rec *recorder, ranOut bool) {
	rec = newRecorder(time.Now())
	prog.set(phaseStatus(t.label, phase, rec, dur, ops))
	deadline := rec.start.Add(dur)
	var (
		claimed atomic.Int64
		out     atomic.Bool
		wg      sync.WaitGroup
	)
	for range o.Concurrency {
		w := newWorker(t, o)
		wg.Go(func() {
			for ctx.Err() == nil {
				if ops > 0 {
					if claimed.Add(1) > ops {
						return
					}
				} else if !time.Now().Before(deadline) {
					return
				}
				s, ok := w.next(ctx)
				if !ok {
					out.Store(true)
					return
				}
				if s.errCode != "" && ctx.Err() != nil {
					return // interrupted, not a failure of the service
				}
				rec.record(s)
			}
		})
	}
	wg.Wait()
	return rec, out.Load()
}

// withDefaults fills in the defaults that depend on other options.
func (o Options) withDefaults() Options {
	o.Size = o.objectSize()
	if o.PrepareConcurrency == 0 {
		o.PrepareConcurrency = max(o.Concurrency, 32)
	}
	if o.Target.Region == "" {
		o.Target.Region = "us-east-1"
	}
	if o.Compare != nil {
		c := *o.Compare
		if c.Region == "" {
			c.Region = o.Target.Region
		}
		o.Compare = &c
	}
	return o
}

// prepareCount is the number of objects to upload before measuring.
func (o *Options) prepareCount() int {
	switch o.Workload {
	case WorkloadGet, WorkloadStat, WorkloadList, WorkloadMixed:
		return o.Objects
	case WorkloadDelete:
		return max(o.Objects, int(o.Ops))
	}
	return 0
}
