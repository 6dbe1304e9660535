// Package bench_test measures PUT and GET through aws-sdk-go-v2 over real HTTP against
// an in-process node (cmd/node/nodetest). They are benchmarks only, run with -bench:
//
//	go test ./tests/bench -run '^$' -bench . -benchtime 3s
//
// Each reports throughput (b.SetBytes: MB/s) and ops/s. The client uses the SDK's
// default configuration, checksums included, with one change: the HTTP transport keeps
// up to 64 idle connections per host (the SDK's default is 10), so that the parallel
// benchmarks measure requests rather than connection set-up.
package bench_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/cmd/node/nodetest"
)

// parallelism multiplies GOMAXPROCS to give the number of client goroutines of the
// parallel benchmarks: a store waits on disks and sockets, so more requests in flight
// than CPUs is the realistic load.
const parallelism = 8

// setup starts a node, creates a bucket and returns a client for it.
func setup(b *testing.B) (*s3.Client, string) {
	b.Helper()
	n := nodetest.Start(b)
	access, secret := n.RootCredentials()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(access, secret, "")),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = 64
		})),
	)
	if err != nil {
		b.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(n.S3URL())
		o.UsePathStyle = true
	})
	const bucket = "bench"
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		b.Fatalf("CreateBucket: %v", err)
	}
	return client, bucket
}

// randomBytes returns n random bytes.
func randomBytes(b *testing.B, n int) []byte {
	b.Helper()
	p := make([]byte, n)
	if _, err := rand.Read(p); err != nil {
		b.Fatal(err)
	}
	return p
}

// stamp writes v every 64 KiB of p, so that each PUT stores new blocks instead of
// finding the previous ones (blocks are content-addressed and deduplicated).
func stamp(p []byte, v uint64) {
	for off := 0; off+8 <= len(p); off += 64 << 10 {
		binary.LittleEndian.PutUint64(p[off:], v)
	}
}

// reportOps adds an ops/s metric.
func reportOps(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "ops/s")
	}
}

func put(b *testing.B, client *s3.Client, bucket, key string, body []byte) {
	_, err := client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		b.Errorf("PUT %s: %v", key, err)
	}
}

func get(b *testing.B, client *s3.Client, bucket, key string, size int) bool {
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		b.Errorf("GET %s: %v", key, err)
		return false
	}
	n, err := io.Copy(io.Discard, out.Body)
	out.Body.Close()
	if err != nil || n != int64(size) {
		b.Errorf("GET %s: %d of %d bytes: %v", key, n, size, err)
		return false
	}
	return true
}

// BenchmarkPut4KiB writes new 4 KiB objects (inlined in their records) from parallel
// clients.
func BenchmarkPut4KiB(b *testing.B) {
	client, bucket := setup(b)
	const size = 4 << 10
	var seq atomic.Uint64
	b.SetBytes(size)
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		body := make([]byte, size)
		_, _ = rand.Read(body)
		for pb.Next() {
			i := seq.Add(1)
			stamp(body, i)
			put(b, client, bucket, fmt.Sprintf("put4k/%08d", i), body)
		}
	})
	reportOps(b)
}

// BenchmarkGet4KiB reads 4 KiB objects, chosen at random among 256, from parallel
// clients.
func BenchmarkGet4KiB(b *testing.B) {
	client, bucket := setup(b)
	const size, objects = 4 << 10, 256
	body := randomBytes(b, size)
	for i := range objects {
		stamp(body, uint64(i))
		put(b, client, bucket, fmt.Sprintf("get4k/%04d", i), body)
	}
	if b.Failed() {
		b.FailNow()
	}
	b.SetBytes(size)
	b.SetParallelism(parallelism)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := mrand.New(mrand.NewPCG(mrand.Uint64(), 0))
		for pb.Next() {
			if !get(b, client, bucket, fmt.Sprintf("get4k/%04d", rng.IntN(objects)), size) {
				return
			}
		}
	})
	reportOps(b)
}

// BenchmarkPut16MiB writes new 16 MiB objects (16 blocks of 1 MiB) one at a time.
func BenchmarkPut16MiB(b *testing.B) {
	client, bucket := setup(b)
	const size = 16 << 20
	body := randomBytes(b, size)
	b.SetBytes(size)
	b.ResetTimer()
	for i := range b.N {
		stamp(body, uint64(i))
		put(b, client, bucket, fmt.Sprintf("put16m/%06d", i), body)
		if b.Failed() {
			b.FailNow()
		}
	}
	reportOps(b)
}

// BenchmarkGet16MiB reads one 16 MiB object, one GET at a time.
func BenchmarkGet16MiB(b *testing.B) {
	client, bucket := setup(b)
	const size = 16 << 20
	put(b, client, bucket, "get16m", randomBytes(b, size))
	if b.Failed() {
		b.FailNow()
	}
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if !get(b, client, bucket, "get16m", size) {
			b.FailNow()
		}
	}
	reportOps(b)
}
