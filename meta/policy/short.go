package policy

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Action groups of the short form.
const (
	// GroupList lists a bucket: s3:ListBucket, s3:ListBucketVersions and
	// s3:ListBucketMultipartUploads (limited to the prefix, if any, by a StringLike
	// condition on s3:prefix), and s3:GetBucketLocation. On bucket "*" it also grants
	// s3:ListAllMyBuckets.
	GroupList = "list"
	// GroupRead reads objects: s3:GetObject, s3:GetObjectVersion, s3:GetObjectAcl,
	// s3:GetObjectTagging.
	GroupRead = "read"
	// GroupWrite writes objects: s3:PutObject (which covers multipart uploads and
	// copies), s3:PutObjectTagging, s3:AbortMultipartUpload,
	// s3:ListMultipartUploadParts. It does not change ACLs.
	GroupWrite = "write"
	// GroupDelete deletes objects: s3:DeleteObject, s3:DeleteObjectVersion,
	// s3:DeleteObjectTagging.
	GroupDelete = "delete"
	// GroupAll is s3:* on the bucket and its objects, bucket configuration and bucket
	// policy included; "*" is a synonym. With a prefix it is list, read, write and
	// delete limited to the prefix.
	GroupAll = "all"
)

// MaxShortPrefix is the longest prefix of a short-form entry, in bytes: the longest
// S3 key.
const MaxShortPrefix = 1024

// GroupActions returns the actions of a short-form action group (GroupList, ...), a
// new slice on every call, or false for an unknown group.
func GroupActions(group string) ([]string, bool) {
	switch asciiLower(group) {
	case GroupList:
		return []string{ActionListBucket, ActionListBucketVersions, ActionListBucketMultipartUploads, ActionGetBucketLocation}, true
	case GroupRead:
		return []string{ActionGetObject, ActionGetObjectVersion, ActionGetObjectACL, ActionGetObjectTagging}, true
	case GroupWrite:
		return []string{ActionPutObject, ActionPutObjectTagging, ActionAbortMultipartUpload, ActionListMultipartUploadParts}, true
	case GroupDelete:
		return []string{ActionDeleteObject, ActionDeleteObjectVersion, ActionDeleteObjectTagging}, true
	case GroupAll, "*":
		return []string{"s3:*"}, true
	}
	return nil, false
}

// ParseShort converts the short form, a list of grants such as
//
//	[{"bucket": "photos", "actions": ["list", "read"], "prefix": "2024/"}]
//
// into a full identity policy (Version 2012-10-17, Allow statements only). Each entry
// has "bucket" (a bucket name, or "*" for every bucket), "actions" (groups: list,
// read, write, delete, all or *) and an optional "prefix" that limits the grant to
// keys beginning with it. A single entry may be given without the array. The prefix
// is taken literally: a '*' in it is no wildcard. The error is a *ValidationError.
func ParseShort(data []byte) (*Policy, error) {
	if len(data) > MaxPolicySize {
		return nil, invalid("", "the document is %d bytes, more than the %d allowed", len(data), MaxPolicySize)
	}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, invalid("", "malformed JSON: %v", err)
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	switch firstByte(data) {
	case '{':
		raws = []json.RawMessage{data}
	case '[':
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, invalid("", "the short form is an array of grants")
		}
	default:
		return nil, invalid("", "the short form is an array of grants, e.g. [{\"bucket\": \"photos\", \"actions\": [\"read\"]}]")
	}
	if len(raws) == 0 {
		return nil, invalid("", "the short form needs at least one grant")
	}
	var stmts []Statement
	for i, raw := range raws {
		e, err := decodeShortEntry(raw, fmt.Sprintf("[%d]", i))
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, e.statements(i)...)
	}
	return New(Document{Version: Version2012, Statements: stmts})
}

// shortEntry is one grant of the short form, decoded and checked.
type shortEntry struct {
	bucket                         string
	prefix                         string
	list, read, write, delete, all bool
}

