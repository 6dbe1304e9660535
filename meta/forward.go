package meta

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// Forwarder carries a follower's requests to the leader. The cluster package
// implements it with a node-to-node RPC whose server side calls the leader's
// ApplyForwarded and ReadIndex, and carries errors with ErrorCode and CodeError so
// that errors.Is still finds meta's sentinels.
type Forwarder interface {
	// Forward has leader apply entry (an encoded command) with ApplyForwarded and
	// returns the Raft index it was committed at (0 if the leader did not say) and
	// its result. It returns an error wrapping ErrNotLeader only when the entry was
	// surely not proposed (the remote is not the leader), so the caller may send it
	// elsewhere.
	Forward(ctx context.Context, leader Leader, entry []byte) (uint64, error)
	// ReadIndex returns the result of leader's ReadIndex.
	ReadIndex(ctx context.Context, leader Leader) (uint64, error)
}

// Leader identifies the Raft leader that a Forwarder must reach.
type Leader struct {
	ID       string // its NodeID
	RaftAddr string // its Raft transport address
}

// errNoLeader makes route wait for a leader.
var errNoLeader = errors.New("meta: no leader known")

// route is the one way to the leader: it runs local when this node is the leader,
// remote when another node is, and waits for a change of leader (or a heartbeat)
// when there is none or the call reports ErrNotLeader (leadership moved, or the
// leader could not be reached), until ctx ends.
func (m *Meta) route(ctx context.Context, local func(context.Context) error, remote func(context.Context, Leader) error) error {
	for {
		changed := m.leaderEvents.wait() // before the state is read: no change is missed
		var err error
		addr, id := m.raft.LeaderWithID()
		switch state := m.raft.State(); {
		case state == raft.Shutdown:
			return ErrClosed
		case state == raft.Leader:
			err = local(ctx)
		case addr != "":
			err = remote(ctx, Leader{ID: string(id), RaftAddr: string(addr)})
		default:
			err = errNoLeader
		}
		if err == nil {
			return nil
		}
		if err != errNoLeader && !errors.Is(err, ErrNotLeader) {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return notReady(ctx, "the leader did not answer")
			}
			return err
		}
		// A leader that could not be reached (ErrNotLeader from the Forwarder) may
		// still be the leader: try again after a heartbeat even if nothing changes.
		switch err := m.awaitLeaderChange(ctx, changed); {
		case err == ErrClosed:
			return err
		case err != nil:
			return notReady(ctx, "no leader")
		}
	}
}

// awaitLeaderChange returns once changed (from leaderEvents.wait) fires or a
// heartbeat has passed (nil), or with ErrClosed when the Meta closes, or ctx's error.
func (m *Meta) awaitLeaderChange(ctx context.Context, changed <-chan struct{}) error {
	retry := time.NewTimer(m.cfg.HeartbeatTimeout)
	defer retry.Stop()
	select {
	case <-changed:
		return nil
	case <-retry.C:
		return nil
	case <-m.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// notReady is the error of a request whose context ended before the leader answered.
func notReady(ctx context.Context, what string) error {
	return fmt.Errorf("%w: %s: %w", ErrNotReady, what, context.Cause(ctx))
}

// noForwarder is the error of a follower without a Forwarder.
func noForwarder(l Leader) error {
	return fmt.Errorf("%w: this node follows %s (%s) and has no Forwarder", ErrNotReady, l.ID, l.RaftAddr)
}

// withTimeout bounds ctx by Config.RequestTimeout if it has no deadline.
func (m *Meta) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, m.cfg.RequestTimeout)
}

// apply is the one write entry point: it encodes c and has the leader apply it,
// through Raft here or through the Forwarder, and returns the command's error if the
// FSM rejected it. It returns once this node's own FSM has applied it too (the
// leader's index of the entry, or else its read index): a write made through a node
// is visible in that node's reads as soon as the write returns.
func (m *Meta) apply(ctx context.Context, c command) error {
	_, err := m.applyAt(ctx, c)
	return err
}

// applyAt is apply that also returns an index this node has applied that covers the
// command (its entry's index, or the read index when an older leader did not say).
func (m *Meta) applyAt(ctx context.Context, c command) (uint64, error) {
	entry, err := encodeCommand(c)
	if err != nil {
		return 0, err
	}
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	var index uint64 // of the entry, once the leader applied it
	forwarded := false
	err = m.route(ctx,
		func(ctx context.Context) error {
			i, err := m.applyLocal(ctx, entry)
			index = i
			return err
		},
		func(ctx context.Context, l Leader) error {
			if m.cfg.Forwarder == nil {
				return noForwarder(l)
			}
			i, err := m.cfg.Forwarder.Forward(ctx, l, entry)
			index, forwarded = i, err == nil
			return err
		})
	if err != nil || !forwarded {
		return index, err
	}
	// The wait is outside route: whatever it meets, the entry must not be sent again.
	if index == 0 { // a leader of an older version does not say
		err = m.catchUp(ctx)
		index = m.fsm.index()
	} else {
		err = m.waitApplied(ctx, index)
	}
	if err != nil {
		return 0, fmt.Errorf("the leader applied the write, but this node has not caught up with it: %w", err)
	}
	return index, nil
}

// applyIdempotent is apply for a command that leaves the state as it is when applied
// again (a node status already set, a sync ack already recorded). Such a command is
// proposed again when its outcome is unknown (ErrNotReady: leadership was lost while
// it was in flight, or the leader did not answer), after a change of leader or a
// heartbeat, until ctx (bounded by Config.RequestTimeout) ends: an election under the
// caller's feet costs a retry, not the call.
func (m *Meta) applyIdempotent(ctx context.Context, c command) error {
	_, err := m.applyIdempotentAt(ctx, c)
	return err
}

