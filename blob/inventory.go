package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
	"github.com/cairnstore/cairn/cluster/layout"
)

// The inventory lists the local block files by block partition, for anti-entropy: a
// round compares digests of these lists with the other owners and exchanges the lists
// that differ. Walking the block store is the expensive part, so one walk serves
// many rounds and requests: every block this node stores or removes afterwards (a
// write, a repair, a sync copy, a hand-off, the garbage collector, a quarantine) is
// applied to it as it happens, before the write is acknowledged, keeping it current.
// A walk is redone when the listing is older than inventoryMaxAge, which corrects any
// drift (files changed behind the store's back), and when the layout version moves
// past the one the listing was made under.

// inventoryMaxAge is how old a walk may be and still serve.
const inventoryMaxAge = time.Hour

// blockInventory is a listing of the local block files by block partition.
type blockInventory struct {
	partitions int
	l          *layout.Layout // for BlockPartition
	at         time.Time      // when the walk started (wall clock, as file times are)
	fence      uint64         // the layout version the fence stood at when the walk started

	mu     sync.Mutex
	byPart [][][32]byte // ascending; an inner slice is replaced, never changed in place
}

// inventoryCache holds the current inventory.
type inventoryCache struct {
	walk sync.Mutex // one walk at a time

	mu      sync.Mutex
	cur     *blockInventory
	walking bool
	journal []blockChange // changes made while a walk runs, applied to its result
}

// blockChange is a block stored (present) or removed.
type blockChange struct {
	hash    [32]byte
	present bool
}

// noteBlock records that this node now holds (present) or no longer holds a block.
func (s *Store) noteBlock(h [32]byte, present bool) {
	c := &s.inv
	c.mu.Lock()
	cur := c.cur
	if c.walking {
		c.journal = append(c.journal, blockChange{h, present})
	}
	c.mu.Unlock()
	if cur != nil {
		cur.apply(h, present)
	}
}

// putLocalBlock stores a block in the local block store.
func (s *Store) putLocalBlock(h [32]byte, data []byte) error {
	if err := s.blocks.Put(h, data); err != nil {
		return err
	}
	s.noteBlock(h, true)
	return nil
}

// deleteLocalBlockIfOlder removes a local block file last written before cutoff.
func (s *Store) deleteLocalBlockIfOlder(h [32]byte, cutoff time.Time) (bool, error) {
	gone, err := s.blocks.DeleteIfOlder(h, cutoff)
	if gone {
		s.noteBlock(h, false)
	}
	return gone, err
}

// inventory returns the listing of the local blocks by block partition of a layout
// with partitions partitions. It reuses the current listing if its walk is younger
// than inventoryMaxAge and was made with the fence at lv or later (so that every block
// admitted under an older version was noted in it: see fence.go).
func (s *Store) inventory(ctx context.Context, partitions int, lv uint64) (*blockInventory, error) {
	if partitions < 1 || partitions > 1<<16 || partitions&(partitions-1) != 0 {
		return nil, fmt.Errorf("%w: %d partitions", index.ErrInvalidKey, partitions)
	}
	c := &s.inv
	c.walk.Lock()
	defer c.walk.Unlock()
	c.mu.Lock()
	cur := c.cur
	if cur != nil && cur.partitions == partitions && time.Since(cur.at) < inventoryMaxAge && cur.fence >= lv {
		c.mu.Unlock()
		return cur, nil
	}
	c.walking, c.journal = true, nil
	c.mu.Unlock()

	inv := &blockInventory{
		partitions: partitions,
		l:          &layout.Layout{Partitions: partitions},
		at:         time.Now(),
		fence:      s.fence.newest(),
		byPart:     make([][][32]byte, partitions),
	}
	err := s.blocks.Walk(func(b block.Info) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := inv.l.BlockPartition(b.Hash)
		inv.byPart[p] = append(inv.byPart[p], b.Hash)
		return nil
	})
	for _, hs := range inv.byPart {
		slices.SortFunc(hs, compareHash)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.walking = false
	if err != nil {
		c.journal = nil
		return nil, err
	}
	for _, ch := range c.journal {
		inv.apply(ch.hash, ch.present)
	}
	c.journal = nil
	c.cur = inv
	return inv, nil
}

func compareHash(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) }

// apply adds or removes one block.
func (inv *blockInventory) apply(h [32]byte, present bool) {
	p := inv.l.BlockPartition(h)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	old := inv.byPart[p]
	i, found := slices.BinarySearchFunc(old, h, compareHash)
	switch {
	case present && !found:
		inv.byPart[p] = slices.Insert(slices.Clip(old), i, h)
	case !present && found:
		inv.byPart[p] = slices.Delete(slices.Clone(old), i, i+1)
	}
}

// list returns the blocks of partition p, in ascending order. The slice is never
// changed afterwards.
func (inv *blockInventory) list(p int) [][32]byte {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.byPart[p]
}

// digest hashes the block names of partition p.
func (inv *blockInventory) digest(p int) index.Digest {
	hs := inv.list(p)
	h := sha256.New()
	for _, b := range hs {
		h.Write(b[:])
	}
	d := index.Digest{Partition: p, Items: len(hs)}
	copy(d.Sum[:], h.Sum(nil))
	return d
}
