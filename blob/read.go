package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/cairnstore/cairn/blob/index"
)

// Object is an opened object version whose bytes can be read. Its blocks stay readable
// for as long as the garbage collector's grace period, however the key changes.
type Object struct {
	Info ObjectInfo

	s      *Store
	inline []byte
	blocks []index.BlockRef
	starts []int64 // starts[i] is the offset of blocks[i]
}

// OpenObject returns the newest version of bucket/key; ErrNoSuchKey if there is none
// or it is a delete marker.
func (s *Store) OpenObject(ctx context.Context, bucket, key string) (*Object, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	if err := checkNames(bucket, key); err != nil {
		return nil, err
	}
	pl, err := s.placement()
	if err != nil {
		return nil, err
	}
	rec, found, err := s.getRecord(ctx, pl, pl.l.ObjectPartition(bucket, key), bucket, key)
	if err != nil {
		return nil, err
	}
	if !found || rec.Tombstone {
		return nil, ErrNoSuchKey
	}
	return s.objectFromRecord(&rec)
}

func (s *Store) objectFromRecord(rec *index.Record) (*Object, error) {
	info, err := infoFromRecord(rec)
	if err != nil {
		return nil, err
	}
	o := &Object{Info: info, s: s, inline: rec.Inline, blocks: rec.Blocks}
	o.starts = make([]int64, len(rec.Blocks))
	var off int64
	for i, b := range rec.Blocks {
		o.starts[i] = off
		off += b.Size
	}
	if off != info.Size && len(rec.Blocks) > 0 || len(rec.Blocks) == 0 && int64(len(rec.Inline)) != info.Size {
		return nil, fmt.Errorf("blob: corrupt record %s/%s: blocks hold %d bytes of %d", info.Bucket, info.Key, off+int64(len(rec.Inline)), info.Size)
	}
	return o, nil
}

// NewReader returns the bytes [off, off+length) of o. length -1 reads to the end; a
// range past the end is cut short at the end. An offset outside [0, Size] is
// ErrInvalidRange. Blocks are read one at a time, with the next one fetched while the
// current one is consumed, and every block read is checked against its hash. ctx
// bounds the whole read; Close releases it.
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
		done:    make(chan struct{}),
	}
	go r.fetch(o, off, length)
	return r, nil
}

// readAhead is how many blocks a reader fetches ahead of the one being consumed, in
// parallel (each read checks a SHA-256, about 1 GB/s per core).
const readAhead = 2

// fetched is one block, cut to the part of the range it holds, or an error.
type fetched struct {
	data []byte
	err  error
}

// blockReader streams a range of a block-backed object.
type blockReader struct {
	ctx     context.Context
	cancel  context.CancelFunc
	futures chan chan fetched // one per block, in order
	slots   chan struct{}     // bounds the blocks fetched but not yet consumed
	done    chan struct{}
	cur     []byte
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
		f := make(chan fetched, 1)
		go func(i int) {
			if o.s.isClosed() {
				f <- fetched{err: ErrClosed}
				return
			}
			pl, err := o.s.placement()
			if err != nil {
				f <- fetched{err: err}
				return
			}
			data, err := o.s.readBlock(r.ctx, pl, o.blocks[i])
			if err != nil {
				f <- fetched{err: err}
				return
			}
			from := max(off-o.starts[i], 0)
			to := min(end-o.starts[i], int64(len(data)))
			f <- fetched{data: data[from:to]}
		}(i)
		select {
		case r.futures <- f:
		case <-r.ctx.Done():
			return
		}
	}
	r.complete = true
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
		r.cur = res.data
		return res.err
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
}

// Close stops the read ahead and waits for it.
func (r *blockReader) Close() error {
	r.cancel()
	<-r.done
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
