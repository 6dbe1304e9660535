// Package block stores content-addressed blocks as files: each block is named by the
// SHA-256 of its bytes and kept under blocks/ab/cd/<hex> (two levels of fan-out so no
// directory grows too large). It knows nothing of objects or the network.
//
// A block is written to a temp file under tmp/ on the same filesystem, fsynced, renamed
// into place and its directory fsynced, so a block file that exists is complete and
// durable. Every read checks the block's checksum (see trailer.go); Verify checks its
// SHA-256.
package block

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
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
	Size    int64     // of the file: the block's bytes and, but for an old file, its trailer
	ModTime time.Time // last written, or last re-Put (Put refreshes it on a dedup hit)
}

// Stats counts the blocks in a store.
type Stats struct {
	Count int64 // number of block files
	Bytes int64 // their total size on disk in bytes (trailers included)
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
	tr := trailer(hash, data)
	tmp, err := writeTemp(s.tmp, hex.EncodeToString(hash[:]), data, tr[:])
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

// writeTemp writes data and then tail to a new file in dir and fsyncs it.
func writeTemp(dir, name string, data, tail []byte) (string, error) {
	f, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return "", fmt.Errorf("block: put: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		_, err = f.Write(tail)
	}
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

// Get returns a block's bytes after checking them against their checksum:
// ErrNotFound if the store does not hold it, ErrCorrupt if its bytes no longer match.
func (s *Store) Get(hash Hash) ([]byte, error) {
	return s.GetInto(hash, nil)
}

// GetInto is Get reading into buf when it has the capacity for the block file (its
// bytes and TrailerSize), so that a caller can reuse buffers; the result then aliases
// buf.
func (s *Store) GetInto(hash Hash, buf []byte) ([]byte, error) {
	raw, err := s.read(hash, buf)
	if err != nil {
		return nil, err
	}
	data, ok := check(hash, raw)
	if !ok {
		return nil, fmt.Errorf("%w: %x", ErrCorrupt, hash)
	}
	return data, nil
}

// Verify checks a block against the SHA-256 that names it, the scrubber's check:
// stronger than a read's, and slower. It returns ErrNotFound or ErrCorrupt as Get
// does. buf is used as by GetInto.
func (s *Store) Verify(hash Hash, buf []byte) error {
	_, _, err := s.verify(hash, buf)
	return err
}

// Scrub is Verify for the scrubber: it also returns the size of the block file it
// read, and gives a good block file from before trailers its trailer (keeping its
// modification time, which the garbage collector's grace period reads), so that later
// reads check it the fast way.
func (s *Store) Scrub(hash Hash, buf []byte) (int64, error) {
	raw, legacy, err := s.verify(hash, buf)
	if err != nil || !legacy {
		return int64(len(raw)), err
	}
	return int64(len(raw)), s.addTrailer(hash, raw)
}

// verify reads a block file and checks it against the block's SHA-256; legacy tells
// a file from before trailers.
func (s *Store) verify(hash Hash, buf []byte) (raw []byte, legacy bool, err error) {
	raw, err = s.read(hash, buf)
	if err != nil {
		return nil, false, err
	}
	data, ok := split(hash, raw)
	if !ok {
		data = raw // a block file from before trailers
	}
	if Sum(data) != hash {
		return raw, !ok, fmt.Errorf("%w: %x", ErrCorrupt, hash)
	}
	return raw, !ok, nil
}

// addTrailer rewrites the file of block hash, whose checked bytes are data, with its
// trailer: a new file renamed over the old one, so a reader sees one or the other. A
// block deleted meanwhile stays deleted.
func (s *Store) addTrailer(hash Hash, data []byte) error {
	final := s.path(hash)
	tr := trailer(hash, data)
	tmp, err := writeTemp(s.tmp, hex.EncodeToString(hash[:]), data, tr[:])
	if err != nil {
		return err
	}
	mu := s.stripe(hash)
	mu.Lock()
	fi, err := os.Stat(final)
	if err == nil {
		err = os.Chtimes(tmp, fi.ModTime(), fi.ModTime())
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	mu.Unlock()
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted since it was read
		}
		return fmt.Errorf("block: add trailer: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fmt.Errorf("block: add trailer: %w", err)
	}
	return nil
}

// read reads a block file whole, into buf if it is large enough.
func (s *Store) read(hash Hash, buf []byte) ([]byte, error) {
	f, err := os.Open(s.path(hash))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("block: get: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("block: get: %w", err)
	}
	size := fi.Size()
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	raw := buf[:size]
	if _, err := io.ReadFull(f, raw); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %x: file shrank while read", ErrCorrupt, hash)
		}
		return nil, fmt.Errorf("block: get: %w", err)
	}
	return raw, nil
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

// Stat returns the Info of a block file; ErrNotFound if there is none.
func (s *Store) Stat(hash Hash) (Info, error) {
	fi, err := os.Stat(s.path(hash))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("block: stat: %w", err)
	}
	return Info{Hash: hash, Size: fi.Size(), ModTime: fi.ModTime()}, nil
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
