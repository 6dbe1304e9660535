package blob

import (
	"fmt"
	"strings"
)

// maxKeyLen bounds object keys well inside the index's key size limit; S3 itself caps
// keys at 1024 bytes.
const maxKeyLen = 8 << 10

// checkNames rejects a bucket or object key the index cannot hold: empty, too long or
// containing NUL (the index's separator).
func checkNames(bucket, key string) error {
	if bucket == "" || strings.IndexByte(bucket, 0) >= 0 {
		return fmt.Errorf("%w: bucket name %q", ErrInvalidKey, bucket)
	}
	if key == "" || len(key) > maxKeyLen || strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// checkBucket rejects a bucket name the index cannot hold.
func checkBucket(bucket string) error {
	if bucket == "" || strings.IndexByte(bucket, 0) >= 0 {
		return fmt.Errorf("%w: bucket name %q", ErrInvalidKey, bucket)
	}
	return nil
}
