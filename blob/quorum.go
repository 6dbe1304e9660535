package blob

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/cairnstore/cairn/cluster/layout"
)

// owner is one owner of a partition, resolved to its replica (nil if unreachable,
// with err saying why).
type owner struct {
	id  layout.NodeID
	rep Replica
	err error
}

// placement is the layout one operation works with, read once per operation.
type placement struct {
	l      *layout.Layout
	quorum int
}

// placement returns the current layout.
func (s *Store) placement() placement {
	l := s.cfg.Layout()
	return placement{l: l, quorum: l.Quorum()}
}

// owners returns the owners of partition p, the local node first if it is one (its
// reads are cheapest), then in the layout's order of preference.
func (s *Store) owners(pl placement, p int) []owner {
	ids := pl.l.Owners(p)
	out := make([]owner, 0, len(ids))
	for _, id := range ids {
		if string(id) == s.cfg.NodeID {
			out = append([]owner{{id: id, rep: s.local}}, out...)
			continue
		}
		o := owner{id: id}
		if s.cfg.Replicas == nil {
			o.err = fmt.Errorf("blob: no replica for node %s", id)
		} else {
			o.rep, o.err = s.cfg.Replicas(id)
		}
		out = append(out, o)
	}
	return out
}

// quorumErr explains why fewer than need owners succeeded. Every owner's error stays
// reachable with errors.Is, so a caller can tell "the upload is gone" from "owners
// are down".
func quorumErr(ctx context.Context, ok, need int, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%w (%d of %d needed): %w", ErrNoQuorum, ok, need, errors.Join(errs...))
}

// writeQuorum runs fn on every owner concurrently and returns nil as soon as need of
// them succeeded, or an error once that can no longer happen. Owners still running
// carry on in the background; done, if not nil, runs once every call has returned
// (for buffers the calls share).
func writeQuorum(ctx context.Context, owners []owner, need int, fn func(context.Context, Replica) error, done func()) error {
	if len(owners) == 1 && owners[0].err == nil { // the single-node case, without goroutines
		err := fn(ctx, owners[0].rep)
		if done != nil {
			done()
		}
		if err != nil {
			return quorumErr(ctx, 0, need, []error{err})
		}
		return nil
	}
	results := make(chan error, len(owners))
	var wg sync.WaitGroup
	for _, o := range owners {
		if o.err != nil {
			results <- o.err
			continue
		}
		wg.Go(func() { results <- fn(ctx, o.rep) })
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
		err := <-results
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

// answer is one owner's answer to a read.
type answer[T any] struct {
	val T
	err error
}

// readQuorum runs fn on every owner concurrently and returns the first need
// successful answers, or an error once fewer than need can succeed.
func readQuorum[T any](ctx context.Context, owners []owner, need int, fn func(context.Context, Replica) (T, error)) ([]T, error) {
	if len(owners) == 1 && owners[0].err == nil && need <= 1 {
		v, err := fn(ctx, owners[0].rep)
		if err != nil {
			return nil, quorumErr(ctx, 0, need, []error{err})
		}
		return []T{v}, nil
	}
	results := make(chan answer[T], len(owners))
	for _, o := range owners {
		if o.err != nil {
			results <- answer[T]{err: o.err}
			continue
		}
		go func() {
			v, err := fn(ctx, o.rep)
			results <- answer[T]{v, err}
		}()
	}
	var vals []T
	var errs []error
	for range owners {
		a := <-results
		if a.err != nil {
			errs = append(errs, a.err)
			if len(errs) > len(owners)-need {
				return nil, quorumErr(ctx, len(vals), need, errs)
			}
			continue
		}
		vals = append(vals, a.val)
		if len(vals) >= need {
			return vals, nil
		}
	}
	return nil, quorumErr(ctx, len(vals), need, errs)
}

// listQuorum asks, for every partition in ps, a read quorum of its owners, asking each
// owner node once for all of its partitions in ps. It returns, aligned with ps, the
// answers of the owners that answered, at least need of them per partition, as soon
// as every partition has them; ErrNoQuorum as soon as one partition cannot.
func listQuorum[B any](ctx context.Context, s *Store, pl placement, ps []int,
	call func(ctx context.Context, rep Replica, ps []int) ([]B, error)) ([][]B, error) {
	type ask struct {
		id  layout.NodeID
		rep Replica
		err error
		idx []int // indexes into ps of the partitions this node owns
	}
	var asks []*ask
	byNode := map[layout.NodeID]*ask{}
	owners := make([]int, len(ps))
	for i, p := range ps {
		os := s.owners(pl, p)
		owners[i] = len(os)
		for _, o := range os {
			a := byNode[o.id]
			if a == nil {
				a = &ask{id: o.id, rep: o.rep, err: o.err}
				byNode[o.id] = a
				asks = append(asks, a)
			}
			a.idx = append(a.idx, i)
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
			parts := make([]int, len(a.idx))
			for j, i := range a.idx {
				parts[j] = ps[i]
			}
			out, err := call(ctx, a.rep, parts)
			if err == nil && len(out) != len(parts) {
				err = fmt.Errorf("blob: node %s answered %d partitions of %d", a.id, len(out), len(parts))
			}
			results <- response{a, out, err}
		}()
	}
	need := pl.quorum
	answers := make([][]B, len(ps))
	failed := make([]int, len(ps))
	satisfied := 0
	var errs []error
	for range asks {
		r := <-results
		if r.err != nil {
			errs = append(errs, fmt.Errorf("node %s: %w", r.a.id, r.err))
		}
		for j, i := range r.a.idx {
			if r.err != nil {
				if failed[i]++; failed[i] > owners[i]-need {
					return nil, quorumErr(ctx, len(answers[i]), need, errs)
				}
				continue
			}
			if answers[i] = append(answers[i], r.out[j]); len(answers[i]) == need {
				satisfied++
			}
		}
		if satisfied == len(ps) {
			return answers, nil
		}
	}
	return nil, quorumErr(ctx, 0, need, errs) // unreachable: every partition either got its quorum or failed
}

func hexHash(h [32]byte) string { return hex.EncodeToString(h[:]) }
