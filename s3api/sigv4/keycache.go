package sigv4

import (
	"sync"
)

// keyCacheSize bounds the derived-key cache. A key is valid for one day, region and
// service, so a busy server needs about one entry per active access key.
const keyCacheSize = 4096

// keyCache memoizes signing keys, which take four HMACs to derive.
type keyCache struct {
	mu sync.Mutex
	m  map[keyCacheKey][]byte
}

type keyCacheKey struct{ secret, date, region, service string }

// signingKey returns HMAC chain "AWS4"+secret → date → region → service → aws4_request.
func (c *keyCache) signingKey(secret, date, region, service string) []byte {
	k := keyCacheKey{secret, date, region, service}
	c.mu.Lock()
	key, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return key
	}
	key = deriveKey(secret, date, region, service)
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[keyCacheKey][]byte)
	}
	if len(c.m) >= keyCacheSize {
		// Evict an arbitrary entry: map iteration order is random.
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = key
	c.mu.Unlock()
	return key
}

func deriveKey(secret, date, region, service string) []byte {
	key := hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, service)
	return hmacSHA256(key, scopeTerminal)
}
