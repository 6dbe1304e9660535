package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/cairnstore/cairn/blob/index"
)

// Object is an opened object version whose bytes can be read. Its blocks stay readable
// for as long as the garbage collector's grace period, however the key changes.
type Object struct {
	Info ObjectInfo

	s      *Store
	inline []byte
	blocks []index.BlockRef
	starts []int64 // starts[i] is the offset of blocks[i] in the stored bytes
	sealed []byte  // the sealed data key of an encrypted object (objectMeta.SSE)
}

// OpenObject returns the current version of bucket/key; ErrNoSuchKey if there is
// none or it is a delete marker (a *DeleteMarkerError then). See OpenVersion.
func (s *Store) OpenObject(ctx context.Context, bucket, key string) (*Object, error) {
	return s.OpenVersion(ctx, bucket, key, "")
}

func (s *Store) objectFromRecord(rec *index.Record) (*Object, error) {
	info, err := infoFromRecord(rec)
	if err != nil {
		return nil, err
	}
	o := &Object{Info: info, s: s, inline: rec.Inline, blocks: rec.Blocks}
	if info.Encrypted {
		m, err := decodeObjectMeta(rec.Meta)
		if err != nil {
			return nil, err
		}
		o.sealed = m.SSE
	}
	o.starts = make([]int64, len(rec.Blocks))
	var off int64
	for i, b := range rec.Blocks {
		o.starts[i] = off
		off += b.Size
	}
	stored := storedSize(info, o.sealed)
	if off != stored && len(rec.Blocks) > 0 || len(rec.Blocks) == 0 && int64(len(rec.Inline)) != stored {
		return nil, fmt.Errorf("blob: corrupt record %s/%s: blocks hold %d bytes of %d", info.Bucket, info.Key, off+int64(len(rec.Inline)), stored)
	}
	return o, nil
}

// NewReader returns the bytes [off, off+length) of o. length -1 reads to the end; a
// range past the end is cut short at the end. An offset outside [0, Size] is
// ErrInvalidRange. Blocks are read one at a time, with the next one fetched while the
// current one is consumed, and every block read is checked against its checksum. ctx
// bounds the whole read; Close releases it.
//
// NewReader returns only once the first block of the range is read and checked: if
// no good copy of it can be had, it returns the error (ErrCorrupt, or ErrNoQuorum when
// owners are unreachable), so that a caller can still answer with an error status
// before it has sent any byte.
func (o *Object) NewReader(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	if o.s == nil {
		return nil, fmt.Errorf("%w: object not opened by a Store", ErrInvalidArgument)
	}
	size := o.Info.Size
	if off < 0 || off > size || length < -1 {
		return nil, fmt.Errorf("%w: offset %d length %d of %d bytes", ErrInvalidRange, off, length, size)
	}
	if length == -1 || off+length > size {
		length = size - off
	}
	if o.sealed != nil && length > 0 {
		return o.decrypting(ctx, off, length)
	}
	return o.rawReader(ctx, off, length)
}

