package replication

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/meta"
)

// What the worker needs from the rest of the node, declared here by its consumer;
// cmd/node supplies them.

// Metadata is site sync's configuration and progress (*meta.Meta).
type Metadata interface {
	ReplicationRules(ctx context.Context, bucket string) ([]meta.ReplicationRule, error)
	Connection(ctx context.Context, name string) (meta.Connection, error)
	ConnectionSecret(ctx context.Context, name string) (meta.ConnectionSecret, error)
	ReplicationProgress(bucket, id string) meta.ReplicationProgress
	SaveReplicationProgress(ctx context.Context, bucket, id string, p meta.ReplicationProgress) error
	// ClusterID is this site's id: what its S3 API answers in x-cairn-site-id and
	// keeps as the origin of the versions written here.
	ClusterID() string
}

// Change is one entry of a partition's change feed: a key that changed at Seq (an
// arrival stamp: wall milliseconds in the high 48 bits).
type Change struct {
	Seq    uint64
	Bucket string
	Key    string
	// Removed is the id of a version of Key removed for good (by its id), when
	// that is the change: the source's tombstone of it, the proof site sync
	// replicates such a removal on (versions.go).
	Removed string
}

// Feed is this node's change feed and its share of the work.
type Feed interface {
	// Partitions returns the partitions whose changes this node delivers now: those
	// it is the first live owner of, a choice every node makes alike.
	Partitions() []int
	// Changes returns up to limit changes of partition p after the stamp after.
	Changes(ctx context.Context, p int, after uint64, limit int) ([]Change, error)
	// Backfiller reports whether this node runs the backfills (one node of the
	// cluster at a time: the Raft leader).
	Backfiller() bool
	// PartitionCount is the layout's number of partitions.
	PartitionCount() int
	// Trim removes this node's feed entries of partition p up to the stamp upTo.
	Trim(ctx context.Context, p int, upTo uint64) error
}

// Stamps are wall milliseconds shifted left 16 bits (a Change's Seq, a rule's
// Since).
const stampsPerSecond = 1000 << 16

const (
	// takeoverMargin is how far before a partition's checkpoint a node starts when it
	// takes the partition over (at its start, or from a node that died): changes that
	// reached it and not the previous owner, a little before the checkpoint, are sent
	// too. Sending one again is harmless.
	takeoverMargin = 60 * stampsPerSecond
	// trimMargin is how far behind every rule's checkpoint feed entries are kept.
	trimMargin = 10 * 60 * stampsPerSecond
	// trimEvery is how often the worker trims the feed.
	trimEvery = time.Minute
)

// Config configures a Worker.
type Config struct {
	// Interval is how often the worker looks for changes. Default 1s: the delivery
	// delay of an idle rule; shorter costs more index reads.
	Interval time.Duration
	// Batch is the most changes read from one partition per round. Default 256.
	Batch int
	// BackfillPage is how many source keys one backfill step compares and saves
	// its position after. Default 500.
	BackfillPage int
	// Parallel is how many objects one rule applies at once: partitions delivered
	// side by side, a backfill page's keys compared and copied side by side.
	// Default 8; more speeds a backfill over a slow link, at the cost of memory
	// (objects up to 8 MiB are copied through memory).
	Parallel int
	// MultipartThreshold is the size above which an object the source holds in
	// one part is copied by a multipart upload: S3's largest PutObject, 5 GiB, by
	// default. An object the source holds in parts is always copied in the same
	// parts, so that its ETag matches (multipart.go).
	MultipartThreshold int64
	// PartSize is the part size of such a copy, grown as the SDKs' upload
	// managers do so that an object fits in 10,000 parts. Default 16 MiB; at
	// least 5 MiB, S3's smallest part.
	PartSize int64
	// BucketInterval is how often the backfiller compares a syncBucket rule's two
	// buckets' settings. Default 30s.
	BucketInterval time.Duration
	// PeerIdleTimeout is how long a connection to a peer may go without a byte
	// read or written, or a request without its answer's headers once sent,
	// before the request fails (and is retried). Default 2m.
	PeerIdleTimeout time.Duration
	// Local is an S3 client for this node, signed by a key that may read every
	// bucket: the worker reads what it sends through the S3 API, as any client.
	Local *s3.Client
	// Logger; slog.Default() when nil.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{Interval: time.Second, Batch: 256, BackfillPage: 500, Parallel: 8,
		MultipartThreshold: maxPutSize, PartSize: 16 << 20, BucketInterval: 30 * time.Second, PeerIdleTimeout: 2 * time.Minute}
}

