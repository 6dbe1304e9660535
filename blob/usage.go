package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"github.com/cairnstore/cairn/cluster/transport"
)

// Usage is this node's storage: what the object layer keeps here (Counts, at most a
// minute old) and the file system that holds it, measured now. Cairn's own bytes are
// Counts.BlockBytes + Counts.IndexBytes; DiskUsedBytes is the whole file system's,
// Cairn's and anything else's.
type Usage struct {
	Counts
	// DiskTotalBytes, DiskFreeBytes and DiskUsedBytes describe the file system that
	// holds Config.Dir as df does: its size, the bytes free to an unprivileged user,
	// the bytes in use. All 0 where the platform cannot tell (DiskKnown false).
	DiskTotalBytes, DiskFreeBytes, DiskUsedBytes uint64
	DiskKnown                                    bool
}

// DataBytes is Cairn's own: the block files and the version index on this node.
func (c Counts) DataBytes() int64 { return c.BlockBytes + c.IndexBytes }

// Usage returns this node's storage figures.
func (s *Store) Usage(ctx context.Context) (Usage, error) {
	c, err := s.Counts(ctx)
	if err != nil {
		return Usage{}, err
	}
	u := Usage{Counts: c}
	if total, free, used, err := statDisk(s.cfg.Dir); err == nil {
		u.DiskTotalBytes, u.DiskFreeBytes, u.DiskUsedBytes, u.DiskKnown = total, free, used, true
	} else {
		s.log.Debug("cannot read the file system's usage", "dir", s.cfg.Dir, "error", err)
	}
	return u, nil
}

// fileBytes returns the total size of the files under root (0 if it does not
// exist); files that vanish during the walk are skipped.
func fileBytes(root string) (int64, error) {
	var n int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		n += info.Size()
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	return n, err
}

// Report is what a node's object layer tells the others about itself, for the
// admin API on any node: its storage and its anti-entropy work.
type Report struct {
	Usage Usage
	Sync  SyncStatus
}

// Report returns this node's Report.
func (s *Store) Report(ctx context.Context) (Report, error) {
	u, err := s.Usage(ctx)
	if err != nil {
		return Report{}, err
	}
	return Report{Usage: u, Sync: s.SyncStatus()}, nil
}

// reportPath is the node-to-node endpoint that answers a node's Report, as JSON.
const reportPath = RPCPrefix + "report"

// RemoteReport asks the node at addr for its Report over client.
func RemoteReport(ctx context.Context, client *transport.Client, addr string) (Report, error) {
	var r Report
	if err := client.CallJSON(ctx, addr, reportPath, struct{}{}, &r); err != nil {
		return Report{}, fmt.Errorf("blob: node at %s: %w", addr, err)
	}
	return r, nil
}

// serveReport answers reportPath.
func (s *Store) serveReport(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<10))
	rep, err := s.Report(r.Context())
	if err != nil {
		status, code := rpcStatus(err)
		transport.WriteError(w, status, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(rep)
}
