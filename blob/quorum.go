package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
)

// quorumErr explains why fewer than need owners succeeded. Every owner's error stays
// reachable with errors.Is, so a caller can tell "the upload is gone" from "owners
// are down".
func quorumErr(ctx context.Context, ok, need int, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return &QuorumError{Reached: ok, Needed: need, Err: errors.Join(errs...)}
}

// bounded runs fn with ctx bounded by timeout: one call to one owner.
func bounded[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return fn(ctx)
}

// writeQuorum runs fn on every owner concurrently, each call bounded by timeout, and
// returns nil as soon as need of them succeeded, or an error once that can no longer
// happen. Owners still running carry on in the background; done, if not nil, runs once
// every call has returned (for buffers the calls share).
func writeQuorum(ctx context.Context, timeout time.Duration, owners []owner, need int, fn func(context.Context, Replica) error, done func()) error {
	call := func(rep Replica) error {
		_, err := bounded(ctx, timeout, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx, rep) })
		return err
	}
	if len(owners) == 1 && owners[0].err == nil { // the single-node case, without goroutines
		err := call(owners[0].rep)
		if done != nil {
			done()
		}
		if err != nil {
			return quorumErr(ctx, 0, need, []error{err})
		}
		return nil
	}
	// The calls outlive the request: once need owners answered, the handler returns and
	// net/http cancels ctx, which would cut off the remaining owners' copies (they would
	// wait for anti-entropy). Each call is still bounded by timeout.
	detached := context.WithoutCancel(ctx)
	results := make(chan error, len(owners))
	var wg sync.WaitGroup
	for _, o := range owners {
		if o.err != nil {
			results <- o.err
			continue
		}
		wg.Go(func() {
			_, err := bounded(detached, timeout, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx, o.rep) })
			if err != nil {
				err = fmt.Errorf("node %s: %w", o.id, err)
			}
			results <- err
		})
	}
	if done != nil {
		go func() {
			wg.Wait()
			done()
		}()
	}
	var errs []error
	ok := 0
	for range owners {
		var err error
		select {
		case err = <-results:
		case <-ctx.Done(): // the client gave up: stop waiting; the calls finish on their own
			return quorumErr(ctx, ok, need, errs)
		}
		if err == nil {
			ok++
			if ok >= need {
				return nil
			}
			continue
		}
		errs = append(errs, err)
		if len(errs) > len(owners)-need {
			return quorumErr(ctx, ok, need, errs)
		}
	}
	return quorumErr(ctx, ok, need, errs)
}

// reply is one owner's successful answer to a read: rs.nodes[node] gave val.
type reply[T any] struct {
	node int
	val  T
}

// readQuorum runs fn on every node of rs concurrently, each call bounded by timeout,
// and returns the successful answers as soon as every layout version in flight has a
// read quorum of its owners among them, or ErrNoQuorum as soon as one version cannot.
func readQuorum[T any](ctx context.Context, timeout time.Duration, rs readSet, fn func(context.Context, Replica) (T, error)) ([]reply[T], error) {
	if len(rs.nodes) == 1 && rs.nodes[0].err == nil && len(rs.need) == 1 && rs.need[0] <= 1 {
		v, err := bounded(ctx, timeout, func(ctx context.Context) (T, error) { return fn(ctx, rs.nodes[0].rep) })
		if err != nil {
			return nil, quorumErr(ctx, 0, 1, []error{err})
		}
		return []reply[T]{{0, v}}, nil
	}
	type answer struct {
		node int
		val  T
		err  error
	}
	results := make(chan answer, len(rs.nodes))
	for i, o := range rs.nodes {
		if o.err != nil {
			results <- answer{node: i, err: o.err}
			continue
		}
		go func() {
			v, err := bounded(ctx, timeout, func(ctx context.Context) (T, error) { return fn(ctx, o.rep) })
			if err != nil {
				err = fmt.Errorf("node %s: %w", o.id, err)
			}
			results <- answer{i, v, err}
		}()
	}
	t := newTally(&rs)
	var vals []reply[T]
	var errs []error
	for range rs.nodes {
		a := <-results
		if a.err != nil {
			errs = append(errs, a.err)
		} else {
			vals = append(vals, reply[T]{a.node, a.val})
		}
		satisfied, lost := t.add(a.node, a.err == nil)
		if lost {
			return nil, quorumErr(ctx, t.okCount(), t.needCount(), errs)
		}
		if satisfied {
			return vals, nil
		}
	}
	return nil, quorumErr(ctx, t.okCount(), t.needCount(), errs)
}

// listQuorum asks, for every partition in ps, a read quorum of its owners in every
// layout version in flight, asking each node once for all of its partitions in ps. It
// returns, aligned with ps, the answers of the owners that answered, as soon as every
// partition has its quorums; ErrNoQuorum as soon as one partition cannot.
func listQuorum[B any](ctx context.Context, s *Store, pl placement, ps []int,
	call func(ctx context.Context, rep Replica, ps []int) ([]B, error)) ([][]B, error) {
	type member struct {
		i    int // index into ps
		node int // index into the partition's readSet nodes
	}
	type ask struct {
		id      layout.NodeID
		rep     Replica
		err     error
		members []member
	}
	var asks []*ask
	byNode := map[layout.NodeID]*ask{}
	tallies := make([]*tally, len(ps))
	for i, p := range ps {
		rs := s.readSet(pl, p)
		tallies[i] = newTally(&rs)
		for j, o := range rs.nodes {
			a := byNode[o.id]
			if a == nil {
				a = &ask{id: o.id, rep: o.rep, err: o.err}
				byNode[o.id] = a
				asks = append(asks, a)
			}
			a.members = append(a.members, member{i, j})
		}
	}
	type response struct {
		a   *ask
		out []B
		err error
	}
	results := make(chan response, len(asks))
	for _, a := range asks {
		if a.err != nil {
			results <- response{a: a, err: a.err}
			continue
		}
		go func() {
			parts := make([]int, len(a.members))
			for j, m := range a.members {
				parts[j] = ps[m.i]
			}
			out, err := bounded(ctx, s.cfg.RPCTimeout, func(ctx context.Context) ([]B, error) { return call(ctx, a.rep, parts) })
			if err == nil && len(out) != len(parts) {
				err = fmt.Errorf("blob: node %s answered %d partitions of %d", a.id, len(out), len(parts))
			}
			results <- response{a, out, err}
		}()
	}
	answers := make([][]B, len(ps))
	satisfied := 0
	var errs []error
	for range asks {
		r := <-results
		if r.err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", r.a.id, r.err))
		}
		for j, m := range r.a.members {
			if r.err == nil {
				answers[m.i] = append(answers[m.i], r.out[j])
			}
			t := tallies[m.i]
			wasDone := t.satisfied()
			done, lost := t.add(m.node, r.err == nil)
			if lost {
				return nil, quorumErr(ctx, t.okCount(), t.needCount(), errs)
			}
			if done && !wasDone {
				satisfied++
			}
		}
		if satisfied == len(ps) {
			return answers, nil
		}
	}
	return nil, quorumErr(ctx, 0, pl.quorum, errs) // unreachable: every partition either got its quorums or failed
}

func hexHash(h [32]byte) string { return hex.EncodeToString(h[:]) }
