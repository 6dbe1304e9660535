package blob

import "github.com/cairnstore/cairn/blob/index"

// BucketUsage is what a bucket holds: its objects (current versions with data) and
// their bytes, every version with data and their bytes, and its delete markers.
type BucketUsage = index.BucketUsage

// ClusterBucketUsage sums the buckets' usage over the cluster from the nodes'
// Counts, counting each object once although every owner of its partition reports
// it: for each bucket and partition it takes the greatest figure any node reports
// (the owner that is furthest along), then sums the partitions. Owners converge by
// anti-entropy, so the maximum is the settled figure, and it stays right while one
// owner is down, behind, or still holds a partition it no longer owns after a layout
// change. A node that did not answer is simply left out of counts.
func ClusterBucketUsage(counts []Counts) map[string]BucketUsage {
	peak := map[string]map[int]BucketUsage{}
	for _, c := range counts {
		for bucket, parts := range c.Buckets {
			m := peak[bucket]
			if m == nil {
				m = map[int]BucketUsage{}
				peak[bucket] = m
			}
			for p, u := range parts {
				v := m[p]
				v.Max(u)
				m[p] = v
			}
		}
	}
	out := make(map[string]BucketUsage, len(peak))
	for bucket, parts := range peak {
		var sum BucketUsage
		for _, u := range parts {
			sum.Add(u)
		}
		out[bucket] = sum
	}
	return out
}
