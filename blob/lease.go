package blob

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/index"
)

// Conditional writes (If-None-Match, If-Match on PUT, copy, completion and DELETE)
// make the check of a key's current version and the write of its new record one step
// with respect to every other conditional writer of the key, wherever it runs.
//
// The coordinator asks the owners of the key's partition (in every layout version in
// flight, as a read does), one at a time in node-id order (leaseInOrder), for a lease
// on the key, and each owner, under one mutex,
// grants it to one token at a time and answers, in the same call, its records of the
// key (as Current does). With a read quorum of every version granted, the coordinator
// merges those answers, checks the condition, and writes the new record with its token:
// an owner stores it only while the token still holds its lease there. Then it
// releases the leases.
//
// Why two conditional writers A and B of a key cannot both succeed: each needs a
// quorum of the newest owners to grant it and a write quorum to store its record under
// its live lease. Any two quorums meet, so some owner x granted both; one lease at a
// time, so, say, A's ended at x (released or expired) before B's began. A's record,
// if A succeeded, was stored on a write quorum under A's leases; every owner of that
// quorum that also granted B stored it before granting B (after, A's lease there was
// over and the write refused), and B's read is made of exactly the answers of the
// owners that granted it, which include such an owner (B's granting quorum meets A's
// write quorum). So B sees A's record and judges its condition on it. An owner that
// was not asked for the lease and that no one holds stores A's record too, but as an
// extra copy that does not count towards A's quorum (ErrStoredUnleased): the argument
// needs only the counted copies.
//
// Limits (docs/object-layer.md): writes without a condition take no lease and
// overwrite as ever (last write wins); a lease lasts leaseTTL, so a coordinator that
// stalls longer loses it and its write is refused, but a write refused on most owners
// and stored on a few (a failed, indeterminate write) may still spread by
// anti-entropy, as any failed write may.

// leaseTTL is how long an owner keeps a lease it granted unless released: long enough
// for the coordinator's read and its record write (each bounded by RPCTimeout).
func (s *Store) leaseTTL() time.Duration { return min(3*s.cfg.RPCTimeout, maxLeaseTTL) }

// leaseWait bounds how long a conditional write waits for another conditional writer
// of the same key before it gives up with ErrConditionalConflict.
func (s *Store) leaseWait() time.Duration { return s.cfg.RPCTimeout }

// Condition is what a conditional write or delete requires of the key's current
// version (a delete marker, or none, is no current object).
type Condition struct {
	// IfMatch is an ETag (quoted or not) or "*": the key must have a current object,
	// else ErrNoSuchKey, with that ETag (any, for "*"), else ErrPreconditionFailed.
	IfMatch string
	// IfNoneMatch ("*"): the key must have no current object, else
	// ErrPreconditionFailed.
	IfNoneMatch bool
	// IfMatchLastModified, if not zero, must be the current object's modification
	// time (to the second), else ErrPreconditionFailed; no current object passes.
	IfMatchLastModified time.Time
	// IfMatchSize, if not nil, must be the current object's size, else
	// ErrPreconditionFailed; no current object passes.
	IfMatchSize *int64
}

// check judges c against the key's current record (found false: none).
func (c *Condition) check(cur *index.Record, found bool) error {
	exists := found && !cur.DeleteMarker
	if c.IfMatch != "" {
		if !exists {
			return ErrNoSuchKey
		}
		if want := strings.Trim(c.IfMatch, `"`); want != "*" && want != cur.ETag {
			return fmt.Errorf("%w: If-Match %s, the current ETag is %q", ErrPreconditionFailed, c.IfMatch, cur.ETag)
		}
	}
	if c.IfNoneMatch && exists {
		return fmt.Errorf("%w: the key has a current object", ErrPreconditionFailed)
	}
	if !exists {
		return nil
	}
	if !c.IfMatchLastModified.IsZero() {
		info, err := infoFromRecord(cur)
		if err != nil {
			return err
		}
		if !info.LastModified.Truncate(time.Second).Equal(c.IfMatchLastModified.Truncate(time.Second)) {
			return fmt.Errorf("%w: last modified %s, not %s", ErrPreconditionFailed, info.LastModified.UTC(), c.IfMatchLastModified.UTC())
		}
	}
	if c.IfMatchSize != nil && *c.IfMatchSize != cur.Size {
		return fmt.Errorf("%w: size %d, not %d", ErrPreconditionFailed, cur.Size, *c.IfMatchSize)
	}
	return nil
}

