package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// worker issues operations one at a time; a phase runs Concurrency of them.
type worker struct {
	t   *target
	o   *Options
	rng *rand.Rand
	buf []byte // read buffer for bodies that are not verified
}

func newWorker(t *target, o *Options) *worker {
	return &worker{t: t, o: o, rng: newRand(), buf: make([]byte, 64<<10)}
}

// next runs one operation of the workload. ok is false when there is nothing
// left to do (the delete workload ran out of objects).
func (w *worker) next(ctx context.Context) (s sample, ok bool) {
	switch w.o.Workload {
	case WorkloadPut:
		return w.put(ctx, false), true
	case WorkloadGet:
		return w.get(ctx)
	case WorkloadStat:
		return w.stat(ctx)
	case WorkloadDelete:
		return w.del(ctx)
	case WorkloadList:
		return w.list(ctx), true
	case WorkloadMultipart:
		return w.multipart(ctx), true
	default: // WorkloadMixed
		return w.mixed(ctx), true
	}
}

// mixed draws GET, STAT, PUT or DELETE by the mix weights. When the prepared set
// has no object to offer (all deleted, or all being read), the operation becomes
// a PUT, which refills it.
func (w *worker) mixed(ctx context.Context) sample {
	m := w.o.Mix
	r := w.rng.IntN(m.total())
	var (
		s  sample
		ok bool
	)
	switch {
	case r < m.Get:
		s, ok = w.get(ctx)
	case r < m.Get+m.Stat:
		s, ok = w.stat(ctx)
	case r < m.Get+m.Stat+m.Put:
		return w.put(ctx, true)
	default:
		s, ok = w.del(ctx)
	}
	if !ok {
		return w.put(ctx, true)
	}
	return s
}

// fail completes s as a failed operation.
func fail(s sample, err error) sample {
	s.errCode, s.errMsg = errorCode(err)
	return s
}

func failf(s sample, code, format string, args ...any) sample {
	s.errCode, s.errMsg = code, fmt.Sprintf(format, args...)
	return s
}

func (w *worker) put(ctx context.Context, toPool bool) sample {
	size := drawSize(w.rng, w.o.objectSize())
	key := w.t.objectKey(w.t.seq.Add(1)-1, size)
	s := sample{op: opPut, bytes: size, start: time.Now()}
	_, err := w.t.cs.pick().PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(w.t.bucket), Key: aws.String(key),
		Body: newPayload(keySeed(key), 0, size), ContentLength: aws.Int64(size),
	})
	s.end = time.Now()
	if err != nil {
		return fail(s, err)
	}
	if toPool {
		w.t.pool.add(key, size)
	}
	return s
}

// verifyBufferMax is the largest body a verified GET reads into memory, so that
// it is hashed after the clock stops. Larger bodies are hashed as they stream,
// and their hashing counts in their latency.
const verifyBufferMax = 64 << 20

var bodyBufs sync.Pool // *bytes.Buffer for verified GETs

func (w *worker) get(ctx context.Context) (sample, bool) {
	e := w.t.pool.acquire(w.rng)
	if e == nil {
		return sample{}, false
	}
	defer w.t.pool.release(e)
	verify := w.o.VerifyRatio > 0 && w.rng.Float64() < w.o.VerifyRatio

	s := sample{op: opGet, start: time.Now()}
	out, err := w.t.cs.pick().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(w.t.bucket), Key: aws.String(e.key)})
	if err != nil {
		s.end = time.Now()
		return fail(s, err), true
	}
	defer out.Body.Close()

	var (
		n       int64
		hashed  []byte
		buffer  *bytes.Buffer
		readErr error
	)
	switch {
	case verify && e.size <= verifyBufferMax:
		buffer, _ = bodyBufs.Get().(*bytes.Buffer)
		if buffer == nil {
			buffer = new(bytes.Buffer)
		}
		buffer.Reset()
		buffer.Grow(int(e.size))
		defer bodyBufs.Put(buffer)
		n, readErr = readBody(out.Body, &s, func(p []byte) { buffer.Write(p) }, w.buf)
	case verify:
		h := sha256.New()
		n, readErr = readBody(out.Body, &s, func(p []byte) { h.Write(p) }, w.buf)
		hashed = h.Sum(nil)
	default:
		n, readErr = readBody(out.Body, &s, nil, w.buf)
	}
	s.end = time.Now()
	s.bytes = n
	if readErr != nil {
		return fail(s, readErr), true
	}
	if n != e.size {
		return failf(s, CodeSizeMismatch, "GET %s: read %d bytes, uploaded %d", e.key, n, e.size), true
	}
	if verify {
		if buffer != nil {
			sum := sha256.Sum256(buffer.Bytes())
			hashed = sum[:]
		}
		if want := payloadSHA256(keySeed(e.key), e.size); !bytes.Equal(hashed, want[:]) {
			return failf(s, CodeChecksumMismatch, "GET %s: body SHA-256 %x, uploaded %x", e.key, hashed, want), true
		}
	}
	return s, true
}

