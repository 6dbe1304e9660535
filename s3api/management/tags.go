package management

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// S3's limits on bucket tags.
const (
	maxTags        = 50
	maxTagKeyLen   = 128 // characters
	maxTagValueLen = 256 // characters
)

// checkTags validates tags by S3's rules and returns them as a map: at most 50, keys
// of 1–128 characters that are unique and do not start with "aws:", values of at
// most 256 characters.
func checkTags(tags []Tag) (map[string]string, error) {
	if len(tags) > maxTags {
		return nil, errorf(BadRequest, "A bucket has at most %d tags; %d were given.", maxTags, len(tags))
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case !utf8.ValidString(t.Key) || !utf8.ValidString(t.Value):
			return nil, errorf(BadRequest, "Tag keys and values must be UTF-8.")
		case n == 0 || n > maxTagKeyLen:
			return nil, errorf(BadRequest, "A tag key has 1 to %d characters.", maxTagKeyLen)
		case utf8.RuneCountInString(t.Value) > maxTagValueLen:
			return nil, errorf(BadRequest, "A tag value has at most %d characters (key %q).", maxTagValueLen, t.Key)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, errorf(BadRequest, "Tag keys starting with \"aws:\" are reserved (key %q).", t.Key)
		}
		if _, dup := out[t.Key]; dup {
			return nil, errorf(BadRequest, "The tag key %q is given twice.", t.Key)
		}
		out[t.Key] = t.Value
	}
	return out, nil
}

// tagList turns a tag map into a list sorted by key, never nil.
func tagList(tags map[string]string) []Tag {
	out := make([]Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, Tag{Key: k, Value: tags[k]})
	}
	return out
}
