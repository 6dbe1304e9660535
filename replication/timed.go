package replication

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/meta"
)

// Timed sends (docs/site-sync.md#versions). A write sent with its origin time is
// stored on a Cairn target at that time, under the source's version id: so the
// target holds the source's versions, in the same order, under the same ids, and
// the versions in between can be matched by time and sent (versions.go). Sends
// are timed under a bidirectional rule, and under a one-way rule from a versioned
// bucket to a Cairn site, as S3's replication keeps a replica's version id. A
// one-way rule from an unversioned bucket sends untimed: the target stores the
// source's state as it arrives, at its own time.

// timed reports whether the rule's writes to the target, of site id site ("" for
// an S3 server that is not Cairn), carry their origin time and version id.
func (d *delivery) timed(ctx context.Context, site string) (bool, error) {
	switch {
	case d.rule.Mode == meta.ModeBidirectional:
		return true, nil
	case site == "":
		return false, nil
	}
	return d.sourceVersioned(ctx)
}

// sourceVersioned reports whether the rule's source bucket has versioning
// (Enabled or Suspended), asked once per round.
func (d *delivery) sourceVersioned(ctx context.Context) (bool, error) {
	v := &d.versioned
	v.once.Do(func() {
		out, err := d.w.cfg.Local.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(d.rule.Bucket)})
		if err != nil {
			v.err = sourceErr(fmt.Errorf("versioning: %w", err))
			return
		}
		v.yes = out.Status != ""
	})
	return v.yes, v.err
}

// untimedAbove reports whether the target's current version of a key (the
// headers h and Last-Modified of its HEAD) is a copy of the same origin as the
// write from that was stored without its time (a one-way rule's send from before
// the source bucket was versioned, stored at the target's time), and is not
// provably older than that write. Sent with its time, the write would be stored
// below that copy and leave it current; it is sent without, as the copy was, and
// the key's next write goes timed again. Last-Modified has whole seconds, hence
// the second's margin.
func (d *delivery) untimedAbove(h http.Header, modified *time.Time, from origin) bool {
	if d.rule.Mode == meta.ModeBidirectional || h.Get(hdrOriginTime) != "" || h.Get(hdrOriginSite) != from.site {
		return false
	}
	at, err := strconv.ParseUint(from.time, 10, 64)
	if err != nil || modified == nil {
		return true
	}
	written := time.UnixMilli(int64(at >> 16))
	return !modified.Add(time.Second).Before(written)
}

// originFor is the origin to send to a target of site id site: only a Cairn
// target (whose site is known) is told one, since only Cairn stores it, and its
// principal then needs s3:ReplicateObject or s3:ReplicateDelete. Its time (and
// version id) only when the send is timed: the target then stores the change at
// that time (last write wins); an untimed send's target takes the source's state
// as it arrives (a backfill corrects a stale copy even if it is newer).
func originFor(site string, from origin, timed bool) func(*s3.Options) {
	if site == "" {
		return func(*s3.Options) {}
	}
	if !timed {
		from.time = ""
	}
	return withOrigin(from)
}