// applyIdempotentAt is applyIdempotent that also returns the index applyAt does.
func (m *Meta) applyIdempotentAt(ctx context.Context, c command) (uint64, error) {
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	for {
		changed := m.leaderEvents.wait()
		index, err := m.applyAt(ctx, c)
		if !errors.Is(err, ErrNotReady) || ctx.Err() != nil {
			return index, err
		}
		m.log.Debug("a write's outcome is unknown; proposing it again", "error", err)
		switch werr := m.awaitLeaderChange(ctx, changed); {
		case werr == ErrClosed:
			return 0, werr
		case werr != nil:
			return 0, err
		}
	}
}

// ApplyForwarded applies an entry that a follower forwarded (the server side of
// Forwarder.Forward). It returns an error wrapping ErrNotLeader if this node is not
// the leader, ErrInvalid if the entry is not a command this version can apply, and
// otherwise the Raft index the entry was committed at and the command's result (a
// rejected command has an index too).
func (m *Meta) ApplyForwarded(ctx context.Context, entry []byte) (uint64, error) {
	if err := m.fsm.check(entry); err != nil {
		return 0, err // proposing it would stop the FSM on every node
	}
	if m.raft.State() != raft.Leader {
		return 0, ErrNotLeader
	}
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	return m.applyLocal(ctx, entry)
}

// applyLocal proposes entry to the local Raft, which must be the leader, waits for
// the FSM to apply it or for ctx, and returns its index and the command's result.
func (m *Meta) applyLocal(ctx context.Context, entry []byte) (uint64, error) {
	var enqueue time.Duration // how long raft may wait to accept it
	if deadline, ok := ctx.Deadline(); ok {
		enqueue = max(time.Until(deadline), time.Millisecond)
	}
	f := m.raft.Apply(entry, enqueue)
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		if err != nil {
			return 0, applyError(err)
		}
	case <-ctx.Done():
		return 0, notReady(ctx, "write not confirmed, it may or may not be applied")
	}
	if err, ok := f.Response().(error); ok {
		return f.Index(), err
	}
	return f.Index(), nil
}

// applyError translates raft's error for a proposed entry. Only the errors that mean
// the entry was never appended become ErrNotLeader (retried by route): a command
// whose outcome is unknown must not be proposed twice.
func applyError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", ErrNotLeader, err)
	case errors.Is(err, raft.ErrLeadershipLost):
		return fmt.Errorf("%w: leadership was lost while the write was in flight; it may or may not be applied", ErrNotReady)
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	}
	return fmt.Errorf("meta: raft apply: %w", err)
}

// ReadIndex returns an index that covers every write this leader or any earlier one
// acknowledged: once a node's FSM has applied it, a local read misses nothing
// acknowledged before the call. It is the server side of Forwarder.ReadIndex, and
// returns an error wrapping ErrNotLeader on a follower. It costs a Raft barrier, shared
// by concurrent callers.
func (m *Meta) ReadIndex(ctx context.Context) (uint64, error) {
	if m.raft.State() != raft.Leader {
		return 0, ErrNotLeader
	}
	if err := m.barrier.do(ctx); err != nil {
		return 0, err
	}
	// The barrier's entry commits only after everything before it, and its future
	// returns only after the FSM has applied them all.
	return m.fsm.index(), nil
}

// runBarrier is the coalesced barrier.
func (m *Meta) runBarrier() error {
	err := m.raft.Barrier(m.cfg.RequestTimeout).Error()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", ErrNotLeader, err) // a barrier is safe to retry
	}
	return fmt.Errorf("meta: raft barrier: %w", err)
}

// catchUp returns once the local FSM has applied every write acknowledged before the
// call: on the leader by a barrier, on a follower by waiting for the leader's read
// index.
func (m *Meta) catchUp(ctx context.Context) error {
	return m.route(ctx,
		func(ctx context.Context) error {
			_, err := m.ReadIndex(ctx)
			return err
		},
		func(ctx context.Context, l Leader) error {
			if m.cfg.Forwarder == nil {
				return noForwarder(l)
			}
			index, err := m.cfg.Forwarder.ReadIndex(ctx, l)
			if err != nil {
				return err
			}
			return m.waitApplied(ctx, index)
		})
}

// waitApplied waits until the FSM has applied the command at index.
func (m *Meta) waitApplied(ctx context.Context, index uint64) error {
	for {
		changed := m.fsm.changes.wait()
		if m.fsm.index() >= index {
			return nil
		}
		select {
		case <-changed:
		case <-m.done:
			return ErrClosed
		case <-ctx.Done():
			return notReady(ctx, fmt.Sprintf("waiting to apply index %d", index))
		}
	}
}

// confirmed reads with get, and on a miss confirms it: it catches up with the
// leader's committed state and reads again. So a bucket or key created through any
// node is found through every other at once. Only misses pay.
func confirmed[T any](ctx context.Context, m *Meta, get func() (T, bool)) (T, bool, error) {
	if v, ok := get(); ok {
		return v, true, nil
	}
	ctx, cancel := m.withTimeout(ctx)
	defer cancel()
	if err := m.catchUp(ctx); err != nil {
		var zero T
		return zero, false, err
	}
	v, ok := get()
	return v, ok, nil
}
