package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cairnstore/cairn/s3api/s3err"
)

// PostPolicy is a verified browser-upload form.
type PostPolicy struct {
	// AccessKeyID is the key that signed the policy; empty for an anonymous form (one
	// with no policy and no signature fields).
	AccessKeyID string
	// MinSize and MaxSize are the content-length-range condition; MaxSize -1 when absent.
	// The caller enforces them on the file (EntityTooSmall, EntityTooLarge).
	MinSize, MaxSize int64
	// Expiration is the policy's expiration time; zero for an anonymous form.
	Expiration time.Time
}

// VerifyPostPolicy checks the signature of a POST policy form (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, Policy, X-Amz-Signature), that the policy has not
// expired, and that every field satisfies its conditions (eq, starts-with, and the
// bucket). fields holds every form field except the file, with names lower-cased.
//
// As AWS does, every field except x-amz-signature, file, policy and x-ignore-* must be
// named by some condition, and a form with none of the signature fields is anonymous.
// The key field must already have ${filename} replaced.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, bucket string, fields map[string]string) (*PostPolicy, error) {
	policyB64 := fields["policy"]
	required := []string{"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"}
	v4Fields := false
	for _, name := range required {
		v4Fields = v4Fields || fields[name] != ""
	}
	if !v4Fields && (fields["awsaccesskeyid"] != "" || fields["signature"] != "") {
		return v.verifyPostPolicyV2(ctx, bucket, fields)
	}
	if !v4Fields && policyB64 == "" {
		return &PostPolicy{MaxSize: -1}, nil
	}
	for _, name := range append([]string{"policy"}, required...) {
		if fields[name] == "" {
			return nil, s3err.Newf(s3err.InvalidArgument, "Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name).
				With("ArgumentName", name).With("ArgumentValue", "")
		}
	}
	if alg := fields["x-amz-algorithm"]; alg != algorithm {
		return nil, s3err.Newf(s3err.InvalidArgument, "X-Amz-Algorithm only supports \"%s\"", algorithm).
			With("ArgumentName", "x-amz-algorithm").With("ArgumentValue", alg)
	}
	cred, err := v.checkCredential(fields["x-amz-credential"], postCredErrors)
	if err != nil {
		return nil, err
	}
	if _, err := time.Parse(iso8601Basic, fields["x-amz-date"]); err != nil {
		return nil, s3err.Newf(s3err.InvalidArgument, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"").
			With("ArgumentName", "x-amz-date").With("ArgumentValue", fields["x-amz-date"])
	}
	sig := fields["x-amz-signature"]
	want, err := hex.DecodeString(sig)
	// The signature is lower-case hex, as in the Authorization header: an upper-case
	// copy is another string, refused as AWS refuses it.
	if err != nil || len(want) != 32 || strings.ToLower(sig) != sig {
		return nil, s3err.New(s3err.SignatureDoesNotMatch)
	}
	secret, err := v.secret(ctx, cred.accessKey)
	if err != nil {
		return nil, err
	}
	key := v.keys.signingKey(secret, cred.date, cred.region, cred.service)
	if !hmac.Equal(hmacSHA256(key, policyB64), want) {
		return nil, s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", cred.accessKey)
	}

	return v.checkPostPolicy(bucket, fields, policyB64, cred.accessKey, "x-amz-signature")
}

// verifyPostPolicyV2 checks a form signed with Signature Version 2 (AWSAccessKeyId,
// policy, signature = base64(HMAC-SHA1(secret, policy))), which boto3's
// generate_presigned_post produces by default.
func (v *Verifier) verifyPostPolicyV2(ctx context.Context, bucket string, fields map[string]string) (*PostPolicy, error) {
	for _, name := range []string{"awsaccesskeyid", "policy", "signature"} {
		if fields[name] == "" {
			return nil, s3err.Newf(s3err.InvalidArgument, "Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name).
				With("ArgumentName", name).With("ArgumentValue", "")
		}
	}
	accessKey := fields["awsaccesskeyid"]
	want, err := base64.StdEncoding.DecodeString(fields["signature"])
	if err != nil || len(want) != sha1.Size {
		return nil, s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", accessKey)
	}
	secret, err := v.secret(ctx, accessKey)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(fields["policy"]))
	if !hmac.Equal(m.Sum(nil), want) {
		return nil, s3err.New(s3err.SignatureDoesNotMatch).With("AWSAccessKeyId", accessKey)
	}
	return v.checkPostPolicy(bucket, fields, fields["policy"], accessKey, "signature", "awsaccesskeyid")
}

