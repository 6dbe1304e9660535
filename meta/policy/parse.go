package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cairnstore/cairn/meta/jsonkeys"
)

// Parse parses and validates a policy document, identity or bucket policy alike. It is
// strict: an unknown or misspelt field, a duplicate JSON key, an unknown Effect,
// operator or condition key, a malformed ARN, a statement without Action and
// NotAction... each is an error rather than something silently ignored, because an
// ignored part of a Deny is access granted. The error is a *ValidationError.
func Parse(data []byte) (*Policy, error) {
	doc, err := decodeDocument(data)
	if err != nil {
		return nil, err
	}
	return New(doc)
}

// ParseIdentityPolicy parses a policy to attach to users or groups: Parse, and no
// statement has a Principal or NotPrincipal.
func ParseIdentityPolicy(data []byte) (*Policy, error) {
	p, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if err := p.checkIdentity(); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseBucketPolicy parses the policy of bucket, as PutBucketPolicy receives it:
// Parse, and, as AWS requires, every statement has a Principal or NotPrincipal, its
// Action entries are S3 actions, and its Resource entries can only name the bucket or
// objects in it.
func ParseBucketPolicy(data []byte, bucket string) (*Policy, error) {
	p, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if err := p.checkBucket(bucket); err != nil {
		return nil, err
	}
	return p, nil
}

// MarshalJSON returns the policy as canonical JSON: fields in the order Version, Id,
// Statement; Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource,
// NotResource, Condition; Statement and every list as an array; condition operators
// and keys spelled canonically and sorted, their values as strings; a principal of
// everyone as "*". Parse(MarshalJSON()) gives back an equal policy.
func (p *Policy) MarshalJSON() ([]byte, error) {
	if len(p.doc.Statements) == 0 {
		return nil, errors.New("policy: cannot marshal a Policy that was not built by New or Parse")
	}
	type jsonStatement struct {
		Sid          string                         `json:"Sid,omitempty"`
		Effect       Effect                         `json:"Effect"`
		Principal    any                            `json:"Principal,omitempty"`
		NotPrincipal any                            `json:"NotPrincipal,omitempty"`
		Action       []string                       `json:"Action,omitempty"`
		NotAction    []string                       `json:"NotAction,omitempty"`
		Resource     []string                       `json:"Resource,omitempty"`
		NotResource  []string                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string][]string `json:"Condition,omitempty"`
	}
	type jsonPolicy struct {
		Version   string          `json:"Version"`
		ID        string          `json:"Id,omitempty"`
		Statement []jsonStatement `json:"Statement"`
	}
	out := jsonPolicy{Version: p.doc.Version, ID: p.doc.ID}
	for _, s := range p.doc.Statements {
		out.Statement = append(out.Statement, jsonStatement{
			Sid:          s.Sid,
			Effect:       s.Effect,
			Principal:    principalJSON(s.Principal),
			NotPrincipal: principalJSON(s.NotPrincipal),
			Action:       s.Action,
			NotAction:    s.NotAction,
			Resource:     s.Resource,
			NotResource:  s.NotResource,
			Condition:    s.Condition,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// UnmarshalJSON parses data with Parse and replaces p with the result.
func (p *Policy) UnmarshalJSON(data []byte) error {
	q, err := Parse(data)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// String returns the canonical JSON of the policy.
func (p *Policy) String() string {
	b, err := p.MarshalJSON()
	if err != nil {
		return "<invalid policy>"
	}
	return string(b)
}

// principalJSON is the canonical JSON value of a principal element.
func principalJSON(p *Principal) any {
	if p == nil {
		return nil
	}
	if len(p.AWS) == 1 && p.AWS[0] == "*" {
		return "*"
	}
	return map[string][]string{"AWS": p.AWS}
}

// decodeDocument decodes policy JSON into a Document, refusing unknown fields and
// values of the wrong JSON type. Field names are case-sensitive, as in AWS.
func decodeDocument(data []byte) (Document, error) {
	var doc Document
	if len(data) > MaxPolicySize {
		return doc, invalid("", "the document is %d bytes, more than the %d allowed", len(data), MaxPolicySize)
	}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		return doc, invalid("", "malformed JSON: %v", err)
	}
	if err := checkDuplicateKeys(data); err != nil {
		return doc, err
	}
	top, err := decodeObject(data, "", "a policy")
	if err != nil {
		return doc, err
	}
	for _, k := range sortedKeys(top) {
		raw := top[k]
		switch k {
		case "Version":
			doc.Version, err = decodeString(raw, "Version")
		case "Id":
			doc.ID, err = decodeString(raw, "Id")
		case "Statement":
			doc.Statements, err = decodeStatements(raw)
		default:
			err = invalid(k, "unknown field (a policy has Version, Id and Statement)")
		}
		if err != nil {
			return doc, err
		}
	}
	if _, ok := top["Statement"]; !ok {
		return doc, invalid("Statement", "missing Statement")
	}
	return doc, nil
}

// decodeStatements decodes the Statement element: one statement or an array of them.
func decodeStatements(raw json.RawMessage) ([]Statement, error) {
	var list []json.RawMessage
	switch firstByte(raw) {
	case '{':
		list = []json.RawMessage{raw}
	case '[':
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, invalid("Statement", "must be a statement or an array of statements")
		}
	default:
		return nil, invalid("Statement", "must be a statement or an array of statements")
	}
	out := make([]Statement, 0, len(list))
	for i, r := range list {
		s, err := decodeStatement(r, fmt.Sprintf("Statement[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// decodeStatement decodes one statement object.
func decodeStatement(raw json.RawMessage, field string) (Statement, error) {
	var s Statement
	m, err := decodeObject(raw, field, "a statement")
	if err != nil {
		return s, err
	}
	for _, k := range sortedKeys(m) {
		v, f := m[k], field+"."+k
		switch k {
		case "Sid":
			s.Sid, err = decodeString(v, f)
		case "Effect":
			var e string
			e, err = decodeString(v, f)
			s.Effect = Effect(e)
		case "Principal":
			s.Principal, err = decodePrincipal(v, f)
		case "NotPrincipal":
			s.NotPrincipal, err = decodePrincipal(v, f)
		case "Action":
			s.Action, err = decodeStrings(v, f)
		case "NotAction":
			s.NotAction, err = decodeStrings(v, f)
		case "Resource":
			s.Resource, err = decodeStrings(v, f)
		case "NotResource":
			s.NotResource, err = decodeStrings(v, f)
		case "Condition":
			s.Condition, err = decodeCondition(v, f)
		default:
			err = invalid(f, "unknown field (a statement has Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition)")
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// decodePrincipal decodes "*" or {"AWS": "..." | ["...", ...]}.
func decodePrincipal(raw json.RawMessage, field string) (*Principal, error) {
	if firstByte(raw) == '"' {
		s, err := decodeString(raw, field)
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, invalid(field, "must be \"*\" or {\"AWS\": [...]}, not %q", s)
		}
		return &Principal{AWS: []string{"*"}}, nil
	}
	m, err := decodeObject(raw, field, "\"*\" or {\"AWS\": [...]}")
	if err != nil {
		return nil, err
	}
	p := &Principal{}
	for _, k := range sortedKeys(m) {
		if k != "AWS" {
			return nil, invalid(field+"."+k, "unsupported principal type (Cairn has AWS principals: users and the account)")
		}
		if p.AWS, err = decodeStrings(m[k], field+".AWS"); err != nil {
			return nil, err
		}
	}
	if p.AWS == nil {
		return nil, invalid(field, "must have an AWS entry")
	}
	return p, nil
}

// decodeCondition decodes {operator: {key: value | [values]}}. A value may be a
// string, a number or a boolean; all become strings.
func decodeCondition(raw json.RawMessage, field string) (map[string]map[string][]string, error) {
	ops, err := decodeObject(raw, field, "an object of condition operators")
	if err != nil {
		return nil, err
	}
	out := make(map[string]map[string][]string, len(ops))
	for _, op := range sortedKeys(ops) {
		keys, err := decodeObject(ops[op], field+"."+op, "an object of condition keys")
		if err != nil {
			return nil, err
		}
		m := make(map[string][]string, len(keys))
		for _, k := range sortedKeys(keys) {
			f := field + "." + op + "." + k
			var items []json.RawMessage
			if firstByte(keys[k]) == '[' {
				if err := json.Unmarshal(keys[k], &items); err != nil {
					return nil, invalid(f, "malformed value list")
				}
			} else {
				items = []json.RawMessage{keys[k]}
			}
			vals := make([]string, 0, len(items))
			for _, it := range items {
				v, err := decodeScalar(it, f)
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
			}
			m[k] = vals
		}
		out[op] = m
	}
	return out, nil
}

// decodeScalar decodes a condition value: a string, a number (kept as written) or a
// boolean.
func decodeScalar(raw json.RawMessage, field string) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", invalid(field, "malformed value")
	}
	switch t := v.(type) {
	case string:
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	}
	return "", invalid(field, "a condition value must be a string, a number or a boolean")
}

// decodeObject decodes a JSON object into its members; what names the expected
// value in the error.
func decodeObject(raw json.RawMessage, field, what string) (map[string]json.RawMessage, error) {
	if firstByte(raw) != '{' {
		return nil, invalid(field, "must be %s (a JSON object)", what)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid(field, "must be %s (a JSON object)", what)
	}
	return m, nil
}

// decodeString decodes a JSON string.
func decodeString(raw json.RawMessage, field string) (string, error) {
	var s string
	if firstByte(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return "", invalid(field, "must be a string")
	}
	return s, nil
}

// decodeStrings decodes a string or an array of strings. An empty array gives an
// empty, non-nil slice, which validation refuses with its own message.
func decodeStrings(raw json.RawMessage, field string) ([]string, error) {
	switch firstByte(raw) {
	case '"':
		s, err := decodeString(raw, field)
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, invalid(field, "must be a string or an array of strings")
		}
		out := make([]string, 0, len(items))
		for i, it := range items {
			s, err := decodeString(it, fmt.Sprintf("%s[%d]", field, i))
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, invalid(field, "must be a string or an array of strings")
}

// firstByte returns the first non-space byte of raw, or 0.
func firstByte(raw []byte) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// checkDuplicateKeys refuses a JSON object with the same key twice: encoding/json
// keeps the last, another parser might keep the first, and a policy must mean one
// thing to everyone who reads it. data is valid JSON.
func checkDuplicateKeys(data []byte) error {
	key, dup, err := jsonkeys.Duplicate(data, false)
	if err != nil {
		return invalid("", "malformed JSON: %v", err)
	}
	if dup {
		return invalid("", "the key %q appears twice in one JSON object", key)
	}
	return nil
}
