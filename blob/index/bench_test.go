package index

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// benchRecord is a typical small object's record: headers, an ETag and one block.
func benchRecord(bucket, key string, hlc uint64) Record {
	return Record{
		Bucket: bucket, Key: key, HLC: hlc, Node: "node-1", Size: 1 << 20,
		ETag:   "9e107d9d372bb6826bd81d3542a419d6",
		Meta:   []byte(`{"h":{"ct":"application/octet-stream"},"u":{"owner":"bench"}}`),
		Blocks: []BlockRef{{Hash: Hash{byte(hlc), byte(hlc >> 8), byte(hlc >> 16)}, Size: 1 << 20}},
	}
}

// BenchmarkIndexPut measures durable record writes from many concurrent writers,
// which the group commit folds into shared fsyncs.
func BenchmarkIndexPut(b *testing.B) {
	x := openTest(b)
	ctx := context.Background()
	var n atomic.Uint64
	b.SetParallelism(16) // 16 × GOMAXPROCS writers, as behind a busy S3 front end
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := x.PutRecord(ctx, int(i%256), benchRecord("bench", fmt.Sprintf("obj/%09d", i), i)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkIndexPutSerial measures the latency of one writer alone: one commit, one
// fsync per record.
func BenchmarkIndexPutSerial(b *testing.B) {
	x := openTest(b)
	ctx := context.Background()
	for i := uint64(0); b.Loop(); i++ {
		if _, err := x.PutRecord(ctx, int(i%256), benchRecord("bench", fmt.Sprintf("obj/%09d", i), i+1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoltBatchSerial is the alternative the index does not use: bbolt's own
// db.Batch, whose timer (10 ms by default) a lone writer waits out on every write.
func BenchmarkBoltBatchSerial(b *testing.B) {
	x := openTest(b)
	for i := uint64(0); b.Loop(); i++ {
		r := benchRecord("bench", fmt.Sprintf("obj/%09d", i), i+1)
		k, v := versionKey(int(i%256), r.Bucket, r.Key, r.HLC, r.Node), encodeRecord(&r)
		if err := x.db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(versionsBucket).Put(k, v) }); err != nil {
			b.Fatal(err)
		}
	}
}

// load writes n records of one bucket spread over 256 partitions, in bulk.
func load(b *testing.B, x *Index, n int) {
	b.Helper()
	for start := 0; start < n; start += 10000 {
		err := x.db.Update(func(tx *bolt.Tx) error {
			bk := tx.Bucket(versionsBucket)
			for i := start; i < min(start+10000, n); i++ {
				r := benchRecord("bench", fmt.Sprintf("obj/%09d", i), uint64(i+1))
				if err := bk.Put(versionKey(i%256, r.Bucket, r.Key, r.HLC, r.Node), encodeRecord(&r)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexGet measures a point read of the newest record of a key among 100k.
func BenchmarkIndexGet(b *testing.B) {
	x := openTest(b)
	load(b, x, 100_000)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		k := (i * 7919) % 100_000
		if _, err := x.GetRecord(ctx, k%256, "bench", fmt.Sprintf("obj/%09d", k)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexList measures the first round of a page of 1000 keys out of 100k
// spread over 256 partitions, read as the object layer reads it: a batch of 6 from
// every partition, in one transaction (the coordinator's merge is benchmarked in
// package blob).
func BenchmarkIndexList(b *testing.B) {
	x := openTest(b)
	load(b, x, 100_000)
	ctx := context.Background()
	partitions := make([]int, 256)
	for i := range partitions {
		partitions[i] = i
	}
	for i := 0; b.Loop(); i++ {
		after := fmt.Sprintf("obj/%09d", (i*1000)%99_000)
		batches, err := x.List(ctx, partitions, ListQuery{Bucket: "bench", Prefix: "obj/", Pos: Position{After: after}, Limit: 6})
		if err != nil {
			b.Fatal(err)
		}
		total := 0
		for _, bt := range batches {
			total += len(bt.Entries)
		}
		if total < 1000 {
			b.Fatalf("listed %d", total)
		}
	}
}

// BenchmarkIndexStats measures the walk behind blob.Store.Counts (record counts and
// per-bucket usage) over 100,000 records in 4 buckets; ns/op divided by 100,000 is
// the cost per record.
func BenchmarkIndexStats(b *testing.B) {
	x := openTest(b)
	const records = 100_000
	err := x.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(versionsBucket)
		for i := uint64(0); i < records; i++ {
			r := benchRecord(fmt.Sprint("bucket-", i%4), fmt.Sprintf("obj/%09d", i), i+1)
			if err := bk.Put(versionKey(int(i%256), r.Bucket, r.Key, r.HLC, r.Node), encodeRecord(&r)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		st, err := x.Stats(ctx)
		if err != nil || st.Versions != records {
			b.Fatal(st.Versions, err)
		}
	}
}
