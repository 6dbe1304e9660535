// Package block stores content-addressed blocks as files: each block is named by the
// SHA-256 of its bytes and kept under blocks/ab/cd/<hex> (two levels of fan-out so no
// directory grows too large). It knows nothing of objects or the network.
//
// A block is written to a temp file under tmp/ on the same filesystem, fsynced, renamed
// into place and its directory fsynced, so a block file that exists is complete and
// durable. Every read checks the hash.
package block

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Store is a directory of block files. It is safe for concurrent use.
type Store struct {
	blocks  string // blocks/ab/cd/<hex>
	tmp     string // writes in progress
	corrupt string // quarantined copies that failed their hash check

	dirs sync.Map // fan-out directories known to exist and be durable

	// stripes serialise, per block, the exists-check of Put against DeleteIfOlder, so a
	// block Put finds (and refreshes) is never removed by a concurrent sweep.
	stripes [256]sync.Mutex
}

// Info describes one block file, as Walk reports it.
type Info struct {
	Hash    Hash
	Size    int64
	ModTime time.Time // last written, or last re-Put (Put refreshes it on a dedup hit)
}

// Stats counts the blocks in a store.
type Stats struct {
	Count int64 // number of block files
	Bytes int64 // their total size in bytes
}

// Open opens the block store rooted at dir, creating it if needed, and removes the
// temp files left by writes that a crash interrupted.
func Open(dir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Store{
		blocks:  filepath.Join(dir, "blocks"),
		tmp:     filepath.Join(dir, "tmp"),
		corrupt: filepath.Join(dir, "corrupt"),
	}
	for _, d := range []string{dir, s.blocks, s.tmp, s.corrupt} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("block: open: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("block: open: %w", err)
	}
	removed, err := s.cleanTemp()
	if err != nil {
		return nil, fmt.Errorf("block: open: %w", err)
	}
	if removed > 0 {
		logger.Info("removed temp files of interrupted block writes", "count", removed)
	}
	return s, nil
}

// cleanTemp removes everything under tmp/. It runs only in Open, before any write.
func (s *Store) cleanTemp() (int, error) {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(s.tmp, e.Name())); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// path returns the file name of a block.
func (s *Store) path(h Hash) string {
	name := hex.EncodeToString(h[:])
	return filepath.Join(s.blocks, name[0:2], name[2:4], name)
}

func (s *Store) stripe(h Hash) *sync.Mutex { return &s.stripes[h[31]] }

// Put stores data under hash, which must be Sum(data): the caller has already hashed
// it while streaming, and Get checks it on every read. If the block exists, Put only
// refreshes its modification time, so the garbage collector's grace period restarts
// for a block that a new write is about to reference. Put returns once the block is
// durable.
func (s *Store) Put(hash Hash, data []byte) error {
	final := s.path(hash)
	if done, err := s.touchIfExists(hash, final); done || err != nil {
		return err
	}
	if err := s.ensureDir(final); err != nil {
		return err
	}
	tmp, err := writeTemp(s.tmp, hex.EncodeToString(hash[:]), data)
	if err != nil {
		return err
	}
	mu := s.stripe(hash)
	mu.Lock()
	err = os.Rename(tmp, final)
	mu.Unlock()
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("block: put: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fmt.Errorf("block: put: %w", err)
	}
	return nil
}

// touchIfExists refreshes the modification time of an existing block and reports
// whether it exists.
func (s *Store) touchIfExists(hash Hash, final string) (bool, error) {
	mu := s.stripe(hash)
	mu.Lock()
	defer mu.Unlock()
	if _, err := os.Stat(final); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("block: put: %w", err)
	}
	now := time.Now()
	if err := os.Chtimes(final, now, now); err != nil {
		return false, fmt.Errorf("block: put: %w", err)
	}
	return true, nil
}

// writeTemp writes data to a new file in dir and fsyncs it.
func writeTemp(dir, name string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", fmt.Errorf("block: put: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("block: put: %w", err)
	}
	return f.Name(), nil
}

