package meta

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// S3's limits on bucket tags. Lengths are in characters (runes), not bytes.
const (
	// MaxBucketTags is the most tags a bucket may have.
	MaxBucketTags = 50
	// MaxTagKeyLength is the longest tag key; a key has at least one character.
	MaxTagKeyLength = 128
	// MaxTagValueLength is the longest tag value; a value may be empty.
	MaxTagValueLength = 256
	// ReservedTagPrefix begins the keys of AWS's system tags, which no one may set.
	// It is matched without regard to case.
	ReservedTagPrefix = "aws:"
)

// PutBucketTags replaces a bucket's tags; an empty map removes them. The tags must
// follow S3's rules (checkBucketTags), else the error wraps ErrInvalidTag and says
// which tag is at fault. ErrNoSuchBucket if the bucket does not exist. The tags are
// deleted with the bucket.
func (m *Meta) PutBucketTags(ctx context.Context, bucket string, tags map[string]string) error {
	if err := checkBucketTags(tags); err != nil {
		return err
	}
	return m.applySetting(ctx, BucketTagsSet{Bucket: bucket, Tags: tags})
}

// BucketTags returns a copy of a bucket's tags, an empty map if it has none;
// ErrNoSuchBucket if the bucket does not exist (a local miss is confirmed against the
// leader, as Bucket does). Tags put through another node an instant ago may not be
// seen yet.
func (m *Meta) BucketTags(ctx context.Context, bucket string) (map[string]string, error) {
	b, err := m.Bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	if b.Tags == nil {
		return map[string]string{}, nil
	}
	return b.Tags, nil // Bucket returns a copy
}

// DeleteBucketTags removes a bucket's tags; a bucket without tags is a no-op, as S3.
// ErrNoSuchBucket if the bucket does not exist.
func (m *Meta) DeleteBucketTags(ctx context.Context, bucket string) error {
	return m.applySetting(ctx, BucketTagsSet{Bucket: bucket})
}

// checkBucketTags applies S3's rules for bucket tags: at most MaxBucketTags; keys of
// 1 to MaxTagKeyLength characters that do not start with ReservedTagPrefix; values
// of at most MaxTagValueLength characters; valid UTF-8 throughout. Keys are unique
// by construction (a map); a caller that parses a list checks for duplicates. The
// error wraps ErrInvalidTag.
func checkBucketTags(tags map[string]string) error {
	if len(tags) > MaxBucketTags {
		return fmt.Errorf("%w: %d tags, at most %d are allowed", ErrInvalidTag, len(tags), MaxBucketTags)
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) { // the same tag is reported every time
		v := tags[k]
		switch n := utf8.RuneCountInString(k); {
		case !utf8.ValidString(k):
			return fmt.Errorf("%w: a tag key is not valid UTF-8", ErrInvalidTag)
		case n == 0 || n > MaxTagKeyLength:
			return fmt.Errorf("%w: the key %q has %d characters; a key has 1 to %d", ErrInvalidTag, k, n, MaxTagKeyLength)
		case strings.HasPrefix(strings.ToLower(k), ReservedTagPrefix):
			return fmt.Errorf("%w: the key %q starts with the reserved prefix %q", ErrInvalidTag, k, ReservedTagPrefix)
		case !utf8.ValidString(v):
			return fmt.Errorf("%w: the value of %q is not valid UTF-8", ErrInvalidTag, k)
		case utf8.RuneCountInString(v) > MaxTagValueLength:
			return fmt.Errorf("%w: the value of %q has %d characters; a value has at most %d", ErrInvalidTag, k, utf8.RuneCountInString(v), MaxTagValueLength)
		}
	}
	return nil
}