// rawReader returns the stored bytes [off, off+length) of o, a range within them, as
// NewReader describes.
func (o *Object) rawReader(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	if len(o.blocks) == 0 {
		return io.NopCloser(bytes.NewReader(o.inline[off : off+length])), nil
	}
	if length == 0 {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &blockReader{
		ctx:     ctx,
		cancel:  cancel,
		futures: make(chan chan fetched, readAhead),
		slots:   make(chan struct{}, readAhead),
		demand:  make(chan struct{}, 1),
		budget:  o.s.readAhead,
		done:    make(chan struct{}),
		pool:    &o.s.bufs,
	}
	r.demand <- struct{}{} // the first block is wanted at once
	go r.fetch(o, off, length)
	if err := r.next(); err != nil {
		if err != io.EOF {
			r.Close()
			return nil, err
		}
		r.err = err
	}
	return r, nil
}

// readAhead is how many blocks a reader fetches ahead of the one being consumed, in
// parallel (each read checks the block's XXH3-64; a block file from before trailers, its
// SHA-256).
const readAhead = 2

// readAheadBudget bounds the blocks fetched ahead of demand by all the readers of a
// store together (64 MiB at the default block size). A block fetched ahead takes a
// token and gives it back when the reader consumes it (or closes); without a token a
// reader fetches its next block only once it asks for it. So a reader whose client
// stopped reading holds its current block and at most its share of the budget, and
// many stalled downloads cannot pin readAhead blocks each.
const readAheadBudget = 64

// fetched is one block, cut to the part of the range it holds, or an error. buf is
// the pooled buffer data lies in, returned to the pool once data is consumed.
type fetched struct {
	data  []byte
	buf   *[]byte
	err   error
	token bool // it holds a readAhead budget token
}

// blockReader streams a range of a block-backed object.
type blockReader struct {
	ctx     context.Context
	cancel  context.CancelFunc
	futures chan chan fetched // one per block, in order
	slots   chan struct{}     // bounds the blocks fetched but not yet consumed
	demand  chan struct{}     // Read is waiting and nothing is fetched: fetch one now
	budget  chan struct{}     // the store's read-ahead tokens
	done    chan struct{}
	cur     []byte
	curBuf  *[]byte // the pooled buffer cur lies in
	pool    *sync.Pool
	err     error
	// complete is set by fetch, before it closes futures, once it has started the whole
	// range: a closed futures without it means the read was cut short.
	complete bool
}

// fetch starts reading the blocks covering [off, off+length), in order, at most
// readAhead at a time ahead of Read.
func (r *blockReader) fetch(o *Object, off, length int64) {
	defer close(r.done)
	defer close(r.futures)
	// The block holding off: the last whose start is at or before it.
	i := sort.Search(len(o.starts), func(i int) bool { return o.starts[i] > off }) - 1
	end := off + length
	for ; i < len(o.blocks) && o.starts[i] < end; i++ {
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		token, ok := r.permit()
		if !ok {
			return
		}
		f := make(chan fetched, 1)
		go func(i int) {
			if o.s.isClosed() {
				f <- fetched{err: ErrClosed, token: token}
				return
			}
			pl, err := o.s.placement()
			if err != nil {
				f <- fetched{err: err, token: token}
				return
			}
			buf := r.pool.Get().(*[]byte)
			data, err := o.s.readBlock(r.ctx, pl, o.blocks[i], *buf)
			if err != nil {
				r.pool.Put(buf)
				f <- fetched{err: err, token: token}
				return
			}
			from := max(off-o.starts[i], 0)
			to := min(end-o.starts[i], int64(len(data)))
			f <- fetched{data: data[from:to], buf: buf, token: token}
		}(i)
		select {
		case r.futures <- f:
		case <-r.ctx.Done():
			r.returnToken(<-f) // not handed to Read: give its token back here
			return
		}
	}
	r.complete = true
}

// permit waits until the next block may be fetched: at once with a read-ahead token
// (token true), or, when the store's budget is spent, once Read asks for it. It
// reports false when the read is cancelled.
func (r *blockReader) permit() (token, ok bool) {
	select {
	case r.budget <- struct{}{}:
		return true, true
	default:
	}
	select {
	case r.budget <- struct{}{}:
		return true, true
	case <-r.demand:
		return false, true
	case <-r.ctx.Done():
		return false, false
	}
}

// Read implements io.Reader.
func (r *blockReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.next()
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// next waits for the next block into r.cur.
func (r *blockReader) next() error {
	var f chan fetched
	var ok bool
	if len(r.futures) == 0 {
		select { // nothing fetched ahead: ask fetch for the next block
		case r.demand <- struct{}{}:
		default:
		}
	}
	select {
	case f, ok = <-r.futures:
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	if !ok {
		if r.complete {
			return io.EOF
		}
		return cmpErr(r.ctx.Err(), io.ErrUnexpectedEOF)
	}
	select {
	case res := <-f:
		<-r.slots
		r.returnToken(res)
		r.release()
		r.cur, r.curBuf = res.data, res.buf
		return res.err
	case <-r.ctx.Done():
		r.returnToken(<-f) // the fetch ends soon once ctx is done; its token comes back
		return r.ctx.Err()
	}
}

// release returns the buffer of the block consumed last to the pool.
func (r *blockReader) release() {
	if r.curBuf != nil {
		r.pool.Put(r.curBuf)
		r.cur, r.curBuf = nil, nil
	}
}

// returnToken gives back the read-ahead token a fetched block holds.
func (r *blockReader) returnToken(res fetched) {
	if res.token {
		<-r.budget
	}
}

// Close stops the read ahead, waits for it, and gives back the tokens and buffers of
// the blocks fetched but never consumed.
func (r *blockReader) Close() error {
	r.cancel()
	<-r.done
	for f := range r.futures { // closed by fetch; each fetch ends once ctx is done
		res := <-f
		r.returnToken(res)
		if res.buf != nil {
			r.pool.Put(res.buf)
		}
	}
	r.release()
	r.cur, r.err = nil, io.ErrClosedPipe
	return nil
}

// cmpErr returns the first non-nil error.
func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
