package lifecycle

import (
	"sync"
	"time"
)

// Result is what one run did on this node.
type Result struct {
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"durationNs"`
	// Partitions is how many partitions the run finished (those this node leads).
	Partitions int `json:"partitions"`
	// Scanned counts the versions read from the local index.
	Scanned int `json:"scanned"`
	// Expired counts current versions expired (a delete marker written, or the null
	// version removed in an unversioned bucket).
	Expired int `json:"expired"`
	// NoncurrentRemoved counts noncurrent versions removed for good.
	NoncurrentRemoved int `json:"noncurrentRemoved"`
	// DeleteMarkersRemoved counts delete markers removed (expired ones, and
	// noncurrent ones).
	DeleteMarkersRemoved int `json:"deleteMarkersRemoved"`
	// UploadsAborted counts incomplete multipart uploads aborted.
	UploadsAborted int `json:"uploadsAborted"`
	// BytesFreed is the logical size of the versions removed and the parts of the
	// uploads aborted. Their blocks return to the disks when the garbage collector
	// finds them unreferenced (identical blocks are stored once).
	BytesFreed int64 `json:"bytesFreed"`
	// Locked counts removals skipped because object lock holds the version.
	Locked int `json:"locked"`
	// Error is why the run stopped early ("" if it finished); the next run resumes
	// from the checkpoint.
	Error string `json:"error,omitempty"`
}

// add adds the actions of o to r.
func (r *Result) add(o Result) {
	r.Expired += o.Expired
	r.NoncurrentRemoved += o.NoncurrentRemoved
	r.DeleteMarkersRemoved += o.DeleteMarkersRemoved
	r.UploadsAborted += o.UploadsAborted
	r.BytesFreed += o.BytesFreed
	r.Locked += o.Locked
}

// Totals sums the runs since the node started.
type Totals struct {
	Runs                 int       `json:"runs"`
	Expired              int       `json:"expired"`
	NoncurrentRemoved    int       `json:"noncurrentRemoved"`
	DeleteMarkersRemoved int       `json:"deleteMarkersRemoved"`
	UploadsAborted       int       `json:"uploadsAborted"`
	BytesFreed           int64     `json:"bytesFreed"`
	Locked               int       `json:"locked"`
	Scanned              int       `json:"scanned"`
	LastRun              time.Time `json:"lastRun,omitzero"`
}

// Progress is the run in progress.
type Progress struct {
	Running        bool `json:"running"`
	PartitionsDone int  `json:"partitionsDone"`
	PartitionsLed  int  `json:"partitionsLed"`
	Scanned        int  `json:"scanned"`
}

// Status is the engine's state for the admin API.
type Status struct {
	Progress Progress `json:"progress"`
	Last     Result   `json:"last"`
	Totals   Totals   `json:"totals"`
}

type stats struct {
	mu sync.Mutex
	st Status
}

func (s *stats) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Progress = Progress{Running: true}
}

func (s *stats) progress(done, led int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Progress.PartitionsDone, s.st.Progress.PartitionsLed = done, led
}

func (s *stats) scanned(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Progress.Scanned = n
}

func (s *stats) end(r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Progress.Running = false
	s.st.Last = r
	t := &s.st.Totals
	t.Runs++
	t.Expired += r.Expired
	t.NoncurrentRemoved += r.NoncurrentRemoved
	t.DeleteMarkersRemoved += r.DeleteMarkersRemoved
	t.UploadsAborted += r.UploadsAborted
	t.BytesFreed += r.BytesFreed
	t.Locked += r.Locked
	t.Scanned += r.Scanned
	t.LastRun = r.Start
}

func (s *stats) status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}
