package blob

import (
	"context"
	"crypto/md5"
	"errors"
	"io"
	"sync"

	"github.com/cairnstore/cairn/blob/block"
	"github.com/cairnstore/cairn/blob/index"
)

// body is an object or part body written to blocks.
type body struct {
	size   int64
	md5    []byte
	inline []byte // the whole body, when it was small enough to inline
	blocks []index.BlockRef
	pinned [][32]byte // blocks to unpin once the record naming them is committed
	// sse is the sealed data key when the blocks hold the body encrypted
	// (writeEncrypted); size and md5 are then the plaintext's.
	sse []byte
}

// pendingBlock is one block of a body, filled in by the goroutine that writes it.
type pendingBlock struct {
	ref    index.BlockRef
	pinned bool
}

// writeBody reads r to its end, cutting it into blocks of BlockSize that it hashes and
// writes to their owners in a bounded pipeline (PipelineDepth blocks in flight), while
// computing the body's MD5. A body of at most InlineLimit bytes is returned inline
// instead, when inline is true. The whole body is never in memory: only the blocks in
// flight and the one being read.
//
// On any error (reading r, writing a block, ctx) nothing is left referenced: the
// blocks already written are garbage for the collector. A read error is returned
// unchanged. The caller must unpin b.pinned whatever the outcome.
func (s *Store) writeBody(ctx context.Context, pl placement, r io.Reader, inline bool) (b body, err error) {
	if r == nil {
		r = eofReader{}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
		pending  []*pendingBlock
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel(err)
		}
		mu.Unlock()
	}
	sem := make(chan struct{}, max(s.cfg.PipelineDepth, 1))
	sum := md5.New()
	for first := true; ; first = false {
		buf := s.bufs.Get().(*[]byte)
		n, rerr := io.ReadFull(r, (*buf)[:s.cfg.BlockSize])
		data := (*buf)[:n]
		sum.Write(data)
		b.size += int64(n)
		eof := errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF)
		if rerr != nil && !eof {
			s.bufs.Put(buf)
			fail(rerr)
			break
		}
		if first && eof && inline && n <= s.cfg.InlineLimit {
			b.inline = append([]byte{}, data...)
			s.bufs.Put(buf)
			break
		}
		if n == 0 {
			s.bufs.Put(buf)
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			fail(context.Cause(ctx))
		}
		if ctx.Err() != nil {
			s.bufs.Put(buf)
			break
		}
		pb := &pendingBlock{ref: index.BlockRef{Size: int64(n)}}
		pending = append(pending, pb)
		wg.Go(func() {
			hash := block.Sum(data)
			s.pins.pin(hash)
			pb.ref.Hash, pb.pinned = hash, true
			release := func() {
				s.bufs.Put(buf)
				<-sem
			}
			if err := s.putBlock(ctx, pl, hash, data, release); err != nil {
				fail(err)
			}
		})
		if eof {
			break
		}
	}
	wg.Wait()
	for _, pb := range pending {
		if pb.pinned {
			b.pinned = append(b.pinned, pb.ref.Hash)
		}
	}
	if firstErr == nil {
		firstErr = ctx.Err() // the caller's ctx ended between blocks
	}
	if firstErr != nil {
		return b, firstErr
	}
	b.md5 = sum.Sum(nil)
	b.blocks = make([]index.BlockRef, len(pending))
	for i, pb := range pending {
		b.blocks[i] = pb.ref
	}
	return b, nil
}

// eofReader is an empty body.
type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
