package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// Objects is what the engine needs from the object layer; *blob.Store implements it.
type Objects interface {
	NodeID() string
	CurrentLayout() *layout.Layout
	ScanLocalVersions(ctx context.Context, p int, bucket, after string, limit int) ([]blob.KeyVersions, bool, error)
	Versions(ctx context.Context, bucket, key string) ([]blob.VersionInfo, error)
	Delete(ctx context.Context, in blob.DeleteInput) (blob.DeleteResult, error)
	RemoveNull(ctx context.Context, bucket, key string, v blob.VersionInfo, deleteMarker bool) error
	ScanLocalUploads(ctx context.Context, p int, bucket, afterKey, afterID string, limit int) ([]blob.LocalUpload, bool, error)
	ListParts(ctx context.Context, bucket, key, uploadID string, after, limit int) (blob.ListPartsResult, error)
	AbortUpload(ctx context.Context, bucket, key, uploadID string) error
}

// Buckets is what the engine needs from the cluster metadata; *meta.Meta implements
// it.
type Buckets interface {
	Buckets(ctx context.Context) ([]meta.Bucket, error)
}

// Config configures an Engine.
type Config struct {
	// Interval is the time between the starts of two runs. Default 1h; negative
	// disables the background runs (RunNow still works). Shorter applies rules
	// sooner after they fall due, at the cost of walking every partition more often.
	Interval time.Duration
	// Day is the length of a lifecycle day. Default 24h (S3's). Shorter makes rules
	// act sooner, for tests and demonstrations only: "Days 1" then means one Day.
	Day time.Duration
	// Dir holds the checkpoint file (lifecycle.json). Empty: no checkpoint, so a
	// restart begins a run again from the start.
	Dir string
	// Live reports whether a node is alive; nil: every node is. The first live owner
	// of each partition (in the newest layout's owner order) applies its rules.
	Live func(node string) bool
	// Now reads the clock. Default time.Now.
	Now func() time.Time
	// Logger receives the engine's logs, tagged component=lifecycle.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Interval: time.Hour, Day: DefaultDay}
}

// Validate checks a Config.
func (c Config) Validate() error {
	if c.Interval == 0 {
		return errors.New("lifecycle: interval must not be zero (negative disables the runs)")
	}
	if c.Day <= 0 {
		return errors.New("lifecycle: the day length must be positive")
	}
	return nil
}

// batch is how many records one local scan reads.
const batch = 500

// Engine applies lifecycle rules to the partitions this node leads.
type Engine struct {
	cfg     Config
	objects Objects
	buckets Buckets
	log     *slog.Logger
	run     sync.Mutex // one run at a time
	bg      sync.WaitGroup
	stats   stats
	ckpt    *checkpoints
}

