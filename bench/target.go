package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// target is one service under measurement, with the run's state on it.
type target struct {
	label     string
	region    string
	creds     Credentials
	cs        *clientSet
	bucket    string
	created   bool // the run created the bucket, so it removes it
	keyPrefix string
	seq       atomic.Int64
	pool      *objectPool
	listed    int // objects prepared for the list workload, keys 0..listed-1
	summary   *phaseSummary
	warmedUp  bool
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newTarget resolves credentials and builds the clients; it sends no request
// except what the AWS SDK's credential chain may need.
func newTarget(ctx context.Context, label string, t Target, o *Options) (*target, error) {
	creds, err := ResolveCredentials(ctx, CredentialOptions{
		AccessKey: t.AccessKey, SecretKey: t.SecretKey, SessionToken: t.SessionToken,
		Endpoints: t.Endpoints, Profile: t.Profile,
	})
	if err != nil {
		if label != "" {
			return nil, fmt.Errorf("%s: %w", label, err)
		}
		return nil, err
	}
	maxConns := o.Concurrency
	if o.Workload == WorkloadMultipart {
		maxConns *= o.PartConcurrency
	}
	maxConns = max(maxConns, o.PrepareConcurrency, cleanupConcurrency)
	cs, err := newClientSet(t, creds, maxConns, o.Retries)
	if err != nil {
		return nil, err
	}
	runID := newRunID()
	bucket := o.Bucket
	if bucket == "" {
		bucket = "cairn-bench-" + runID
	}
	return &target{
		label: label, region: t.Region, creds: creds, cs: cs, bucket: bucket,
		keyPrefix: o.Prefix + runID + "/",
		pool:      &objectPool{limit: max(4*o.prepareCount(), maxPoolSize)},
		summary:   &phaseSummary{},
	}, nil
}

// objectKey names object number seq of the run. The size is part of the name, so
// a reader knows what to expect without a shared map, and the number is
// zero-padded, so keys list in numeric order.
func (t *target) objectKey(seq int64, size int64) string {
	return t.keyPrefix + fmt.Sprintf("%010d", seq) + "." + strconv.FormatInt(size, 10)
}

// setupBucket creates the bucket unless it exists already.
func (t *target) setupBucket(ctx context.Context) error {
	c := t.cs.pick()
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(t.bucket)})
	if err == nil {
		return nil
	}
	if code, _ := errorCode(err); code != "NotFound" && code != "NoSuchBucket" {
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden {
			return fmt.Errorf("bucket %s on %s: access denied to %s: check the credentials or the bucket's policy: %w",
				t.bucket, t.cs.urls[0], t.creds, err)
		}
		return fmt.Errorf("bucket %s on %s: %w", t.bucket, t.cs.urls[0], err)
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(t.bucket)}
	if t.region != "" && t.region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(t.region),
		}
	}
	if _, err := c.CreateBucket(ctx, in); err != nil {
		if code, _ := errorCode(err); code == "BucketAlreadyOwnedByYou" {
			return nil
		}
		return fmt.Errorf("create bucket %s on %s: %w", t.bucket, t.cs.urls[0], err)
	}
	t.created = true
	return nil
}