// checkPostPolicy checks a signed policy's expiry and conditions against the form's
// fields. Fields named in unsigned, file, policy and x-ignore-* need no condition.
func (v *Verifier) checkPostPolicy(bucket string, fields map[string]string, policyB64, accessKey string, unsigned ...string) (*PostPolicy, error) {
	pol, err := parsePolicy(policyB64)
	if err != nil {
		return nil, err
	}
	if v.now().After(pol.expiration) {
		return nil, s3err.Newf(s3err.AccessDenied, "Invalid according to Policy: Policy expired.")
	}
	pp := &PostPolicy{AccessKeyID: accessKey, MaxSize: -1, Expiration: pol.expiration}
	covered := make(map[string]bool)
	for _, c := range pol.conditions {
		if c.op == "content-length-range" {
			pp.MinSize = max(pp.MinSize, c.min)
			if pp.MaxSize < 0 || c.max < pp.MaxSize {
				pp.MaxSize = c.max
			}
			continue
		}
		covered[c.field] = true
		value, ok := fields[c.field]
		if c.field == "bucket" {
			value, ok = bucket, true
		}
		if !c.holds(value, ok) {
			return nil, s3err.Newf(s3err.AccessDenied, "Invalid according to Policy: Policy Condition failed: %s", c)
		}
	}
	var extra []string
	for name := range fields {
		switch {
		case slices.Contains(unsigned, name) || name == "file" || name == "policy" || strings.HasPrefix(name, "x-ignore-"):
		case !covered[name]:
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		return nil, s3err.Newf(s3err.AccessDenied, "Invalid according to Policy: Extra input fields: %s", strings.Join(extra, ", "))
	}
	return pp, nil
}

// policy is a decoded POST policy document.
type policy struct {
	expiration time.Time
	conditions []condition
}

// condition is one entry of the policy's conditions. field is lower-case, without '$'.
type condition struct {
	op       string // "eq", "starts-with" or "content-length-range"
	field    string
	orig     string // the field as the policy spells it, for messages
	value    string
	min, max int64
}

// String renders the condition the way AWS quotes it in error messages.
func (c condition) String() string {
	return fmt.Sprintf("[%q, %q, %q]", c.op, c.orig, c.value)
}

// holds reports whether a field's value (present tells whether it was sent) satisfies c.
func (c condition) holds(value string, present bool) bool {
	switch c.op {
	case "eq":
		return present && value == c.value
	case "starts-with":
		if c.value == "" {
			return true // any value, the field may even be absent
		}
		if !present {
			return false
		}
		if c.field == "content-type" {
			// AWS lets a multi-valued Content-Type ("a/b, c/d") match value by value.
			for part := range strings.SplitSeq(value, ",") {
				if !strings.HasPrefix(strings.TrimSpace(part), c.value) {
					return false
				}
			}
			return true
		}
		return strings.HasPrefix(value, c.value)
	}
	return false
}

func errPolicy(format string, args ...any) *s3err.Error {
	return s3err.Newf(s3err.InvalidPolicyDocument, "Invalid Policy: "+format, args...)
}

// parsePolicy decodes the base64 JSON policy.
func parsePolicy(b64 string) (*policy, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, b64))
	if err != nil {
		return nil, errPolicy("Invalid Base64 encoding.")
	}
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, errPolicy("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return nil, errPolicy("Policy missing expiration.")
	}
	exp, err := time.Parse(time.RFC3339Nano, *doc.Expiration)
	if err != nil {
		return nil, errPolicy("Invalid 'expiration' value: '%s'", *doc.Expiration)
	}
	p := &policy{expiration: exp}
	for _, rc := range doc.Conditions {
		cs, err := parseCondition(rc)
		if err != nil {
			return nil, err
		}
		p.conditions = append(p.conditions, cs...)
	}
	return p, nil
}

// parseCondition decodes {"field": "value"} (one exact match per member) or an array
// ["eq"|"starts-with", "$field", "value"] / ["content-length-range", min, max].
func parseCondition(rc json.RawMessage) ([]condition, error) {
	errCond := errPolicy("Invalid Condition: %s", compactJSON(rc))
	rc = bytes.TrimSpace(rc)
	if len(rc) == 0 {
		return nil, errCond
	}
	switch rc[0] {
	case '{':
		var m map[string]string
		if err := json.Unmarshal(rc, &m); err != nil || len(m) == 0 {
			return nil, errCond
		}
		cs := make([]condition, 0, len(m))
		for k, val := range m {
			cs = append(cs, condition{op: "eq", field: strings.ToLower(k), orig: "$" + k, value: val})
		}
		return cs, nil
	case '[':
		var arr []json.RawMessage
		if err := json.Unmarshal(rc, &arr); err != nil || len(arr) != 3 {
			return nil, errCond
		}
		var op string
		if err := json.Unmarshal(arr[0], &op); err != nil {
			return nil, errCond
		}
		switch op = strings.ToLower(op); op {
		case "eq", "starts-with":
			var field, val string
			if json.Unmarshal(arr[1], &field) != nil || json.Unmarshal(arr[2], &val) != nil || !strings.HasPrefix(field, "$") || len(field) < 2 {
				return nil, errCond
			}
			return []condition{{op: op, field: strings.ToLower(field[1:]), orig: field, value: val}}, nil
		case "content-length-range":
			lo, ok1 := jsonInt(arr[1])
			hi, ok2 := jsonInt(arr[2])
			if !ok1 || !ok2 || lo < 0 || hi < lo {
				return nil, errCond
			}
			return []condition{{op: op, min: lo, max: hi}}, nil
		}
	}
	return nil, errCond
}

// jsonInt reads a non-negative integer given as a JSON number or a string of digits.
func jsonInt(raw json.RawMessage) (int64, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
