package membership

import (
	"sync"

	"github.com/hashicorp/memberlist"
)

// EventType says what happened to a member.
type EventType int

// The kinds of membership events.
const (
	// EventJoin: a member became alive (joined, or came back).
	EventJoin EventType = iota + 1
	// EventLeave: a member died or left (Member.State says which).
	EventLeave
	// EventUpdate: a member's metadata changed.
	EventUpdate
)

// String names the event type, for logs.
func (t EventType) String() string {
	switch t {
	case EventJoin:
		return "join"
	case EventLeave:
		return "leave"
	case EventUpdate:
		return "update"
	}
	return "unknown"
}

// Event is a change to one member.
type Event struct {
	Type   EventType
	Member Member
}

// Subscribe returns a channel that receives every membership event from now on, in
// order, this node's own join included. Events queue without bound while the
// receiver is busy, so none is lost; the channel is closed by Shutdown.
func (m *Membership) Subscribe() <-chan Event {
	s := &subscriber{out: make(chan Event), wake: make(chan struct{}, 1), done: make(chan struct{})}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shutdown {
		close(s.out)
		return s.out
	}
	m.subs = append(m.subs, s)
	go s.run()
	return s.out
}

// events serves memberlist's EventDelegate. memberlist calls it with its own locks
// held, so it only records and queues.
type events Membership

func (e *events) NotifyJoin(n *memberlist.Node)   { e.publish(EventJoin, n) }
func (e *events) NotifyLeave(n *memberlist.Node)  { e.publish(EventLeave, n) }
func (e *events) NotifyUpdate(n *memberlist.Node) { e.publish(EventUpdate, n) }

func (e *events) publish(t EventType, n *memberlist.Node) {
	mb := memberOf(n, StateAlive)
	if t == EventLeave {
		mb.State = StateDead
		if mb.Meta.Leaving {
			mb.State = StateLeft
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.members[mb.ID] = mb
	e.log.Debug("member event", "event", t, "member", mb.ID, "state", mb.State, "gossip_addr", mb.GossipAddr)
	for _, s := range e.subs {
		s.push(Event{Type: t, Member: mb})
	}
}

// subscriber is one Subscribe channel with its unbounded queue.
type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{} // capacity 1: "the queue may be non-empty"
	done   chan struct{}
	out    chan Event
	closed bool
}

func (s *subscriber) push(ev Event) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) run() {
	defer close(s.out)
	for {
		s.mu.Lock()
		var ev Event
		ok := len(s.queue) > 0
		if ok {
			ev = s.queue[0]
			s.queue = s.queue[1:]
		}
		s.mu.Unlock()
		if !ok {
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case s.out <- ev:
		case <-s.done:
			return
		}
	}
}

func (s *subscriber) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
}