// Validate reports a setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Interval <= 0 || c.BucketInterval <= 0 || c.PeerIdleTimeout <= 0:
		return errors.New("replication: Interval, BucketInterval and PeerIdleTimeout must be positive")
	case c.Batch <= 0 || c.Parallel <= 0:
		return errors.New("replication: Batch and Parallel must be positive")
	case c.BackfillPage <= 0 || c.BackfillPage > 1000:
		return errors.New("replication: BackfillPage must be 1 to 1000 (S3's most keys per listing)")
	case c.MultipartThreshold <= 0 || c.MultipartThreshold > maxPutSize:
		return errors.New("replication: MultipartThreshold must be 1 byte to 5 GiB")
	case c.PartSize < minPartSize || c.PartSize > maxPutSize:
		return errors.New("replication: PartSize must be 5 MiB to 5 GiB")
	case c.Local == nil:
		return errors.New("replication: Local (an S3 client for this node) is required")
	}
	return nil
}

// Worker delivers the changes of this node's partitions to every active rule's
// target, and runs backfills when it is the backfiller.
type Worker struct {
	cfg  Config
	md   Metadata
	feed Feed
	log  *slog.Logger

	mu      sync.Mutex
	targets map[string]target // by connection name
	stats   map[string]*ruleStats
	rounds  uint64
	wake    chan struct{}
	// led is the set of partitions this node delivered in the last round; one not
	// in it is taken over (takeoverMargin).
	led      map[int]bool
	lastTrim time.Time
	// bucketSynced is when each syncBucket rule's buckets were last compared,
	// by bucket and rule id (bucketsync.go).
	bucketSynced map[string]time.Time
}

// target is a cached client of a connection, rebuilt when the connection changes.
type target struct {
	updated time.Time
	client  *s3.Client
	// site is the peer's site id ("" for an S3 server that is not Cairn), known
	// once siteKnown (origin.go).
	site      string
	siteKnown bool
}

// New returns a Worker; Run starts it.
func New(cfg Config, md Metadata, feed Feed) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, md: md, feed: feed, log: cfg.Logger.With("component", "site_sync"),
		targets: map[string]target{}, stats: map[string]*ruleStats{}, wake: make(chan struct{}, 1),
		bucketSynced: map[string]time.Time{}}, nil
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		w.Round(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}

// Trigger starts a round now instead of at the next tick.
func (w *Worker) Trigger() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Rounds returns how many rounds have finished: a test waits for a round to have
// run after a change instead of sleeping.
func (w *Worker) Rounds() uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rounds
}

// Round runs one round: every active rule, every partition of this node's, and the
// backfills if this node runs them. Errors are counted per rule, never returned:
// the next round retries.
func (w *Worker) Round(ctx context.Context) {
	defer func() {
		w.mu.Lock()
		w.rounds++
		w.mu.Unlock()
	}()
	rules, err := w.md.ReplicationRules(ctx, "")
	if err != nil {
		w.log.Warn("site sync: cannot read the rules", "error", err)
		return
	}
	w.pruneStats(rules)
	defer w.trim(ctx, rules)
	parts := w.feed.Partitions()
	takeover := map[int]bool{}
	for _, p := range parts {
		if !w.led[p] {
			takeover[p] = true
		}
	}
	defer func() {
		w.led = map[int]bool{}
		for _, p := range parts {
			w.led[p] = true
		}
	}()
	backfiller := w.feed.Backfiller()
	for _, r := range rules {
		st := w.ruleStats(r)
		if r.Paused {
			st.setPaused(true)
			continue
		}
		st.setPaused(false)
		if !st.beginRound(time.Now()) {
			continue // backing off after failures
		}
		w.deliver(ctx, r, st, parts, takeover, backfiller)
		st.endRound(time.Now(), w.cfg.Interval)
	}
}