// prepare uploads n objects before measuring; they are not measured. It stops at
// the first failure: a benchmark on a half-prepared set would mislead.
func (t *target) prepare(ctx context.Context, o *Options, n int, done *atomic.Int64) error {
	if n == 0 {
		return nil
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	size := o.objectSize()
	for range min(o.PrepareConcurrency, n) {
		wg.Go(func() {
			rng := newRand()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				sz := drawSize(rng, size)
				key := t.objectKey(i, sz)
				_, err := t.cs.pick().PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(t.bucket), Key: aws.String(key),
					Body: newPayload(keySeed(key), 0, sz), ContentLength: aws.Int64(sz),
				})
				if err != nil {
					errOnce.Do(func() { first = fmt.Errorf("prepare: upload %s: %w", key, err); cancel() })
					return
				}
				if o.Workload != WorkloadList {
					t.pool.add(key, sz)
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	t.seq.Store(int64(n))
	if first != nil {
		return first
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.Workload == WorkloadList {
		t.listed = n
	}
	return nil
}

// maxPoolSize is the least number of objects the prepared set may grow to.
const maxPoolSize = 100_000

// cleanupConcurrency is the number of delete requests in flight while cleaning up.
const cleanupConcurrency = 8

// cleanup removes the run's objects, its unfinished multipart uploads and, if the
// run created it, the bucket. It returns what it could not remove.
func (t *target) cleanup(ctx context.Context) error {
	var errs []error
	if err := t.abortUploads(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := t.deleteObjects(ctx); err != nil {
		errs = append(errs, err)
	}
	if t.created && len(errs) == 0 {
		if _, err := t.cs.pick().DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(t.bucket)}); err != nil {
			errs = append(errs, fmt.Errorf("delete bucket %s: %w", t.bucket, err))
		}
	}
	return errors.Join(errs...)
}

func (t *target) abortUploads(ctx context.Context) error {
	c := t.cs.pick()
	var keyMarker, idMarker *string
	for {
		out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{
			Bucket: aws.String(t.bucket), Prefix: aws.String(t.keyPrefix),
			KeyMarker: keyMarker, UploadIdMarker: idMarker,
		})
		if err != nil {
			if code, _ := errorCode(err); code == "NotImplemented" {
				return nil
			}
			return fmt.Errorf("list multipart uploads: %w", err)
		}
		for _, u := range out.Uploads {
			if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: aws.String(t.bucket), Key: u.Key, UploadId: u.UploadId,
			}); err != nil {
				return fmt.Errorf("abort multipart upload of %s: %w", aws.ToString(u.Key), err)
			}
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		keyMarker, idMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// deleteObjects lists the run's prefix and deletes every key, 1000 at a time with
// DeleteObjects, falling back to one DeleteObject per key where the service does
// not implement DeleteObjects.
func (t *target) deleteObjects(ctx context.Context) error {
	batches := make(chan []string)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if len(errs) < 5 {
			errs = append(errs, err)
		}
		mu.Unlock()
	}
	for range cleanupConcurrency {
		wg.Go(func() {
			for keys := range batches {
				if err := t.deleteBatch(ctx, keys); err != nil {
					fail(err)
				}
			}
		})
	}
	p := s3.NewListObjectsV2Paginator(t.cs.pick(), &s3.ListObjectsV2Input{
		Bucket: aws.String(t.bucket), Prefix: aws.String(t.keyPrefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			fail(fmt.Errorf("list %s/%s: %w", t.bucket, t.keyPrefix, err))
			break
		}
		keys := make([]string, 0, len(page.Contents))
		for _, obj := range page.Contents {
			keys = append(keys, aws.ToString(obj.Key))
		}
		if len(keys) > 0 {
			batches <- keys
		}
	}
	close(batches)
	wg.Wait()
	return errors.Join(errs...)
}

func (t *target) deleteBatch(ctx context.Context, keys []string) error {
	ids := make([]types.ObjectIdentifier, len(keys))
	for i, k := range keys {
		ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
	}
	out, err := t.cs.pick().DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(t.bucket),
		Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
	})
	if err != nil {
		if code, _ := errorCode(err); code != "NotImplemented" {
			return fmt.Errorf("delete objects: %w", err)
		}
		for _, k := range keys {
			if _, err := t.cs.pick().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(t.bucket), Key: aws.String(k)}); err != nil {
				return fmt.Errorf("delete %s: %w", k, err)
			}
		}
		return nil
	}
	if len(out.Errors) > 0 {
		e := out.Errors[0]
		return fmt.Errorf("delete objects: %d keys failed, first %s: %s %s",
			len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
	}
	return nil
}

// newRand returns a generator for one goroutine, seeded at random.
func newRand() *mrand.Rand {
	return mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
}

// drawSize picks an object size from r, uniformly.
func drawSize(rng *mrand.Rand, r SizeRange) int64 {
	if r.Fixed() {
		return r.Min
	}
	return r.Min + rng.Int64N(r.Max-r.Min+1)
}
