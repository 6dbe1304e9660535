package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/cairnstore/cairn/blob"
)

// Maintenance is this node's garbage collector and integrity scanner; *blob.Store
// implements it. Optional: without it the maintenance endpoints answer NotImplemented.
type Maintenance interface {
	RunGC(ctx context.Context, dryRun bool) (blob.GCResult, error)
	LastGC() blob.GCResult
	GCTotals() blob.GCTotals
	RunScrub(ctx context.Context, dryRun bool) (blob.ScrubResult, error)
	LastScrub() blob.ScrubResult
	ScrubTotals() blob.ScrubResult
}

// GCStatus answers GET /maintenance/gc: this node's latest collection and its
// totals since it started.
type GCStatus struct {
	Node   string        `json:"node"`
	Last   blob.GCResult `json:"last"`
	Totals blob.GCTotals `json:"totals"`
}

// ScrubStatus answers GET /maintenance/scrub.
type ScrubStatus struct {
	Node   string           `json:"node"`
	Last   blob.ScrubResult `json:"last"`
	Totals blob.ScrubResult `json:"totals"`
}

// maintenance returns the Maintenance dependency or NotImplemented.
func (s *Server) maintenance() (Maintenance, error) {
	if s.deps.Maintenance == nil {
		return nil, newError(NotImplemented)
	}
	return s.deps.Maintenance, nil
}

// dryRun reads the dry-run query parameter: absent, "true" or "false".
func dryRun(cl *call) (bool, error) {
	v := cl.Request().URL.Query().Get("dry-run")
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, errorf(InvalidRequest, "dry-run must be true or false, not %q.", v)
	}
	return b, nil
}

// runGC runs one garbage collection on this node now and answers what it did; with
// ?dry-run=true it only reports what it would remove.
func (s *Server) runGC(cl *call) error {
	m, err := s.maintenance()
	if err != nil {
		return err
	}
	dry, err := dryRun(cl)
	if err != nil {
		return err
	}
	res, err := m.RunGC(cl.Request().Context(), dry)
	if err != nil && res.Start.IsZero() {
		return err
	}
	// A run that could not sweep (a node did not answer) is still a result.
	return cl.ok(http.StatusOK, res)
}

func (s *Server) getGC(cl *call) error {
	m, err := s.maintenance()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, GCStatus{Node: s.cfg.NodeID, Last: m.LastGC(), Totals: m.GCTotals()})
}

// runScrub runs one pass of the integrity scanner on this node now (at ScrubRate)
// and answers what it found; with ?dry-run=true it repairs nothing.
func (s *Server) runScrub(cl *call) error {
	m, err := s.maintenance()
	if err != nil {
		return err
	}
	dry, err := dryRun(cl)
	if err != nil {
		return err
	}
	res, err := m.RunScrub(cl.Request().Context(), dry)
	if err != nil && res.Start.IsZero() {
		return err
	}
	return cl.ok(http.StatusOK, res)
}

func (s *Server) getScrub(cl *call) error {
	m, err := s.maintenance()
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, ScrubStatus{Node: s.cfg.NodeID, Last: m.LastScrub(), Totals: m.ScrubTotals()})
}
