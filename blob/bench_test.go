package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/cairnstore/cairn/blob/index"
)

// benchStore opens a store with the default block size and inline limit.
func benchStore(b *testing.B) *Store {
	return openStore(b, Config{NodeID: "node-1", Dir: b.TempDir(), GCInterval: -1, Logger: slog.New(slog.DiscardHandler)})
}

func BenchmarkPutObject(b *testing.B) {
	for _, size := range []int{100, 4 << 10, 16 << 20} {
		b.Run(byteSize(size), func(b *testing.B) {
			s := benchStore(b)
			data := randBytes(size, 1)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				copy(data, fmt.Sprintf("%016d", i)) // a new first block each time: no dedup
				_, err := s.PutObject(context.Background(), PutInput{Bucket: "bench", Key: fmt.Sprintf("obj-%d", i), Body: bytes.NewReader(data)})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetObject(b *testing.B) {
	for _, size := range []int{100, 4 << 10, 16 << 20} {
		b.Run(byteSize(size), func(b *testing.B) {
			s := benchStore(b)
			ctx := context.Background()
			put(b, s, "bench", "obj", randBytes(size, 1))
			b.SetBytes(int64(size))
			for b.Loop() {
				o, err := s.OpenObject(ctx, "bench", "obj")
				if err != nil {
					b.Fatal(err)
				}
				r, err := o.NewReader(ctx, 0, -1)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}

// BenchmarkListObjects lists a page of 1000 keys out of 100k spread over 256
// partitions.
func BenchmarkListObjects(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	const n = 100_000
	pl, _ := s.placement()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			key := fmt.Sprintf("obj/%07d", i)
			r := index.Record{Bucket: "bench", Key: key, HLC: uint64(i + 1), Node: "node-1", Size: 1, ETag: "e",
				Meta: encodeObjectMeta(objectMeta{Headers: Headers{ContentType: "text/plain"}}), Inline: []byte("x")}
			if err := s.putRecord(ctx, pl, pl.l.ObjectPartition("bench", key), r); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	for i := 0; b.Loop(); i++ {
		res, err := s.ListObjects(ctx, ListInput{Bucket: "bench", After: fmt.Sprintf("obj/%07d", (i*1000)%(n-1000)), Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Objects) != 1000 {
			b.Fatalf("listed %d", len(res.Objects))
		}
	}
}

// BenchmarkListObjectVersions lists all of 100k versions (10k keys of 10 versions
// each, over 256 partitions) in pages of 1000, as ListObjectVersions does, and reports
// versions listed per second.
func BenchmarkListObjectVersions(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	const keys, perKey = 10_000, 10
	pl, _ := s.placement()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for i := range keys * perKey {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			key := fmt.Sprintf("obj/%07d", i/perKey)
			r := index.Record{Bucket: "bench", Key: key, HLC: uint64(i + 1), Node: "node-1", Size: 1, ETag: "e", Versioned: true,
				Meta: encodeObjectMeta(objectMeta{Headers: Headers{ContentType: "text/plain"}}), Inline: []byte("x")}
			if err := s.putRecord(ctx, pl, pl.l.ObjectPartition("bench", key), r); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	listed := 0
	for b.Loop() {
		in := ListVersionsInput{Bucket: "bench", Limit: 1000}
		n := 0
		for {
			res, err := s.ListObjectVersions(ctx, in)
			if err != nil {
				b.Fatal(err)
			}
			n += len(res.Versions)
			if !res.IsTruncated {
				break
			}
			in.KeyMarker, in.VersionIDMarker = res.NextKeyMarker, res.NextVersionIDMarker
		}
		if n != keys*perKey {
			b.Fatalf("listed %d versions", n)
		}
		listed += n
	}
	b.ReportMetric(float64(listed)/b.Elapsed().Seconds(), "versions/s")
}

func byteSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	if n >= 1<<10 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