// commit writes rec to its partition p as putRecord does or, when c is not nil, only
// if c holds of the key's current version, atomically with respect to every other
// conditional writer of the key (see the top of this file). A conditional record takes
// a fresh HLC after the check (Changed, for a tombstone in a version's own slot), so it
// orders after the version it was judged against; rec is updated in place.
func (s *Store) commit(ctx context.Context, pl placement, p int, rec *index.Record, c *Condition) error {
	if c == nil {
		return s.putRecord(ctx, pl, p, *rec)
	}
	token := newLeaseToken()
	rs := s.readSet(pl, p)
	release := func() { s.releaseLeases(ctx, rs, p, rec.Bucket, rec.Key, token) }
	writing := false
	defer func() {
		if !writing {
			release()
		}
	}()
	cur, found, err := s.leaseCurrent(ctx, pl, rs, p, rec.Bucket, rec.Key, token)
	if err != nil {
		return err
	}
	if err := c.check(&cur, found); err != nil {
		return err
	}
	now := uint64(s.cfg.Clock.Now()) // after the read observed every HLC it saw
	if rec.Versioned && rec.Tombstone {
		rec.Changed = now
	} else {
		rec.HLC = now
	}
	// The leases are released once every owner's write has returned, not as soon as a
	// quorum has: an owner released early would refuse its copy and wait for
	// anti-entropy.
	writing = true
	leased := *rec
	err = writeQuorum(ctx, s.cfg.RPCTimeout, s.owners(pl, p), pl.quorum, func(ctx context.Context, rep Replica) error {
		return rep.PutRecordLeased(ctx, pl.version(), p, token, leased)
	}, release)
	if err != nil && !hasOnly(err, ErrLeaseLost, ErrStoredUnleased) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%w: the key's lease was lost before the write (%v)", ErrConditionalConflict, err)
	}
	return nil
}

// leaseCurrent takes the lease on bucket/key from a read quorum of every layout
// version in flight and returns the key's current record as getCurrent does, merged
// from the granting owners' answers (leaseInOrder).
func (s *Store) leaseCurrent(ctx context.Context, pl placement, rs readSet, p int, bucket, key, token string) (index.Record, bool, error) {
	return s.currentFrom(ctx, rs, p, bucket, key, s.leaseInOrder, func(ctx context.Context, rep Replica) ([]index.Record, error) {
		return rep.LeaseCurrent(ctx, pl.version(), p, bucket, key, token, s.leaseTTL())
	})
}