// New returns an engine; Start runs it in the background.
func New(cfg Config, objects Objects, buckets Buckets) (*Engine, error) {
	d := DefaultConfig()
	if cfg.Interval == 0 {
		cfg.Interval = d.Interval
	}
	if cfg.Day == 0 {
		cfg.Day = d.Day
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ck, err := loadCheckpoints(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, objects: objects, buckets: buckets, log: cfg.Logger.With("component", "lifecycle"), ckpt: ck}, nil
}

// Start runs the engine every Interval until ctx ends: a run interrupted by a
// restart resumes from its checkpoint as soon as gossip has settled (a minute after
// the start, or an interval if that is shorter); otherwise the next run starts
// Interval after the last one started.
func (e *Engine) Start(ctx context.Context) {
	if e.cfg.Interval < 0 {
		return
	}
	e.bg.Go(func() {
		// The first run waits for gossip to settle (up to a minute, or an interval if
		// shorter): before it has, a starting node may take itself for the first live
		// owner of partitions another node leads.
		settle := min(e.cfg.Interval, time.Minute)
		for ctx.Err() == nil {
			wait := max(e.ckpt.nextRun(e.cfg.Interval, e.cfg.Now()), settle)
			settle = 0
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			if _, err := e.RunNow(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("lifecycle run failed; it resumes at the next one", "error", err)
			}
		}
	})
}

// Wait waits for the background runs to stop once Start's ctx has ended.
func (e *Engine) Wait() { e.bg.Wait() }

// RunNow runs (or resumes) one pass over the partitions this node leads and returns
// what it did. A run already in progress is waited for.
func (e *Engine) RunNow(ctx context.Context) (Result, error) {
	e.run.Lock()
	defer e.run.Unlock()
	start := e.cfg.Now()
	e.ckpt.begin(start)
	res := Result{Start: start}
	e.stats.begin()
	err := e.pass(ctx, &res)
	res.Duration = e.cfg.Now().Sub(start)
	if err != nil {
		res.Error = err.Error()
	} else {
		e.ckpt.finish()
	}
	if serr := e.ckpt.save(); serr != nil && err == nil {
		err = serr
	}
	e.stats.end(res)
	level := slog.LevelDebug // a run that did nothing is not news
	if res.Expired+res.NoncurrentRemoved+res.DeleteMarkersRemoved+res.UploadsAborted+res.Locked > 0 || res.Error != "" {
		level = slog.LevelInfo
	}
	e.log.Log(ctx, level, "lifecycle run", "partitions", res.Partitions, "scanned", res.Scanned, "expired", res.Expired,
		"noncurrent_removed", res.NoncurrentRemoved, "delete_markers_removed", res.DeleteMarkersRemoved,
		"uploads_aborted", res.UploadsAborted, "bytes_freed", res.BytesFreed, "locked", res.Locked, "error", res.Error)
	return res, err
}

// Status returns the run in progress (if any), the last run and the totals since
// the node started.
func (e *Engine) Status() Status { return e.stats.status() }

// Day returns the length of a lifecycle day.
func (e *Engine) Day() time.Duration { return e.cfg.Day }

// led returns the partitions whose rules this node applies: those of which it is
// the first live owner in the newest layout.
func (e *Engine) led() []int {
	l := e.objects.CurrentLayout()
	if l == nil {
		return nil
	}
	self := e.objects.NodeID()
	var out []int
	for p := 0; p < l.Partitions; p++ {
		for _, o := range l.Owners(p) {
			if e.cfg.Live == nil || string(o) == self || e.cfg.Live(string(o)) {
				if string(o) == self {
					out = append(out, p)
				}
				break
			}
		}
	}
	return out
}

// pass walks every partition this node leads, bucket by bucket in name order, from
// the checkpoint of the run in progress.
func (e *Engine) pass(ctx context.Context, res *Result) error {
	all, err := e.buckets.Buckets(ctx)
	if err != nil {
		return err
	}
	var bs []meta.Bucket
	for _, b := range all {
		if b.Lifecycle != nil {
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 {
		return nil
	}
	slices.SortFunc(bs, func(a, b meta.Bucket) int { return strings.Compare(a.Name, b.Name) })
	parts := e.led()
	e.stats.progress(0, len(parts))
	for i, p := range parts {
		pos, done := e.ckpt.position(p)
		if done {
			continue
		}
		if err := e.partition(ctx, p, bs, pos, res); err != nil {
			return fmt.Errorf("partition %d: %w", p, err)
		}
		e.ckpt.done(p)
		res.Partitions++
		e.stats.progress(i+1, len(parts))
	}
	return nil
}

// partition applies the rules of every bucket in bs to partition p from pos.
func (e *Engine) partition(ctx context.Context, p int, bs []meta.Bucket, pos position, res *Result) error {
	for _, b := range bs {
		if b.Name < pos.Bucket {
			continue
		}
		if b.Name > pos.Bucket {
			pos = position{Bucket: b.Name}
		}
		if !pos.Uploads && hasVersionRules(b.Lifecycle) {
			if err := e.versions(ctx, p, b, &pos, res); err != nil {
				return err
			}
		}
		if !pos.Uploads {
			pos = position{Bucket: b.Name, Uploads: true}
			e.ckpt.set(p, pos)
		}
		if hasUploadRules(b.Lifecycle) {
			if err := e.uploads(ctx, p, b, &pos, res); err != nil {
				return err
			}
		}
	}
	return nil
}

// versions applies b's rules to the versions of b's keys in partition p.
func (e *Engine) versions(ctx context.Context, p int, b meta.Bucket, pos *position, res *Result) error {
	for {
		keys, more, err := e.objects.ScanLocalVersions(ctx, p, b.Name, pos.After, batch)
		if err != nil {
			return err
		}
		var due []string
		for _, kv := range keys {
			res.Scanned += len(kv.Versions)
			if len(Plan(b.Lifecycle, kv.Key, kv.Versions, e.cfg.Now(), e.cfg.Day)) > 0 {
				due = append(due, kv.Key)
			}
		}
		if err := e.applyAll(ctx, b, due, res); err != nil {
			return err // the batch is walked again: every action is confirmed first
		}
		if len(keys) > 0 {
			pos.After = keys[len(keys)-1].Key
		}
		e.ckpt.set(p, *pos)
		e.stats.scanned(res.Scanned)
		if !more || len(keys) == 0 {
			return nil
		}
	}
}

// actWorkers is how many keys a run acts on at once: each action waits for a quorum
// read and a durable quorum write, so several overlap.
const actWorkers = 8

// applyAll applies b's rules to keys, actWorkers at a time, adding what was done to
// res; the first error, once every key has been tried.
func (e *Engine) applyAll(ctx context.Context, b meta.Bucket, keys []string, res *Result) error {
	done := make([]Result, len(keys))
	errs := make([]error, len(keys))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(actWorkers, len(keys)) {
		wg.Go(func() {
			for i := range next {
				errs[i] = e.apply(ctx, b, keys[i], &done[i])
			}
		})
	}
	for i := range keys {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range done {
		res.add(done[i])
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// apply confirms a key's plan against a quorum of its owners (this node's copy may
// lag) and carries it out through the object layer's quorum writes.
func (e *Engine) apply(ctx context.Context, b meta.Bucket, key string, res *Result) error {
	vs, err := e.objects.Versions(ctx, b.Name, key)
	if err != nil {
		return err
	}
	v := blob.VersioningOf(b.Versioning)
	for _, a := range Plan(b.Lifecycle, key, vs, e.cfg.Now(), e.cfg.Day) {
		if a.Removes(v) && !e.mayRemove(a.Version) {
			res.Locked++
			continue
		}
		err := e.act(ctx, b.Name, key, a, v)
		if errors.Is(err, blob.ErrObjectLocked) {
			res.Locked++ // locked since the read: the object layer refuses too
			continue
		}
		if err != nil {
			return fmt.Errorf("%s/%s: %w", b.Name, key, err)
		}
		freed := a.Version.Size
		if !a.Removes(v) || a.Version.DeleteMarker {
			freed = 0
		}
		res.BytesFreed += freed
		switch {
		case a.Kind == ExpireCurrent:
			res.Expired++
		case a.Version.DeleteMarker:
			res.DeleteMarkersRemoved++
		default:
			res.NoncurrentRemoved++
		}
		e.log.Debug("lifecycle action", "bucket", b.Name, "key", key, "version_id", a.Version.VersionID, "kind", a.Kind, "rule", a.RuleID)
	}
	return nil
}

// act carries out one action through the object layer's quorum writes: a DELETE
// without a version id (a new delete marker) for an expiration in an Enabled bucket,
// a DELETE of the version by id for other versioned removals, and RemoveNull for the
// removal or replacement of a null version, which leaves a write that raced with the
// decision current.
func (e *Engine) act(ctx context.Context, bucket, key string, a Action, v blob.Versioning) error {
	if !a.Version.Versioned && (a.Kind != ExpireCurrent || v != blob.VersioningEnabled) {
		marker := a.Kind == ExpireCurrent && v == blob.VersioningSuspended
		return e.objects.RemoveNull(ctx, bucket, key, a.Version, marker)
	}
	in := blob.DeleteInput{Bucket: bucket, Key: key, VersionID: a.Version.VersionID, Versioning: v, Lifecycle: true}
	if a.Kind == ExpireCurrent {
		in.VersionID = "" // as a DELETE without a version id
	}
	_, err := e.objects.Delete(ctx, in)
	return err
}

// mayRemove reports whether a version may be removed now: not while object lock
// holds it (a legal hold, or a retention of either mode: lifecycle never bypasses
// governance). This is the one place the engine asks.
func (e *Engine) mayRemove(v blob.VersionInfo) bool {
	return !v.LockedAt(e.cfg.Now())
}

// uploads aborts b's incomplete multipart uploads in partition p that a rule makes
// due.
func (e *Engine) uploads(ctx context.Context, p int, b meta.Bucket, pos *position, res *Result) error {
	for {
		ups, more, err := e.objects.ScanLocalUploads(ctx, p, b.Name, pos.After, pos.UploadID, batch)
		if err != nil {
			return err
		}
		for _, u := range ups {
			if _, ok := AbortDue(b.Lifecycle, u.Key, u.Initiated, e.cfg.Now(), e.cfg.Day); ok {
				if err := e.abort(ctx, b.Name, u, res); err != nil {
					return err
				}
			}
			pos.After, pos.UploadID = u.Key, u.UploadID
		}
		e.ckpt.set(p, *pos)
		if !more || len(ups) == 0 {
			return nil
		}
	}
}

// abort aborts one upload through the quorum path, counting its parts' bytes.
func (e *Engine) abort(ctx context.Context, bucket string, u blob.LocalUpload, res *Result) error {
	var size int64
	after := 0
	for {
		lp, err := e.objects.ListParts(ctx, bucket, u.Key, u.UploadID, after, 1000)
		if errors.Is(err, blob.ErrNoSuchUpload) {
			return nil // completed or aborted meanwhile
		}
		if err != nil {
			return err
		}
		for _, pt := range lp.Parts {
			size += pt.Size
		}
		if !lp.IsTruncated {
			break
		}
		after = lp.NextPartNumberMarker
	}
	err := e.objects.AbortUpload(ctx, bucket, u.Key, u.UploadID)
	if errors.Is(err, blob.ErrNoSuchUpload) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s/%s upload %s: %w", bucket, u.Key, u.UploadID, err)
	}
	res.UploadsAborted++
	res.BytesFreed += size
	return nil
}