// deliver runs one rule's round: its partitions, and its backfill on the
// backfiller.
func (w *Worker) deliver(ctx context.Context, r meta.ReplicationRule, st *ruleStats, parts []int, takeover map[int]bool, backfiller bool) {
	cl, err := w.client(ctx, r.Connection)
	if err != nil {
		st.fail("connection", err)
		return
	}
	d := &delivery{w: w, rule: r, target: cl, stats: st, takeover: takeover}
	if r.SyncBucket && backfiller && !d.syncBucketDue(ctx) {
		return // the target bucket is not there yet: nothing can be delivered
	}
	d.partitions(ctx, parts)
	if backfiller && (r.Mode == meta.ModeAll || r.Mode == meta.ModeBidirectional || w.md.ReplicationProgress(r.Bucket, r.ID).BackfillEpoch != 0) {
		d.backfill(ctx) // a resync's backfill runs in any mode
	}
}

// client returns the cached client of a connection, rebuilt after a change.
func (w *Worker) client(ctx context.Context, name string) (*s3.Client, error) {
	c, err := w.md.Connection(ctx, name)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	t, ok := w.targets[name]
	w.mu.Unlock()
	if ok && t.updated.Equal(c.UpdatedAt) {
		return t.client, nil
	}
	secret, err := w.md.ConnectionSecret(ctx, name)
	if err != nil {
		return nil, err
	}
	cl, err := newClient(ctx, c, secret, w.cfg.PeerIdleTimeout)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.targets[name] = target{updated: c.UpdatedAt, client: cl}
	w.mu.Unlock()
	return cl, nil
}

// trim removes, at most every trimEvery, the feed entries every rule has passed by
// trimMargin: with no rule, those older than trimMargin (a new rule starts at its
// creation; a backfill lists, it does not read the feed). A paused rule holds the
// entries it has not sent.
func (w *Worker) trim(ctx context.Context, rules []meta.ReplicationRule) {
	now := time.Now()
	if now.Sub(w.lastTrim) < trimEvery {
		return
	}
	w.lastTrim = now
	nowStamp := uint64(now.UnixMilli()) << 16
	for p := range w.feed.PartitionCount() {
		upTo := nowStamp
		for _, r := range rules {
			at := max(w.md.ReplicationProgress(r.Bucket, r.ID).Partitions[p], r.Since-1)
			upTo = min(upTo, at)
		}
		if upTo <= trimMargin {
			continue
		}
		if err := w.feed.Trim(ctx, p, upTo-trimMargin); err != nil {
			w.log.Warn("site sync: cannot trim the change feed", "partition", p, "error", err)
			return
		}
	}
}

// delivery is one rule's work in one round.
type delivery struct {
	w      *Worker
	rule   meta.ReplicationRule
	target *s3.Client
	stats  *ruleStats
	// takeover holds the partitions this node has just taken over.
	takeover map[int]bool
	// versioned caches, for the round, whether the source bucket is versioned
	// (timed.go).
	versioned struct {
		once sync.Once
		yes  bool
		err  error
	}
}

// active reports whether the rule is still there and not paused, as this node's
// metadata has it now: a pause acknowledged (applied on every live node) stops
// delivery before the next change, even within a round.
func (d *delivery) active(ctx context.Context) bool {
	rules, err := d.w.md.ReplicationRules(ctx, d.rule.Bucket)
	if err != nil {
		return false
	}
	for _, r := range rules {
		if r.ID == d.rule.ID {
			return !r.Paused && r.Connection == d.rule.Connection && r.TargetBucket == d.rule.TargetBucket
		}
	}
	return false
}

