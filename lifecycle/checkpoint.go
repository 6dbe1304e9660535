package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// position is where a partition's walk resumes: in Bucket (buckets go in name
// order), after the key After among its versions, or, with Uploads, after the upload
// (After, UploadID) among its uploads. Done: the partition is finished for this run.
type position struct {
	Bucket   string `json:"bucket,omitempty"`
	Uploads  bool   `json:"uploads,omitempty"`
	After    string `json:"after,omitempty"`
	UploadID string `json:"uploadId,omitempty"`
	Done     bool   `json:"done,omitempty"`
}

// checkpointFile is the JSON form of the checkpoint: the run in progress (or the
// last one, Finished) and each partition's position in it.
type checkpointFile struct {
	RunStart time.Time        `json:"runStart"`
	Finished bool             `json:"finished"`
	Parts    map[int]position `json:"partitions"`
}

// checkpoints keeps the per-partition positions of the run in progress in
// Dir/lifecycle.json, so that a restart resumes the run where it stopped. Losing the
// file is harmless: a run starts again from the beginning, and every action is
// confirmed against a quorum first, so nothing is done twice.
type checkpoints struct {
	path string
	mu   sync.Mutex
	f    checkpointFile
}

func loadCheckpoints(dir string) (*checkpoints, error) {
	c := &checkpoints{f: checkpointFile{Parts: map[int]position{}}}
	if dir == "" {
		return c, nil
	}
	c.path = filepath.Join(dir, "lifecycle.json")
	b, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lifecycle: checkpoint: %w", err)
	}
	if err := json.Unmarshal(b, &c.f); err != nil {
		// A damaged checkpoint costs only a fresh run.
		c.f = checkpointFile{}
	}
	if c.f.Parts == nil {
		c.f.Parts = map[int]position{}
	}
	return c, nil
}

// nextRun returns how long to wait before the next run: none for a run to resume or
// when there never was one; else until interval after the last run started.
func (c *checkpoints) nextRun(interval time.Duration, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f.RunStart.IsZero() || !c.f.Finished {
		return 0
	}
	return max(0, c.f.RunStart.Add(interval).Sub(now))
}

// begin resumes the unfinished run, or starts a new one at now.
func (c *checkpoints) begin(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f.RunStart.IsZero() || c.f.Finished {
		c.f = checkpointFile{RunStart: now, Parts: map[int]position{}}
	}
}

func (c *checkpoints) position(p int) (position, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pos := c.f.Parts[p]
	return pos, pos.Done
}

// set records a partition's position and saves the checkpoint.
func (c *checkpoints) set(p int, pos position) {
	c.mu.Lock()
	c.f.Parts[p] = pos
	c.mu.Unlock()
	_ = c.save() // a checkpoint not saved costs only a rescan
}

// done records that a partition is finished; the next set or the end of the run
// saves it.
func (c *checkpoints) done(p int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f.Parts[p] = position{Done: true}
}

func (c *checkpoints) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.f.Finished = true
	c.f.Parts = map[int]position{}
}

// save writes the checkpoint: to a temporary file, then renamed over the old one.
func (c *checkpoints) save() error {
	if c.path == "" {
		return nil
	}
	c.mu.Lock()
	b, err := json.Marshal(c.f)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("lifecycle: checkpoint: %w", err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		return fmt.Errorf("lifecycle: checkpoint: %w", err)
	}
	return nil
}
