package blob

import "github.com/cairnstore/cairn/blob/index"

// BucketUsage is what a bucket holds: its objects (current versions with data) and
// their bytes, every version with data and their bytes, and its delete markers.
type BucketUsage = index.BucketUsage

// ClusterBucketUsage sums the buckets' usage over the cluster from the nodes'
// Counts, counting each object once although every owner of its partition reports
// it. For each bucket and partition it takes the figures of the owner that has seen
// the newest change there (the greatest PartUsage.Latest; among equals, the
// greatest figures), then sums the partitions. An owner that missed a write or a
// removal is behind in time, so its figures, whether too low or too high, are not
// taken; owners converge by anti-entropy, after which they all report the same.
// This stays right while one owner is down or behind, or still holds a partition it
// no longer owns after a layout change. A node that did not answer is simply left
// out of counts.
func ClusterBucketUsage(counts []Counts) map[string]BucketUsage {
	best := map[string]map[int]index.PartUsage{}
	for _, c := range counts {
		for bucket, parts := range c.Buckets {
			m := best[bucket]
			if m == nil {
				m = map[int]index.PartUsage{}
				best[bucket] = m
			}
			for p, u := range parts {
				v, seen := m[p]
				switch {
				case !seen || u.Latest > v.Latest:
					m[p] = u
				case u.Latest == v.Latest:
					v.Max(u.BucketUsage)
					m[p] = v
				}
			}
		}
	}
	out := make(map[string]BucketUsage, len(best))
	for bucket, parts := range best {
		var sum BucketUsage
		for _, u := range parts {
			sum.Add(u.BucketUsage)
		}
		out[bucket] = sum
	}
	return out
}