// ensureDir creates the two fan-out directories of a block file, fsyncing each
// parent whose entries changed, so the rename into place survives a crash.
func (s *Store) ensureDir(final string) error {
	leaf := filepath.Dir(final)
	if _, ok := s.dirs.Load(leaf); ok {
		return nil
	}
	mid := filepath.Dir(leaf)
	for _, d := range []string{mid, leaf} {
		err := os.Mkdir(d, 0o755)
		switch {
		case err == nil:
			if err := syncDir(filepath.Dir(d)); err != nil {
				return fmt.Errorf("block: put: %w", err)
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return fmt.Errorf("block: put: %w", err)
		}
	}
	s.dirs.Store(leaf, struct{}{})
	return nil
}

// Get returns a block's bytes after checking them against hash: ErrNotFound if the
// store does not hold it, ErrCorrupt if its bytes no longer match.
func (s *Store) Get(hash Hash) ([]byte, error) {
	data, err := os.ReadFile(s.path(hash))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("block: get: %w", err)
	}
	if Sum(data) != hash {
		return nil, fmt.Errorf("%w: %x", ErrCorrupt, hash)
	}
	return data, nil
}

// Has reports whether the store holds a block (without reading it).
func (s *Store) Has(hash Hash) (bool, error) {
	_, err := os.Stat(s.path(hash))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("block: has: %w", err)
}

// Delete removes a block. Deleting a missing block is not an error.
func (s *Store) Delete(hash Hash) error {
	mu := s.stripe(hash)
	mu.Lock()
	defer mu.Unlock()
	if err := os.Remove(s.path(hash)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("block: delete: %w", err)
	}
	return nil
}

// DeleteIfOlder removes a block only if it was last written (or re-Put) before
// cutoff, and reports whether it did. It is the garbage collector's sweep: a Put that
// finds the block at the same moment either refreshes it first (and it stays) or finds
// it gone (and writes it again).
func (s *Store) DeleteIfOlder(hash Hash, cutoff time.Time) (bool, error) {
	mu := s.stripe(hash)
	mu.Lock()
	defer mu.Unlock()
	p := s.path(hash)
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("block: delete: %w", err)
	}
	if !fi.ModTime().Before(cutoff) {
		return false, nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("block: delete: %w", err)
	}
	return true, nil
}

// Quarantine moves a block that failed its hash check out of the store, into
// corrupt/, so a good copy can be Put in its place and the bad one kept for a look.
func (s *Store) Quarantine(hash Hash) error {
	mu := s.stripe(hash)
	mu.Lock()
	defer mu.Unlock()
	name := fmt.Sprintf("%x.%d", hash, time.Now().UnixNano())
	err := os.Rename(s.path(hash), filepath.Join(s.corrupt, name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("block: quarantine: %w", err)
	}
	return nil
}

// Walk calls fn for every block file, in no particular order, for garbage collection
// and scrubbing. It stops at the first error fn returns and returns it. Blocks written
// or deleted during the walk may or may not be seen.
func (s *Store) Walk(fn func(Info) error) error {
	tops, err := readDirNames(s.blocks)
	if err != nil {
		return fmt.Errorf("block: walk: %w", err)
	}
	for _, top := range tops {
		mids, err := readDirNames(filepath.Join(s.blocks, top))
		if err != nil {
			return fmt.Errorf("block: walk: %w", err)
		}
		for _, mid := range mids {
			dir := filepath.Join(s.blocks, top, mid)
			entries, err := os.ReadDir(dir)
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("block: walk: %w", err)
			}
			for _, e := range entries {
				h, err := ParseHash(e.Name())
				if err != nil || hex.EncodeToString(h[:]) != e.Name() {
					continue // not a block file
				}
				fi, err := e.Info()
				if err != nil {
					if errors.Is(err, fs.ErrNotExist) {
						continue // deleted since ReadDir
					}
					return fmt.Errorf("block: walk: %w", err)
				}
				if err := fn(Info{Hash: h, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Stats counts the blocks and their bytes. It walks the whole store.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.Walk(func(i Info) error {
		st.Count++
		st.Bytes += i.Size
		return nil
	})
	return st, err
}

// readDirNames lists the directory names in dir; a missing dir is empty.
func readDirNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// syncDir fsyncs a directory, making the creation, rename or removal of its entries
// durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
