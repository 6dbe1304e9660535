package console

import (
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// listCache keeps folder pages (ListObjectsV2 answers) for a short time, so that
// paging back and forth or reloading a large folder does not list it again. An
// entry belongs to one access key, since what a listing shows depends on who asks;
// every write the console makes to a bucket (uploads through /s3/ included) drops
// that bucket's entries, so the console's own changes show at once. Changes made
// elsewhere (the S3 port, another node) show within the lifetime; a policy change
// that revokes a listing, too.
type listCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[listKey]listEntry
}

// listKey names one page of one folder as seen by one access key.
type listKey struct {
	accessKey, bucket, prefix, token string
	size                             int
}

type listEntry struct {
	out     *s3.ListObjectsV2Output
	expires time.Time
}

// newListCache returns a cache of ttl (0: no caching) holding at most max pages.
func newListCache(ttl time.Duration, max int, now func() time.Time) *listCache {
	return &listCache{ttl: ttl, max: max, now: now, entries: map[listKey]listEntry{}}
}

// get returns the cached page of k, if any and fresh.
func (lc *listCache) get(k listKey) *s3.ListObjectsV2Output {
	if lc.ttl <= 0 {
		return nil
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.entries[k]
	if !ok || !lc.now().Before(e.expires) {
		delete(lc.entries, k)
		return nil
	}
	return e.out
}

// put caches a page; when full it first drops the expired pages, then (if still
// full) all of them: the cache is a short-lived convenience, never a store.
func (lc *listCache) put(k listKey, out *s3.ListObjectsV2Output) {
	if lc.ttl <= 0 {
		return
	}
	now := lc.now()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if len(lc.entries) >= lc.max {
		for key, e := range lc.entries {
			if !now.Before(e.expires) {
				delete(lc.entries, key)
			}
		}
		if len(lc.entries) >= lc.max {
			clear(lc.entries)
		}
	}
	lc.entries[k] = listEntry{out: out, expires: now.Add(lc.ttl)}
}

// invalidate drops every cached page of bucket, for every user.
func (lc *listCache) invalidate(bucket string) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for k := range lc.entries {
		if k.bucket == bucket {
			delete(lc.entries, k)
		}
	}
}