// partitions delivers the rule's changes in each of parts, from its checkpoint,
// and saves the checkpoints that moved. A change that fails stops its partition
// there: the checkpoint never passes a change not applied, so it is retried next
// round (at least once; applying is idempotent).
func (d *delivery) partitions(ctx context.Context, parts []int) {
	r := d.rule
	prog := d.w.md.ReplicationProgress(r.Bucket, r.ID)
	results := make([]partitionResult, len(parts))
	parallel(ctx, len(parts), d.w.cfg.Parallel, func(i int) {
		results[i] = d.partition(ctx, parts[i], prog.Partitions[parts[i]])
	})
	moved := map[int]uint64{}
	var backlog int
	var oldest uint64
	for i, res := range results {
		p := parts[i]
		if res.done > prog.Partitions[p] {
			moved[p] = res.done
		}
		backlog += res.backlog
		if res.oldest != 0 && (oldest == 0 || res.oldest < oldest) {
			oldest = res.oldest
		}
	}
	d.stats.setBacklog(backlog, oldest)
	if len(moved) > 0 {
		if err := d.w.md.SaveReplicationProgress(ctx, r.Bucket, r.ID, meta.ReplicationProgress{Partitions: moved}); err != nil {
			d.stats.fail("checkpoint", err)
		}
	}
}

// partitionResult is what delivering one partition's batch came to: the stamp every
// change up to which is applied, and what is left after a failure.
type partitionResult struct {
	done    uint64
	backlog int
	oldest  uint64
}

// partition delivers one batch of partition p's changes after checkpoint.
func (d *delivery) partition(ctx context.Context, p int, checkpoint uint64) partitionResult {
	r := d.rule
	from := checkpoint
	if d.takeover[p] && from > takeoverMargin {
		from -= takeoverMargin
	}
	if from < r.Since-1 {
		from = r.Since - 1 // changes from the rule's creation on
	}
	res := partitionResult{done: from}
	changes, err := d.w.feed.Changes(ctx, p, from, d.w.cfg.Batch)
	if err != nil {
		d.stats.fail("feed", err)
		return res
	}
	seen := map[string]bool{}
	for i, c := range changes {
		if c.Bucket != r.Bucket || !strings.HasPrefix(c.Key, r.Prefix) || seen[c.Key] && c.Removed == "" {
			res.done = c.Seq
			continue
		}
		if !d.active(ctx) {
			break // paused or deleted since the round began: stop at once
		}
		err := d.change(ctx, c, seen[c.Key], from-min(from, takeoverMargin))
		if err != nil {
			d.stats.fail(reason(err), fmt.Errorf("%s/%s: %w", c.Bucket, c.Key, err))
			res.backlog, res.oldest = len(changes)-i, c.Seq
			break
		}
		// A key is read whole when applied: later changes of it in this batch
		// are covered.
		seen[c.Key] = true
		res.done = c.Seq
	}
	if len(changes) == d.w.cfg.Batch {
		d.w.Trigger() // more to read
	}
	return res
}

// change applies one change of the feed: the removal of a version by id
// (removeVersion), then the key's current state, unless the batch applied it
// already (applied), with the window of versions in between.
func (d *delivery) change(ctx context.Context, c Change, applied bool, window uint64) error {
	if c.Removed != "" {
		if err := d.removeVersion(ctx, c.Key, c.Removed); err != nil {
			return err
		}
	}
	if applied {
		return nil
	}
	_, err := d.apply(ctx, c.Key, window)
	return err
}

// pruneStats forgets the statistics (and bucket comparisons) of rules that no
// longer exist.
func (w *Worker) pruneStats(rules []meta.ReplicationRule) {
	live := map[string]bool{}
	for _, r := range rules {
		live[r.Bucket+"\x00"+r.ID] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.stats {
		if !live[k] {
			delete(w.stats, k)
		}
	}
	for k := range w.bucketSynced {
		if !live[k] {
			delete(w.bucketSynced, k)
		}
	}
}