// leaseInOrder asks the owners of rs for the lease (fn) one at a time, in the order of
// their node ids, the same order on every coordinator, until every layout version has
// a quorum of grants, and returns the granting owners' answers. An owner that another
// conditional write holds is asked again, with jittered backoff, while the leases
// already granted are kept: since every writer takes the owners in the same order, the
// one holding the first owner they contend for goes on and the others wait for it, so
// racing writers neither deadlock nor keep knocking each other out (as they would if
// each took what it could at once and gave all back on a conflict). An owner that
// fails otherwise counts as failed, as in a read. Waiting longer than leaseWait is
// ErrConditionalConflict.
func (s *Store) leaseInOrder(ctx context.Context, timeout time.Duration, rs readSet,
	fn func(context.Context, Replica) ([]index.Record, error)) ([]reply[[]index.Record], error) {
	order := make([]int, len(rs.nodes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(string(rs.nodes[a].id), string(rs.nodes[b].id)) })
	deadline := time.Now().Add(s.leaseWait())
	t := newTally(&rs)
	var answers []reply[[]index.Record]
	var errs []error
	for _, i := range order {
		o := rs.nodes[i]
		err := o.err
		var recs []index.Record
		backoff := 2 * time.Millisecond
		for err == nil {
			recs, err = bounded(ctx, timeout, func(ctx context.Context) ([]index.Record, error) { return fn(ctx, o.rep) })
			if !errors.Is(err, ErrLeaseHeld) {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%w: another conditional write of the key is in progress", ErrConditionalConflict)
			}
			select {
			case <-time.After(backoff/2 + rand.N(backoff)):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			backoff = min(2*backoff, 100*time.Millisecond)
			err = nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", o.id, err))
		} else {
			answers = append(answers, reply[[]index.Record]{i, recs})
		}
		satisfied, lost := t.add(i, err == nil)
		if lost {
			return nil, quorumErr(ctx, t.okCount(), t.needCount(), errs)
		}
		if satisfied {
			return answers, nil
		}
	}
	return nil, quorumErr(ctx, t.okCount(), t.needCount(), errs)
}

// releaseLeases gives back token's lease on bucket/key on every node of rs, in the
// background (Close waits for it): an owner that misses it lets the lease expire.
func (s *Store) releaseLeases(ctx context.Context, rs readSet, p int, bucket, key, token string) {
	if s.enter() != nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for _, o := range rs.nodes {
		if o.err != nil {
			continue
		}
		wg.Go(func() {
			_, _ = bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, o.rep.ReleaseLease(ctx, p, bucket, key, token)
			})
		})
	}
	go func() {
		wg.Wait()
		s.leave()
	}()
}

// hasOnly reports whether every owner error err (a *QuorumError) joins is one of
// targets.
func hasOnly(err error, targets ...error) bool {
	var qe *QuorumError
	if !errors.As(err, &qe) {
		return false
	}
	errs := []error{qe.Err}
	if j, ok := qe.Err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if !slices.ContainsFunc(targets, func(t error) bool { return errors.Is(e, t) }) {
			return false
		}
	}
	return true
}

// newLeaseToken returns a random token naming one conditional write.
func newLeaseToken() string {
	var b [16]byte
	_, _ = cryptorand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// leases is an owner's table of the leases it granted, by partition, bucket and key.
type leases struct {
	mu sync.Mutex
	m  map[string]lease
}

// lease is one granted lease.
type lease struct {
	token   string
	expires time.Time
}

// maxLeaseTTL bounds the lease a remote coordinator may ask for.
const maxLeaseTTL = 10 * time.Minute

// maxLeases bounds the table: expired leases are swept when it grows past this.
const maxLeases = 4096

func leaseKey(p int, bucket, key string) string {
	return fmt.Sprintf("%d\x00%s\x00%s", p, bucket, key)
}

// grant gives the lease on k to token for ttl, and runs fn while holding the table,
// unless another token holds a live lease (ErrLeaseHeld). Renewing one's own lease is
// allowed. If fn fails the lease is not granted.
func (l *leases) grant(k, token string, ttl time.Duration, fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if cur, ok := l.m[k]; ok && cur.token != token && now.Before(cur.expires) {
		return ErrLeaseHeld
	}
	if err := fn(); err != nil {
		return err
	}
	if l.m == nil {
		l.m = map[string]lease{}
	}
	if len(l.m) >= maxLeases {
		for k2, v := range l.m {
			if !now.Before(v.expires) {
				delete(l.m, k2)
			}
		}
	}
	l.m[k] = lease{token: token, expires: now.Add(ttl)}
	return nil
}

// under runs fn while token holds a live lease on k, else returns ErrLeaseLost; with
// uncounted, it also runs fn while no one holds a live lease on k and then returns
// ErrStoredUnleased (fn's error if it fails).
func (l *leases) under(k, token string, uncounted bool, fn func() error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, ok := l.m[k]
	live := ok && time.Now().Before(cur.expires)
	switch {
	case live && cur.token == token:
		return fn()
	case !live && uncounted:
		if err := fn(); err != nil {
			return err
		}
		return ErrStoredUnleased
	}
	return ErrLeaseLost
}

// release ends token's lease on k, if it holds it.
func (l *leases) release(k, token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur, ok := l.m[k]; ok && cur.token == token {
		delete(l.m, k)
	}
}
