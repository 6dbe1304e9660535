package admin

import (
	"context"
	"net/http"

	"github.com/cairnstore/cairn/lifecycle"
)

// Lifecycle is this node's lifecycle engine; *lifecycle.Engine implements it.
// Optional: without it the lifecycle endpoints answer NotImplemented.
type Lifecycle interface {
	RunNow(ctx context.Context) (lifecycle.Result, error)
	Status() lifecycle.Status
}

// LifecycleStatus answers GET /maintenance/lifecycle: the run in progress, the last
// run and the totals since the node started, on this node (each node applies the
// rules of the partitions it leads).
type LifecycleStatus struct {
	Node string `json:"node"`
	lifecycle.Status
}

func (s *Server) lifecycle() (Lifecycle, error) {
	if s.deps.Lifecycle == nil {
		return nil, newError(NotImplemented)
	}
	return s.deps.Lifecycle, nil
}

// runLifecycle runs (or resumes) one lifecycle pass on this node now and answers
// what it did.
func (s *Server) runLifecycle(cl *call) error {
	l, err := s.lifecycle()
	if err != nil {
		return err
	}
	res, err := l.RunNow(cl.Request().Context())
	if err != nil && res.Start.IsZero() {
		return err
	}
	// A run that stopped early (an owner did not answer) is still a result; the
	// next one resumes from its checkpoint.
	return cl.ok(http.StatusOK, res)
}

func (s *Server) getLifecycle(cl *call) error {
	l, err := s.lifecycle()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, LifecycleStatus{Node: s.cfg.NodeID, Status: l.Status()})
}