// readBody reads r to the end, noting the time of the first byte in s, and hands
// every chunk to sink when sink is not nil.
func readBody(r io.Reader, s *sample, sink func([]byte), buf []byte) (int64, error) {
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if total == 0 {
				s.firstByte = time.Now()
			}
			total += int64(n)
			if sink != nil {
				sink(buf[:n])
			}
		}
		if err == io.EOF {
			if total == 0 {
				s.firstByte = time.Now()
			}
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (w *worker) stat(ctx context.Context) (sample, bool) {
	e := w.t.pool.acquire(w.rng)
	if e == nil {
		return sample{}, false
	}
	defer w.t.pool.release(e)
	s := sample{op: opStat, start: time.Now()}
	out, err := w.t.cs.pick().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(w.t.bucket), Key: aws.String(e.key)})
	s.end = time.Now()
	if err != nil {
		return fail(s, err), true
	}
	if got := aws.ToInt64(out.ContentLength); got != e.size {
		return failf(s, CodeSizeMismatch, "HEAD %s: Content-Length %d, uploaded %d", e.key, got, e.size), true
	}
	return s, true
}

func (w *worker) del(ctx context.Context) (sample, bool) {
	e := w.t.pool.take(w.rng)
	if e == nil {
		return sample{}, false
	}
	s := sample{op: opDelete, start: time.Now()}
	_, err := w.t.cs.pick().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(w.t.bucket), Key: aws.String(e.key)})
	s.end = time.Now()
	if err != nil {
		return fail(s, err), true
	}
	return s, true
}

// list reads one page of ListObjectsV2 starting at a random key of the prepared
// set, and checks that it holds exactly the keys that follow.
func (w *worker) list(ctx context.Context) sample {
	i := w.rng.IntN(w.t.listed)
	// "<prefix>0000000042" sorts just before "<prefix>0000000042.<size>".
	startAfter := w.t.keyPrefix + fmt.Sprintf("%010d", i)
	s := sample{op: opList, start: time.Now()}
	out, err := w.t.cs.pick().ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(w.t.bucket), Prefix: aws.String(w.t.keyPrefix),
		StartAfter: aws.String(startAfter), MaxKeys: aws.Int32(int32(w.o.ListMaxKeys)),
	})
	s.end = time.Now()
	if err != nil {
		return fail(s, err)
	}
	s.objects = int64(len(out.Contents))
	want := min(w.o.ListMaxKeys, w.t.listed-i)
	if len(out.Contents) != want {
		return failf(s, CodeListMismatch, "LIST after %s: %d keys, want %d", startAfter, len(out.Contents), want)
	}
	if want > 0 && !strings.HasPrefix(aws.ToString(out.Contents[0].Key), startAfter+".") {
		return failf(s, CodeListMismatch, "LIST after %s: first key %s", startAfter, aws.ToString(out.Contents[0].Key))
	}
	return s
}

// multipart uploads one whole object in parts; the operation spans
// CreateMultipartUpload to the response of CompleteMultipartUpload. It asks for
// CRC32 part checksums as the SDK's upload manager does by default.
func (w *worker) multipart(ctx context.Context) sample {
	size := drawSize(w.rng, w.o.objectSize())
	key := w.t.objectKey(w.t.seq.Add(1)-1, size)
	seed := keySeed(key)
	c := w.t.cs.pick()
	bucket := aws.String(w.t.bucket)

	s := sample{op: opMultipart, bytes: size, start: time.Now()}
	created, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: bucket, Key: aws.String(key), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		s.end = time.Now()
		return fail(s, err)
	}
	uploadID := created.UploadId

	partSize := w.o.PartSize
	nParts := int((size + partSize - 1) / partSize)
	if nParts == 0 {
		nParts = 1
	}
	parts := make([]types.CompletedPart, nParts)
	partCtx, cancel := context.WithCancel(ctx)
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
		sem      = make(chan struct{}, w.o.PartConcurrency)
	)
	for p := range nParts {
		sem <- struct{}{}
		if partCtx.Err() != nil {
			<-sem
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			off := int64(p) * partSize
			n := min(partSize, size-off)
			out, err := c.UploadPart(partCtx, &s3.UploadPartInput{
				Bucket: bucket, Key: aws.String(key), UploadId: uploadID,
				PartNumber: aws.Int32(int32(p + 1)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
				Body: newPayload(seed, off, n), ContentLength: aws.Int64(n),
			})
			if err != nil {
				errOnce.Do(func() { firstErr = err; cancel() })
				return
			}
			parts[p] = types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(p + 1)), ChecksumCRC32: out.ChecksumCRC32}
		})
	}
	wg.Wait()
	cancel()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	if firstErr == nil {
		_, firstErr = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: bucket, Key: aws.String(key), UploadId: uploadID,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
	}
	s.end = time.Now()
	if firstErr != nil {
		// Best effort, off the clock; clean-up aborts whatever is left.
		_, _ = c.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String(key), UploadId: uploadID})
		return fail(s, firstErr)
	}
	return s
}