// decodeShortEntry decodes and checks one grant.
func decodeShortEntry(raw json.RawMessage, field string) (shortEntry, error) {
	var e shortEntry
	m, err := decodeObject(raw, field, "a grant: {\"bucket\": ..., \"actions\": [...], \"prefix\": ...}")
	if err != nil {
		return e, err
	}
	var actions []string
	for _, k := range sortedKeys(m) {
		f := field + "." + k
		switch k {
		case "bucket":
			e.bucket, err = decodeString(m[k], f)
		case "prefix":
			e.prefix, err = decodeString(m[k], f)
		case "actions":
			actions, err = decodeStrings(m[k], f)
		default:
			err = invalid(f, "unknown field (a grant has bucket, actions and prefix)")
		}
		if err != nil {
			return e, err
		}
	}
	switch {
	case e.bucket == "":
		return e, invalid(field+".bucket", "missing bucket (a bucket name, or \"*\" for every bucket)")
	case e.bucket != "*" && !validBucketName(e.bucket):
		return e, invalid(field+".bucket", "%q is not a bucket name", e.bucket)
	case len(e.prefix) > MaxShortPrefix:
		return e, invalid(field+".prefix", "longer than %d bytes", MaxShortPrefix)
	case !utf8.ValidString(e.prefix):
		return e, invalid(field+".prefix", "not valid UTF-8")
	case len(actions) == 0:
		return e, invalid(field+".actions", "missing actions (groups: list, read, write, delete, all)")
	}
	for j, a := range actions {
		switch asciiLower(a) {
		case GroupList:
			e.list = true
		case GroupRead:
			e.read = true
		case GroupWrite:
			e.write = true
		case GroupDelete:
			e.delete = true
		case GroupAll, "*":
			e.all = true
		default:
			return e, invalid(fmt.Sprintf("%s.actions[%d]", field, j), "unknown action group %q (groups: list, read, write, delete, all)", a)
		}
	}
	if e.all && e.prefix != "" {
		// s3:* on a prefix would mean nothing for bucket-level actions: grant what
		// can be limited to the prefix.
		e.list, e.read, e.write, e.delete, e.all = true, true, true, true, false
	}
	return e, nil
}

// statements returns the Allow statements of entry i.
func (e shortEntry) statements(i int) []Statement {
	bucketARN := BucketARN(e.bucket)
	if e.all {
		res := []string{bucketARN, bucketARN + "/*"}
		if e.bucket == "*" {
			res = res[:1] // arn:aws:s3:::* covers every bucket and object
		}
		return []Statement{{Sid: fmt.Sprintf("Grant%dAll", i), Effect: EffectAllow, Action: []string{"s3:*"}, Resource: res}}
	}
	var out []Statement
	prefix := escapeLiteral(e.prefix)
	if e.list {
		listing := []string{ActionListBucket, ActionListBucketVersions, ActionListBucketMultipartUploads}
		other := []string{ActionGetBucketLocation}
		if e.bucket == "*" {
			other = append(other, ActionListAllMyBuckets)
		}
		if e.prefix == "" {
			out = append(out, Statement{Sid: fmt.Sprintf("Grant%dList", i), Effect: EffectAllow,
				Action: append(listing, other...), Resource: []string{bucketARN}})
		} else {
			out = append(out,
				Statement{Sid: fmt.Sprintf("Grant%dBucket", i), Effect: EffectAllow,
					Action: other, Resource: []string{bucketARN}},
				Statement{Sid: fmt.Sprintf("Grant%dList", i), Effect: EffectAllow,
					Action: listing, Resource: []string{bucketARN},
					Condition: map[string]map[string][]string{"StringLike": {KeyPrefix: {prefix + "*"}}}})
		}
	}
	var objects []string
	for _, g := range []struct {
		on    bool
		group string
	}{{e.read, GroupRead}, {e.write, GroupWrite}, {e.delete, GroupDelete}} {
		if g.on {
			acts, _ := GroupActions(g.group)
			objects = append(objects, acts...)
		}
	}
	if len(objects) > 0 {
		out = append(out, Statement{Sid: fmt.Sprintf("Grant%dObjects", i), Effect: EffectAllow,
			Action: objects, Resource: []string{bucketARN + "/" + prefix + "*"}})
	}
	return out
}

// escapeLiteral writes s so that a pattern of Version 2012-10-17 matches it literally:
// '*', '?' and '$' become ${*}, ${?} and ${$}.
func escapeLiteral(s string) string {
	if !strings.ContainsAny(s, "*?$") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '$':
			b.WriteString("${")
			b.WriteRune(r)
			b.WriteString("}")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// validBucketName applies S3's naming rules: 3 to 63 lower-case letters, digits, dots
// and hyphens, beginning and ending with a letter or digit.
func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case (c == '.' || c == '-') && i > 0 && i < len(b)-1:
		default:
			return false
		}
	}
	return true
}
