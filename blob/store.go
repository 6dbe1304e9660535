// Package blob is the object layer: it stores object bytes as content-addressed blocks
// and object versions as records in the version index, on each partition's owners,
// by quorum. It knows nothing of HTTP or S3 XML.
//
// An object's record lives in partition layout.ObjectPartition(bucket, key) and each
// of its blocks in layout.BlockPartition(hash), on that partition's owners. Writes
// return once a write quorum of owners holds the blocks and then the record durably;
// so a crash at any moment leaves either the old or the new version visible.
package blob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/blob/sse"
	"github.com/cairnstore/cairn/cluster/layout"
)

// Store is the object layer of one node. It is safe for concurrent use.
type Store struct {
	cfg    Config
	log    *slog.Logger
	sse    *sse.Master // nil without Config.EncryptionKey
	blocks *block.Store
	idx    *index.Index
	counts countsCache
	local  *localReplica
	bufs   sync.Pool // *[]byte of BlockSize (and room for a trailer), for blocks in flight
	pins   pinSet
	gc     gcState
	fence  *fence
	leases leases // the conditional-write leases this node granted (lease.go)
	sync   syncState
	inv    inventoryCache
	// readAhead holds one token per block that readers fetched ahead of demand
	// (read.go): a store-wide bound, so stalled readers cannot pin unbounded memory.
	readAhead chan struct{}

	mu     sync.RWMutex
	closed bool
	ops    sync.WaitGroup // calls in progress, drained by Close
	stopBG context.CancelFunc
	bg     sync.WaitGroup
}

// Open opens (creating if needed) the stores under cfg.Dir, removes the leftovers of
// writes a crash interrupted, and starts the background garbage collector. Zero
// fields of cfg take their defaults.
func Open(cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := cfg.Logger.With("component", "blob")
	if cfg.Layouts == nil {
		if cfg.Layout == nil {
			l, err := layout.New(1, []layout.Node{{ID: layout.NodeID(cfg.NodeID)}}, 1, 0)
			if err != nil {
				return nil, fmt.Errorf("blob: default layout: %w", err)
			}
			cfg.Layout = func() *layout.Layout { return l }
		}
		one := cfg.Layout
		cfg.Layouts = func() []*layout.Layout { return []*layout.Layout{one()} }
	}
	blocks, err := block.Open(cfg.Dir, logger)
	if err != nil {
		return nil, err
	}
	idx, err := index.Open(filepath.Join(cfg.Dir, "index.db"))
	if err != nil {
		return nil, err
	}
	s := &Store{
		cfg:       cfg,
		log:       logger,
		blocks:    blocks,
		idx:       idx,
		pins:      pinSet{n: map[[32]byte]int{}},
		readAhead: make(chan struct{}, readAheadBudget),
	}
	if len(cfg.EncryptionKey) > 0 {
		if s.sse, err = sse.NewMaster(cfg.EncryptionKey); err != nil {
			return nil, err
		}
	}
	s.local = &localReplica{s: s, blocks: blocks, idx: idx, log: logger}
	s.fence = newFence(func() uint64 {
		if ls := cfg.Layouts(); len(ls) > 0 && ls[0] != nil {
			return ls[0].Version
		}
		return 0
	})
	s.sync.init()
	s.bufs.New = func() any {
		// Room for a block file's trailer too, so that a read fills it in one go.
		b := make([]byte, cfg.BlockSize, cfg.BlockSize+block.TrailerSize)
		return &b
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stopBG = cancel
	if cfg.GCInterval > 0 {
		s.bg.Go(func() { s.gcLoop(ctx) })
	}
	if cfg.SyncInterval > 0 {
		s.bg.Go(func() { s.syncLoop(ctx) })
	}
	if cfg.ScrubInterval > 0 {
		s.bg.Go(func() { s.scrubLoop(ctx) })
	}
	logger.Info("object store open", "dir", cfg.Dir, "node", cfg.NodeID, "block_size", cfg.BlockSize)
	return s, nil
}

// Local returns this node's own replica (the one RPCHandler serves to other nodes).
func (s *Store) Local() Replica { return s.local }

// Close stops background work, waits for the calls in progress to finish, and closes
// the local stores. Later calls return ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.stopBG()
	s.bg.Wait()
	s.ops.Wait()
	return s.idx.Close()
}

// enter registers a call in progress; it fails once the store is closed. Every
// exported method that touches the stores pairs it with leave.
func (s *Store) enter() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	s.ops.Add(1)
	return nil
}

func (s *Store) leave() { s.ops.Done() }

// isClosed reports whether Close has been called.
func (s *Store) isClosed() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.closed
}

// Changes returns up to limit entries of this node's change feed of partition p after
// the arrival stamp after (see index.Changes): what site sync replicates. The feed
// is this node's: a partition's owners each have their own.
func (s *Store) Changes(ctx context.Context, p int, after uint64, limit int) ([]index.Change, error) {
	return s.idx.Changes(ctx, p, after, limit)
}

// RemovedByLifecycle reports whether this node's tombstone of the version of
// bucket/key in slot (hlc, node), partition p, says a lifecycle rule removed it
// (DeleteInput.Lifecycle); false when there is no such tombstone here.
func (s *Store) RemovedByLifecycle(ctx context.Context, p int, bucket, key string, hlc uint64, node string) (bool, error) {
	rec, err := s.idx.GetVersion(ctx, p, bucket, key, hlc, node)
	if errors.Is(err, index.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return rec.Tombstone && madeByLifecycle(rec.Meta), nil
}

// TrimChanges removes this node's change feed entries of partition p up to upTo.
func (s *Store) TrimChanges(ctx context.Context, p int, upTo uint64) error {
	_, err := s.idx.TrimChanges(ctx, p, upTo)
	return err
}
