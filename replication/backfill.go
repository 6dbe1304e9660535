package replication

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/meta"
)

// backfill copies, for a mode-all rule (a bidirectional one: backfill_twoway.go),
// or any rule after a resync (meta.ReplicationResync), every object the source has
// under the rule's prefix that the target lacks or holds with another ETag (with
// its versions: backfillVersions): it compares the two sides by listing, not by
// trusting state. It goes through the source in key order, one page per round,
// and saves its position in Raft after each page, so a backfill interrupted (the
// node killed, leadership moved) resumes at the last page saved on whichever node
// runs it next. Deletes are the change feed's business: a key the target has and
// the source does not is left alone.
func (d *delivery) backfill(ctx context.Context) {
	r := d.rule
	prog := d.w.md.ReplicationProgress(r.Bucket, r.ID)
	if prog.BackfillDone {
		return
	}
	next := prog
	if next.BackfillStarted.IsZero() {
		next.BackfillStarted = time.Now().UTC()
	}
	if !next.BackfillCounted {
		if err := d.countSource(ctx, &next); err != nil {
			d.stats.fail("source", fmt.Errorf("backfill count: %w", sourceErr(err)))
			d.saveBackfill(ctx, prog, next)
			return
		}
	}
	page, more, err := d.backfillPage(ctx, prog.BackfillAfter)
	if err != nil {
		d.stats.fail(reason(err), fmt.Errorf("backfill: %w", err))
		d.saveBackfill(ctx, prog, next)
		return
	}
	// The page's keys are compared and copied concurrently; the position saved is
	// the last key before the first that failed, so nothing is skipped.
	keys := make([]string, len(page))
	etags := make([]string, len(page))
	sizes := make([]int64, len(page))
	for i, o := range page {
		keys[i], etags[i], sizes[i] = o.key, o.etag, o.size
	}
	errs := make([]error, len(keys))
	for i := range errs {
		// parallel starts none after ctx ends (the node stopping): a key not
		// compared must stop the position before it, not pass as compared.
		errs[i] = errNotCompared
	}
	copied := make([]int64, len(keys)) // bytes+1 of a copy, 0 when none was needed
	parallel(ctx, len(keys), d.w.cfg.Parallel, func(i int) {
		if r.Mode == meta.ModeBidirectional {
			copied[i], errs[i] = d.backfillTwoWay(ctx, keys[i], etags[i])
			return
		}
		copied[i], errs[i] = d.backfillOne(ctx, keys[i], etags[i])
	})
	for i, err := range errs {
		if err != nil {
			if err != errNotCompared {
				d.stats.fail(reason(err), fmt.Errorf("backfill: %s: %w", keys[i], err))
			}
			d.saveBackfill(ctx, prog, next)
			return
		}
		next.BackfillAfter = keys[i]
		next.BackfillCompared++
		next.BackfillComparedBytes += sizes[i]
		if copied[i] > 0 {
			next.BackfillCopied++
			next.BackfillBytes += copied[i] - 1
		}
	}
	next.BackfillDone = !more
	d.saveBackfill(ctx, prog, next)
	if !next.BackfillDone {
		d.w.Trigger()
	}
}

// backfillEntry is a key of a backfill page, with its current version's ETag and
// size ("" and 0 when its newest version is a delete marker).
type backfillEntry struct {
	key, etag string
	size      int64
}

// backfillPage lists the source's keys under the rule's prefix after the key
// after, a page of them, and reports whether more follow. The current objects
// (ListObjectsV2), unless the backfill copies versions (backfillVersions): then
// every key that has versions, delete-marked ones too, from a ListObjectVersions
// page of as many versions. A key's newest entry comes first, so each key of the
// page has its current state there; a key cut off by the page's end needs no
// more, since its versions are listed on their own (fillVersions), and the next
// page starts after it.
func (d *delivery) backfillPage(ctx context.Context, after string) ([]backfillEntry, bool, error) {
	r, limit := d.rule, aws.Int32(int32(d.w.cfg.BackfillPage))
	copiesVersions, err := d.copiesVersions(ctx)
	if err != nil {
		return nil, false, err
	}
	if !copiesVersions {
		in := &s3.ListObjectsV2Input{Bucket: aws.String(r.Bucket), Prefix: aws.String(r.Prefix), MaxKeys: limit}
		if after != "" {
			in.StartAfter = aws.String(after)
		}
		out, err := d.w.cfg.Local.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, false, sourceErr(err)
		}
		page := make([]backfillEntry, len(out.Contents))
		for i, o := range out.Contents {
			page[i] = backfillEntry{key: aws.ToString(o.Key), etag: aws.ToString(o.ETag), size: aws.ToInt64(o.Size)}
		}
		return page, aws.ToBool(out.IsTruncated), nil
	}
	in := &s3.ListObjectVersionsInput{Bucket: aws.String(r.Bucket), Prefix: aws.String(r.Prefix), MaxKeys: limit}
	if after != "" {
		in.KeyMarker = aws.String(after)
	}
	out, err := d.w.cfg.Local.ListObjectVersions(ctx, in)
	if err != nil {
		return nil, false, sourceErr(err)
	}
	byKey := map[string]backfillEntry{}
	for _, v := range out.Versions {
		k := aws.ToString(v.Key)
		e := byKey[k]
		e.key = k
		if aws.ToBool(v.IsLatest) {
			e.etag, e.size = aws.ToString(v.ETag), aws.ToInt64(v.Size)
		}
		byKey[k] = e
	}
	for _, m := range out.DeleteMarkers {
		k := aws.ToString(m.Key)
		e := byKey[k]
		e.key = k
		byKey[k] = e
	}
	page := slices.SortedFunc(maps.Values(byKey), func(a, b backfillEntry) int { return strings.Compare(a.key, b.key) })
	return page, aws.ToBool(out.IsTruncated), nil
}

// copiesVersions reports whether the backfill copies every version of each key
// (backfillVersions), not only the current ones.
func (d *delivery) copiesVersions(ctx context.Context) (bool, error) {
	site, err := d.targetSite(ctx)
	if err != nil {
		return false, err
	}
	timed, err := d.timed(ctx, site)
	if err != nil || !timed {
		return false, err
	}
	return d.sourceVersioned(ctx)
}

// errNotCompared marks a key of a backfill page that was not compared: the round
// was cut short.
var errNotCompared = errors.New("replication: not compared")

// saveBackfill saves the backfill's position and counts when they moved from prog.
func (d *delivery) saveBackfill(ctx context.Context, prog, next meta.ReplicationProgress) {
	if next.BackfillAfter == prog.BackfillAfter && next.BackfillDone == prog.BackfillDone && next.BackfillCompared == prog.BackfillCompared &&
		next.BackfillCountAfter == prog.BackfillCountAfter && next.BackfillCounted == prog.BackfillCounted &&
		next.BackfillStarted.Equal(prog.BackfillStarted) {
		return
	}
	next.Partitions = nil
	if err := d.w.md.SaveReplicationProgress(ctx, d.rule.Bucket, d.rule.ID, next); err != nil {
		d.stats.fail("checkpoint", err)
	}
}

// countPages is how many pages of 1,000 keys a backfill step counts beside the
// page it copies: the totals are known after a bucket's first few rounds without
// holding one round up for a long listing.
const countPages = 10

// countSource counts the source's objects and bytes under the rule's prefix for
// the backfill's totals, up to countPages listing pages on from next's position,
// and moves the position and totals in next.
func (d *delivery) countSource(ctx context.Context, next *meta.ReplicationProgress) error {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(d.rule.Bucket), Prefix: aws.String(d.rule.Prefix), MaxKeys: aws.Int32(1000)}
	for range countPages {
		if next.BackfillCountAfter != "" {
			in.StartAfter = aws.String(next.BackfillCountAfter)
		}
		page, err := d.w.cfg.Local.ListObjectsV2(ctx, in)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			next.BackfillTotalObjects++
			next.BackfillTotalBytes += aws.ToInt64(o.Size)
			next.BackfillCountAfter = aws.ToString(o.Key)
		}
		if !aws.ToBool(page.IsTruncated) {
			next.BackfillCounted = true
			return nil
		}
	}
	return nil
}

// backfillOne copies key unless the target holds it with the same ETag, and
// corrects a copy of the same ETag whose metadata, content headers, tags or lock
// look otherwise (looksAlike). It returns the bytes copied plus one (0: nothing
// needed copying or correcting).
func (d *delivery) backfillOne(ctx context.Context, key, etag string) (int64, error) {
	if err := d.backfillVersions(ctx, key); err != nil {
		return 0, err
	}
	head, err := d.target.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.rule.TargetBucket), Key: aws.String(key)})
	switch {
	case err == nil && aws.ToString(head.ETag) == etag:
		alike, err := d.looksAlikeOnSource(ctx, key, head)
		if err != nil || alike {
			return 0, err // the target has it already
		}
	case err != nil && !isNotFound(err):
		return 0, err
	}
	n, err := d.apply(ctx, key, 0)
	if err != nil {
		return 0, err
	}
	return n + 1, nil
}

// looksAlikeOnSource reports whether the source's current version of key looks
// like head, the target's copy (looksAlike); true when the source has none any
// more (the feed sends that change).
func (d *delivery) looksAlikeOnSource(ctx context.Context, key string, head *s3.HeadObjectOutput) (bool, error) {
	src, err := d.w.cfg.Local.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(d.rule.Bucket), Key: aws.String(key)})
	switch {
	case isNotFound(err):
		return true, nil
	case err != nil:
		return false, sourceErr(err)
	}
	return looksAlike(src, head), nil
}

// backfillVersions sends, when the rule's sends are timed and the source bucket
// is versioned, every version and delete marker of key the target lacks, its
// whole history but the newest (which the backfill compares): a backfill of a
// versioned bucket copies its versions, not only its current state.
func (d *delivery) backfillVersions(ctx context.Context, key string) error {
	copiesVersions, err := d.copiesVersions(ctx)
	if err != nil || !copiesVersions {
		return err
	}
	site, err := d.targetSite(ctx)
	if err != nil {
		return err
	}
	return d.fillVersions(ctx, key, 0, site, true)
}

// parallel runs fn(0..n-1) on at most limit goroutines and waits for them.
func parallel(ctx context.Context, n, limit int, fn func(i int)) {
	sem := make(chan struct{}, max(1, limit))
	var wg sync.WaitGroup
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}
