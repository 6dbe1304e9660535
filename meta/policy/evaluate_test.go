package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// doc wraps statements (JSON objects) into a 2012-10-17 policy document.
func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// kv builds a condition context from key, value pairs; a key may repeat to give
// several values.
func kv(pairs ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = append(m[pairs[i]], pairs[i+1])
	}
	return m
}

// where names what decided: "identity P.S", "bucket S", "root" or "none".
func where(d Decision) string {
	switch d.Source {
	case SourceIdentity:
		return fmt.Sprintf("identity %d.%d", d.Policy, d.Statement)
	case SourceBucket:
		return fmt.Sprintf("bucket %d", d.Statement)
	case SourceRoot:
		return "root"
	}
	return "none"
}

const (
	photo  = "arn:aws:s3:::photos/2024/a.jpg"
	photos = "arn:aws:s3:::photos"

	allowGet       = `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	allowAllS3     = `{"Effect":"Allow","Action":"s3:*","Resource":"*"}`
	denyGet        = `{"Sid":"NoGet","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	publicRead     = `{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	publicReadAWS  = `{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	bucketDenyGet  = `{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
	bucketAllowAli = `{"Effect":"Allow","Principal":{"AWS":["alice"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`
)

type evalCase struct {
	name     string
	identity []string // identity policy documents
	bucket   string   // bucket policy of "photos", or ""
	req      Request
	want     Result
	by       string // optional: what decided, as where() prints it
}

// user, anon and root build requests.
func user(name, action, resource string, conds map[string][]string) Request {
	return Request{Action: action, Resource: resource, Principal: name, Conditions: conds}
}
func anon(action, resource string, conds map[string][]string) Request {
	return Request{Action: action, Resource: resource, Conditions: conds}
}
func root(action, resource string) Request {
	return Request{Action: action, Resource: resource, Principal: "admin", IsRoot: true}
}

// withCond returns an identity policy allowing s3:GetObject on photos under one
// condition block.
func withCond(cond string) string {
	return doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*","Condition":` + cond + `}`)
}

// denyUnless returns an identity policy allowing everything and denying GetObject
// under one condition block.
func denyWhen(cond string) []string {
	return []string{doc(allowAllS3, `{"Sid":"Guard","Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":`+cond+`}`)}
}

func evalCases() []evalCase {
	get := func(conds map[string][]string) Request { return user("alice", "s3:GetObject", photo, conds) }
	return []evalCase{
		// Basics.
		{name: "identity allow", identity: []string{doc(allowGet)}, req: get(nil), want: Allow, by: "identity 0.0"},
		{name: "no policy at all", req: get(nil), want: ImplicitDeny, by: "none"},
		{name: "other action", identity: []string{doc(allowGet)}, req: user("alice", "s3:PutObject", photo, nil), want: ImplicitDeny},
		{name: "other bucket", identity: []string{doc(allowGet)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::videos/a", nil), want: ImplicitDeny},
		{name: "nil identity policy is skipped", identity: []string{""}, req: get(nil), want: ImplicitDeny},
		{name: "empty action refused even for root", req: root("", photo), want: ImplicitDeny},

		// Actions: case, wildcards.
		{name: "action case-insensitive", identity: []string{doc(`{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}`)}, req: get(nil), want: Allow},
		{name: "action trailing star", identity: []string{doc(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`)}, req: user("alice", "s3:GetObjectAcl", photo, nil), want: Allow},
		{name: "action trailing star no match", identity: []string{doc(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`)}, req: user("alice", "s3:PutObject", photo, nil), want: ImplicitDeny},
		{name: "action question mark", identity: []string{doc(`{"Effect":"Allow","Action":"s3:?etObject","Resource":"*"}`)}, req: get(nil), want: Allow},
		{name: "action mid-string star", identity: []string{doc(`{"Effect":"Allow","Action":["s3:*Object"],"Resource":"*"}`)}, req: user("alice", "s3:DeleteObject", photo, nil), want: Allow},
		{name: "action mid-string star no match", identity: []string{doc(`{"Effect":"Allow","Action":["s3:*Object"],"Resource":"*"}`)}, req: user("alice", "s3:ListBucket", photos, nil), want: ImplicitDeny},
		{name: "action star covers admin", identity: []string{doc(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, req: user("alice", "admin:ListUsers", AdminARN("cluster"), nil), want: Allow},
		{name: "admin star", identity: []string{doc(`{"Effect":"Allow","Action":"admin:*","Resource":"arn:cairn:admin:::*"}`)}, req: user("ops", "admin:CreateUser", AdminARN("user/bob"), nil), want: Allow},
		{name: "admin star is not s3", identity: []string{doc(`{"Effect":"Allow","Action":"admin:*","Resource":"*"}`)}, req: get(nil), want: ImplicitDeny},
		{name: "second action of a list", identity: []string{doc(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}`)}, req: get(nil), want: Allow},

		// Resources: wildcards and prefixes.
		{name: "resource star spans slashes", identity: []string{doc(allowGet)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/a/b/c/d.jpg", nil), want: Allow},
		{name: "object pattern is not the bucket", identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`)}, req: user("alice", "s3:ListBucket", photos, nil), want: ImplicitDeny},
		{name: "prefix-scoped resource in", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/2024/*"}`)}, req: get(nil), want: Allow},
		{name: "prefix-scoped resource out", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/2024/*"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/2023/a.jpg", nil), want: ImplicitDeny},
		{name: "prefix needs the slash", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/2024/*"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/2024", nil), want: ImplicitDeny},
		{name: "resource question mark", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/202?/*"}`)}, req: get(nil), want: Allow},
		{name: "resource question mark is one character", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/202?/*"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/20245/a", nil), want: ImplicitDeny},
		{name: "resource mid-string star", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs-*/app/*.gz"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::logs-eu/app/2024/x.gz", nil), want: Allow},
		{name: "resource mid-string star no match", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs-*/app/*.gz"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::logs-eu/db/x.gz", nil), want: ImplicitDeny},
		{name: "resource is case-sensitive", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::Photos/*"}`)}, req: get(nil), want: ImplicitDeny},
		{name: "key star is literal in the request", identity: []string{doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/a"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/*", nil), want: ImplicitDeny},
		{name: "all buckets ARN for ListAllMyBuckets", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::*"}`)}, req: user("alice", ActionListAllMyBuckets, AllBucketsARN, nil), want: Allow},
		{name: "bucket grant does not list all buckets", identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos"}`)}, req: user("alice", ActionListAllMyBuckets, AllBucketsARN, nil), want: ImplicitDeny},

		// NotAction, NotResource.
		{name: "NotAction allows the rest", identity: []string{doc(`{"Effect":"Allow","NotAction":"s3:Delete*","Resource":"arn:aws:s3:::photos/*"}`)}, req: get(nil), want: Allow},
		{name: "NotAction excludes", identity: []string{doc(`{"Effect":"Allow","NotAction":"s3:Delete*","Resource":"arn:aws:s3:::photos/*"}`)}, req: user("alice", "s3:DeleteObject", photo, nil), want: ImplicitDeny},
		{name: "NotResource deny hits outside", identity: []string{doc(allowAllS3, `{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::photos/public/*"}`)}, req: get(nil), want: ExplicitDeny, by: "identity 0.1"},
		{name: "NotResource deny spares inside", identity: []string{doc(allowAllS3, `{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::photos/public/*"}`)}, req: user("alice", "s3:GetObject", "arn:aws:s3:::photos/public/x", nil), want: Allow, by: "identity 0.0"},

		// Deny overrides Allow.
		{name: "deny in same policy", identity: []string{doc(allowAllS3, denyGet)}, req: get(nil), want: ExplicitDeny, by: "identity 0.1"},
		{name: "deny in a later policy", identity: []string{doc(allowAllS3), doc(denyGet)}, req: get(nil), want: ExplicitDeny, by: "identity 1.0"},
		{name: "deny first, allow after", identity: []string{doc(denyGet, allowAllS3)}, req: get(nil), want: ExplicitDeny},
		{name: "bucket deny beats identity allow", identity: []string{doc(allowAllS3)}, bucket: doc(bucketDenyGet), req: get(nil), want: ExplicitDeny, by: "bucket 0"},
		{name: "identity deny beats bucket allow", identity: []string{doc(denyGet)}, bucket: doc(bucketAllowAli), req: get(nil), want: ExplicitDeny, by: "identity 0.0"},
		{name: "bucket allow alone", bucket: doc(bucketAllowAli), req: get(nil), want: Allow, by: "bucket 0"},
		{name: "bucket allow names someone else", bucket: doc(bucketAllowAli), req: user("bob", "s3:GetObject", photo, nil), want: ImplicitDeny},
		{name: "bucket allow by user ARN any account", bucket: doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: get(nil), want: Allow},
		{name: "bucket allow by user ARN with path", bucket: doc(`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/team/alice"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: get(nil), want: Allow},
		{name: "bucket deny on account denies users", identity: []string{doc(allowAllS3)}, bucket: doc(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: get(nil), want: ExplicitDeny},
		{name: "bucket allow on account does not grant users", bucket: doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: get(nil), want: ImplicitDeny},
		{name: "NotPrincipal deny hits others", identity: []string{doc(allowAllS3)}, bucket: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["alice"]},"Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}`), req: user("bob", "s3:GetObject", photo, nil), want: ExplicitDeny},
		{name: "NotPrincipal deny spares the named", identity: []string{doc(allowAllS3)}, bucket: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":["alice"]},"Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}`), req: get(nil), want: Allow, by: "identity 0.0"},
		{name: "NotPrincipal deny hits anonymous", bucket: doc(publicRead, `{"Effect":"Deny","NotPrincipal":{"AWS":["alice"]},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*"}`), req: anon("s3:GetObject", photo, nil), want: ExplicitDeny, by: "bucket 1"},

		// Anonymous requests.
		{name: "anonymous read by public policy", bucket: doc(publicRead), req: anon("s3:GetObject", photo, nil), want: Allow, by: "bucket 0"},
		{name: "anonymous read by AWS star", bucket: doc(publicReadAWS), req: anon("s3:GetObject", photo, nil), want: Allow},
		{name: "anonymous write refused", bucket: doc(publicRead), req: anon("s3:PutObject", photo, nil), want: ImplicitDeny},
		{name: "anonymous list refused", bucket: doc(publicRead), req: anon("s3:ListBucket", photos, nil), want: ImplicitDeny},
		{name: "anonymous without bucket policy", req: anon("s3:GetObject", photo, nil), want: ImplicitDeny},
		{name: "anonymous not named user", bucket: doc(bucketAllowAli), req: anon("s3:GetObject", photo, nil), want: ImplicitDeny},
		{name: "anonymous ignores identity policies", identity: []string{doc(allowAllS3)}, req: anon("s3:GetObject", photo, nil), want: ImplicitDeny},
		{name: "anonymous over plain HTTP denied", bucket: doc(publicRead, `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::photos/*","Condition":{"Bool":{"aws:SecureTransport":false}}}`), req: anon("s3:GetObject", photo, kv(KeySecureTransport, "false")), want: ExplicitDeny, by: "bucket 1"},
		{name: "anonymous principal type", bucket: doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*","Condition":{"StringEquals":{"aws:PrincipalType":"Anonymous"}}}`), req: anon("s3:GetObject", photo, nil), want: Allow},

		// Root.
		{name: "root without policies", req: root("s3:DeleteBucket", photos), want: Allow, by: "root"},
		{name: "root ignores identity deny", identity: []string{doc(denyGet)}, req: root("s3:GetObject", photo), want: Allow, by: "root"},
		{name: "root denied by bucket star", bucket: doc(bucketDenyGet), req: root("s3:GetObject", photo), want: ExplicitDeny, by: "bucket 0"},
		{name: "root may always delete the bucket policy", bucket: doc(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"]}`), req: root("s3:DeleteBucketPolicy", photos), want: Allow, by: "root"},
		{name: "root not named by bucket deny", bucket: doc(`{"Effect":"Deny","Principal":{"AWS":"bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: root("s3:GetObject", photo), want: Allow},
		{name: "root denied by account ARN", bucket: doc(`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: root("s3:GetObject", photo), want: ExplicitDeny},
		{name: "root spared by NotPrincipal account", bucket: doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`), req: root("s3:GetObject", photo), want: Allow},

		// IpAddress, NotIpAddress.
		{name: "IpAddress CIDR v4 in", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(kv(KeySourceIP, "10.1.2.3")), want: Allow},
		{name: "IpAddress CIDR v4 out", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(kv(KeySourceIP, "192.168.1.1")), want: ImplicitDeny},
		{name: "IpAddress CIDR v6 in", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}`)}, req: get(kv(KeySourceIP, "2001:db8:1::5")), want: Allow},
		{name: "IpAddress CIDR v6 out", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}`)}, req: get(kv(KeySourceIP, "2001:db9::5")), want: ImplicitDeny},
		{name: "IpAddress bare IP", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`)}, req: get(kv(KeySourceIP, "203.0.113.7")), want: Allow},
		{name: "IpAddress v4-mapped v6 source", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(kv(KeySourceIP, "::ffff:10.9.9.9")), want: Allow},
		{name: "IpAddress key missing", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(nil), want: ImplicitDeny},
		{name: "IpAddress garbage source", identity: []string{withCond(`{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(kv(KeySourceIP, "10.1.2.3:5000")), want: ImplicitDeny},
		{name: "NotIpAddress deny outside", identity: denyWhen(`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","fd00::/8"]}}`), req: get(kv(KeySourceIP, "198.51.100.1")), want: ExplicitDeny, by: "identity 0.1"},
		{name: "NotIpAddress deny spares inside v6", identity: denyWhen(`{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","fd00::/8"]}}`), req: get(kv(KeySourceIP, "fd12::1")), want: Allow},

		// Bool.
		{name: "SecureTransport deny on HTTP", identity: denyWhen(`{"Bool":{"aws:SecureTransport":"false"}}`), req: get(kv(KeySecureTransport, "false")), want: ExplicitDeny},
		{name: "SecureTransport HTTPS passes", identity: denyWhen(`{"Bool":{"aws:SecureTransport":"false"}}`), req: get(kv(KeySecureTransport, "true")), want: Allow},
		{name: "SecureTransport allow needs TLS", identity: []string{withCond(`{"Bool":{"aws:SecureTransport":true}}`)}, req: get(kv(KeySecureTransport, "false")), want: ImplicitDeny},

		// Dates.
		{name: "DateLessThan before", identity: []string{withCond(`{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}`)}, req: get(kv(KeyCurrentTime, "2024-06-01T12:00:00Z")), want: Allow},
		{name: "DateLessThan after", identity: []string{withCond(`{"DateLessThan":{"aws:CurrentTime":"2025-01-01T00:00:00Z"}}`)}, req: get(kv(KeyCurrentTime, "2025-06-01T12:00:00Z")), want: ImplicitDeny},
		{name: "DateGreaterThan after", identity: []string{withCond(`{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}`)}, req: get(kv(KeyCurrentTime, "2024-06-01T12:00:00+02:00")), want: Allow},
		{name: "DateGreaterThan before", identity: []string{withCond(`{"DateGreaterThan":{"aws:CurrentTime":"2024-01-01"}}`)}, req: get(kv(KeyCurrentTime, "2023-12-31T23:59:59Z")), want: ImplicitDeny},
		{name: "date window on EpochTime", identity: []string{withCond(`{"DateGreaterThanEquals":{"aws:EpochTime":"1700000000"},"DateLessThanEquals":{"aws:EpochTime":"2024-01-01T00:00:00Z"}}`)}, req: get(kv(KeyEpochTime, "1700000000")), want: Allow},
		{name: "DateEquals", identity: []string{withCond(`{"DateEquals":{"aws:CurrentTime":"2024-05-01T00:00:00Z"}}`)}, req: get(kv(KeyCurrentTime, "2024-05-01T02:00:00+02:00")), want: Allow},
		{name: "DateNotEquals", identity: []string{withCond(`{"DateNotEquals":{"aws:CurrentTime":"2024-05-01T00:00:00Z"}}`)}, req: get(kv(KeyCurrentTime, "2024-05-01T00:00:00Z")), want: ImplicitDeny},

		// Numbers.
		{name: "max-keys at the limit", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"NumericLessThanEquals":{"s3:max-keys":100}}}`)}, req: user("alice", "s3:ListBucket", photos, kv(KeyMaxKeys, "100")), want: Allow},
		{name: "max-keys over the limit", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"NumericLessThanEquals":{"s3:max-keys":"100"}}}`)}, req: user("alice", "s3:ListBucket", photos, kv(KeyMaxKeys, "1000")), want: ImplicitDeny},
		{name: "NumericLessThan", identity: []string{withCond(`{"NumericLessThan":{"s3:max-keys":"10"}}`)}, req: get(kv(KeyMaxKeys, "10")), want: ImplicitDeny},
		{name: "NumericGreaterThan", identity: []string{withCond(`{"NumericGreaterThan":{"s3:max-keys":"10"}}`)}, req: get(kv(KeyMaxKeys, "10.5")), want: Allow},
		{name: "NumericGreaterThanEquals", identity: []string{withCond(`{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`)}, req: get(kv(KeyMaxKeys, "9")), want: ImplicitDeny},
		{name: "NumericEquals any of", identity: []string{withCond(`{"NumericEquals":{"s3:max-keys":["10","20"]}}`)}, req: get(kv(KeyMaxKeys, "20")), want: Allow},
		{name: "NumericNotEquals none of", identity: []string{withCond(`{"NumericNotEquals":{"s3:max-keys":["10","20"]}}`)}, req: get(kv(KeyMaxKeys, "20")), want: ImplicitDeny},
		{name: "numeric garbage request value", identity: []string{withCond(`{"NumericLessThan":{"s3:max-keys":"10"}}`)}, req: get(kv(KeyMaxKeys, "five")), want: ImplicitDeny},

		// Strings.
		{name: "StringLike prefix in", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/alice/*"]}}}`)}, req: user("alice", "s3:ListBucket", photos, kv(KeyPrefix, "home/alice/docs/")), want: Allow},
		{name: "StringLike prefix out", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/alice/*"]}}}`)}, req: user("alice", "s3:ListBucket", photos, kv(KeyPrefix, "home/bob/")), want: ImplicitDeny},
		{name: "StringNotLike", identity: denyWhen(`{"StringNotLike":{"aws:UserAgent":"aws-cli/*"}}`), req: get(kv(KeyUserAgent, "curl/8.0")), want: ExplicitDeny},
		{name: "StringEquals aws:username from principal", identity: []string{withCond(`{"StringEquals":{"aws:username":"alice"}}`)}, req: get(nil), want: Allow},
		{name: "StringEquals aws:username other user", identity: []string{withCond(`{"StringEquals":{"aws:username":"alice"}}`)}, req: user("bob", "s3:GetObject", photo, kv(KeyUsername, "alice")), want: ImplicitDeny},
		{name: "username variable in resource", identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}`)}, req: user("alice", "s3:PutObject", "arn:aws:s3:::photos/home/alice/x", nil), want: Allow},
		{name: "username variable in resource other home", identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}`)}, req: user("alice", "s3:PutObject", "arn:aws:s3:::photos/home/bob/x", nil), want: ImplicitDeny},
		{name: "username variable is literal", identity: []string{doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}`)}, req: user("a*", "s3:PutObject", "arn:aws:s3:::photos/home/abc/x", nil), want: ImplicitDeny},
		{name: "username variable in condition", identity: []string{doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}`)}, req: user("alice", "s3:ListBucket", photos, kv(KeyPrefix, "home/alice/")), want: Allow},
		{name: "variable unresolved for anonymous", bucket: doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${aws:username}/*"}`), req: anon("s3:GetObject", "arn:aws:s3:::photos//x", nil), want: ImplicitDeny},
		{name: "variable default value", bucket: doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/${aws:username, 'public'}/*"}`), req: anon("s3:GetObject", "arn:aws:s3:::photos/public/x", nil), want: Allow},
		{name: "StringEqualsIgnoreCase", identity: []string{withCond(`{"StringEqualsIgnoreCase":{"aws:Referer":"https://Example.com/"}}`)}, req: get(kv(KeyReferer, "HTTPS://EXAMPLE.COM/")), want: Allow},
		{name: "StringNotEqualsIgnoreCase", identity: []string{withCond(`{"StringNotEqualsIgnoreCase":{"aws:Referer":"https://example.com/"}}`)}, req: get(kv(KeyReferer, "https://EXAMPLE.com/")), want: ImplicitDeny},
		{name: "StringNotEquals present and different", identity: denyWhen(`{"StringNotEquals":{"s3:x-amz-acl":"private"}}`), req: get(kv(KeyACL, "public-read")), want: ExplicitDeny},
		{name: "StringNotEquals present and equal", identity: denyWhen(`{"StringNotEquals":{"s3:x-amz-acl":"private"}}`), req: get(kv(KeyACL, "private")), want: Allow},
		{name: "StringNotEquals missing key holds (AWS)", identity: denyWhen(`{"StringNotEquals":{"s3:x-amz-acl":"private"}}`), req: get(nil), want: ExplicitDeny},
		{name: "StringEquals missing key fails", identity: []string{withCond(`{"StringEquals":{"s3:x-amz-acl":"private"}}`)}, req: get(nil), want: ImplicitDeny},
		{name: "other keys: userid, signature, auth type, sha256", identity: []string{withCond(`{"StringEquals":{"aws:userid":"AIDA1","s3:signatureversion":"AWS4-HMAC-SHA256","s3:authType":"REST-HEADER","s3:x-amz-content-sha256":"UNSIGNED-PAYLOAD","s3:delimiter":"/"}}`)}, req: get(kv(KeyUserID, "AIDA1", KeySignatureVersion, "AWS4-HMAC-SHA256", KeyAuthType, "REST-HEADER", KeyContentSHA256, "UNSIGNED-PAYLOAD", KeyDelimiter, "/")), want: Allow},
		{name: "keys in one operator are ANDed", identity: []string{withCond(`{"StringEquals":{"s3:prefix":"a/","s3:delimiter":"/"}}`)}, req: get(kv(KeyPrefix, "a/")), want: ImplicitDeny},
		{name: "values of a key are ORed", identity: []string{withCond(`{"StringEquals":{"s3:prefix":["a/","b/"]}}`)}, req: get(kv(KeyPrefix, "b/")), want: Allow},
		{name: "operators are ANDed", identity: []string{withCond(`{"StringEquals":{"s3:prefix":"a/"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(kv(KeyPrefix, "a/", KeySourceIP, "11.0.0.1")), want: ImplicitDeny},
		{name: "policy key name case-insensitive", identity: []string{withCond(`{"IpAddress":{"AWS:SOURCEIP":"10.0.0.0/8"}}`)}, req: get(kv(KeySourceIP, "10.0.0.1")), want: Allow},
		{name: "caller key spelling case-insensitive", identity: denyWhen(`{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`), req: get(kv("AWS:sourceip", "8.8.8.8")), want: ExplicitDeny},

		// Object tags.
		{name: "ExistingObjectTag equal", identity: []string{withCond(`{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}`)}, req: get(kv(ExistingObjectTagKey("class"), "public")), want: Allow},
		{name: "ExistingObjectTag different", identity: []string{withCond(`{"StringEquals":{"s3:ExistingObjectTag/class":"public"}}`)}, req: get(kv(ExistingObjectTagKey("class"), "secret")), want: ImplicitDeny},
		{name: "ExistingObjectTag name is case-sensitive", identity: []string{withCond(`{"StringEquals":{"s3:existingobjecttag/Class":"public"}}`)}, req: get(kv(ExistingObjectTagKey("class"), "public")), want: ImplicitDeny},
		{name: "RequestObjectTag deny", identity: []string{doc(allowAllS3, `{"Effect":"Deny","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"s3:RequestObjectTag/class":"secret"}}}`)}, req: user("alice", "s3:PutObject", photo, kv(RequestObjectTagKey("class"), "secret")), want: ExplicitDeny},

		// IfExists and Null.
		{name: "IfExists missing key holds", identity: []string{withCond(`{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}`)}, req: get(nil), want: Allow},
		{name: "IfExists present key is checked", identity: []string{withCond(`{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}`)}, req: get(kv(KeyACL, "public-read")), want: ImplicitDeny},
		{name: "IpAddressIfExists missing", identity: []string{withCond(`{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}`)}, req: get(nil), want: Allow},
		{name: "Null true on missing key", identity: denyWhen(`{"Null":{"s3:x-amz-acl":"true"}}`), req: get(nil), want: ExplicitDeny},
		{name: "Null true on present key", identity: denyWhen(`{"Null":{"s3:x-amz-acl":"true"}}`), req: get(kv(KeyACL, "private")), want: Allow},
		{name: "Null false on present key", identity: []string{withCond(`{"Null":{"aws:SourceIp":false}}`)}, req: get(kv(KeySourceIP, "10.0.0.1")), want: Allow},
		{name: "Null false on missing key", identity: []string{withCond(`{"Null":{"aws:SourceIp":false}}`)}, req: get(nil), want: ImplicitDeny},

		// Set qualifiers.
		{name: "ForAnyValue one matches", identity: []string{withCond(`{"ForAnyValue:StringEquals":{"s3:RequestObjectTag/team":["red","blue"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "green", RequestObjectTagKey("team"), "blue")), want: Allow},
		{name: "ForAnyValue none matches", identity: []string{withCond(`{"ForAnyValue:StringEquals":{"s3:RequestObjectTag/team":["red","blue"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "green")), want: ImplicitDeny},
		{name: "ForAnyValue missing key", identity: []string{withCond(`{"ForAnyValue:StringEquals":{"s3:RequestObjectTag/team":["red"]}}`)}, req: get(nil), want: ImplicitDeny},
		{name: "ForAllValues all match", identity: []string{withCond(`{"ForAllValues:StringLike":{"s3:RequestObjectTag/team":["r*","blue"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "red", RequestObjectTagKey("team"), "blue")), want: Allow},
		{name: "ForAllValues one does not", identity: []string{withCond(`{"ForAllValues:StringLike":{"s3:RequestObjectTag/team":["r*","blue"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "red", RequestObjectTagKey("team"), "green")), want: ImplicitDeny},
		{name: "ForAllValues missing key holds", identity: []string{withCond(`{"ForAllValues:StringEquals":{"s3:RequestObjectTag/team":["red"]}}`)}, req: get(nil), want: Allow},
		{name: "ForAnyValue negated", identity: []string{withCond(`{"ForAnyValue:StringNotEquals":{"s3:RequestObjectTag/team":["red"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "red", RequestObjectTagKey("team"), "blue")), want: Allow},
		{name: "ForAllValues negated", identity: []string{withCond(`{"ForAllValues:StringNotEquals":{"s3:RequestObjectTag/team":["red"]}}`)}, req: get(kv(RequestObjectTagKey("team"), "red", RequestObjectTagKey("team"), "blue")), want: ImplicitDeny},
	}
}

func TestEvaluate(t *testing.T) {
	cases := evalCases()
	require.GreaterOrEqual(t, len(cases), 50)
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "duplicate case name %q", tc.name)
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			var ids []*Policy
			for _, src := range tc.identity {
				if src == "" {
					ids = append(ids, nil)
					continue
				}
				p, err := ParseIdentityPolicy([]byte(src))
				require.NoError(t, err)
				ids = append(ids, p)
			}
			var bp *Policy
			if tc.bucket != "" {
				var err error
				bp, err = ParseBucketPolicy([]byte(tc.bucket), "photos")
				require.NoError(t, err)
			}
			d := Evaluate(tc.req, ids, bp)
			require.Equal(t, tc.want, d.Result, "decision: %s", d)
			require.Equal(t, d.Result == Allow, d.Allowed())
			if tc.by != "" {
				require.Equal(t, tc.by, where(d), "decision: %s", d)
			}
			if d.Result == ImplicitDeny {
				require.Equal(t, "none", where(d))
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	p, err := ParseIdentityPolicy([]byte(doc(allowAllS3, denyGet)))
	require.NoError(t, err)
	d := Evaluate(user("alice", "s3:GetObject", photo, nil), []*Policy{p}, nil)
	require.Equal(t, `ExplicitDeny by identity policy 0, statement 1 (Sid "NoGet")`, d.String())
	b, err := ParseBucketPolicy([]byte(doc(publicRead)), "photos")
	require.NoError(t, err)
	d = Evaluate(anon("s3:GetObject", photo, nil), nil, b)
	require.Equal(t, `Allow by bucket policy statement 0 (Sid "Public")`, d.String())
	require.Equal(t, "Allow for the account root", Evaluate(root("s3:GetObject", photo), nil, nil).String())
	require.Equal(t, "ImplicitDeny: no statement allows the request", Evaluate(anon("s3:GetObject", photo, nil), nil, nil).String())
	require.Equal(t, ImplicitDeny, Decision{}.Result, "the zero Decision refuses")
	require.False(t, Decision{}.Allowed())
}

// TestEvaluateZeroPolicy: a Policy that was not built by New or Parse allows nothing.
func TestEvaluateZeroPolicy(t *testing.T) {
	d := Evaluate(user("alice", "s3:GetObject", photo, nil), []*Policy{{}}, &Policy{})
	require.Equal(t, ImplicitDeny, d.Result)
}

// TestEvaluateDoesNotModifyConditions: Evaluate reads the request only.
func TestEvaluateDoesNotModifyConditions(t *testing.T) {
	p, err := ParseIdentityPolicy([]byte(withCond(`{"StringEquals":{"aws:username":"alice"}}`)))
	require.NoError(t, err)
	conds := kv(KeySourceIP, "10.0.0.1")
	require.True(t, Evaluate(user("alice", "s3:GetObject", photo, conds), []*Policy{p}, nil).Allowed())
	require.Equal(t, kv(KeySourceIP, "10.0.0.1"), conds)
}

// benchmarkPolicies builds a realistic set: a user with three identity policies
// (twelve statements, wildcards, a variable, conditions) and a bucket policy with a
// public prefix, a TLS guard and an IP guard.
func benchmarkPolicies(b *testing.B) ([]*Policy, *Policy) {
	ids := []string{
		doc(
			`{"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::home/${aws:username}/*"}`,
			`{"Sid":"ListHome","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::home","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}`,
			`{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}`,
			`{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}`,
		),
		doc(
			`{"Sid":"TeamRead","Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":["arn:aws:s3:::team-*","arn:aws:s3:::team-*/*"]}`,
			`{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::uploads/*","Condition":{"NumericLessThanEquals":{"s3:max-keys":"1000"}}}`,
			`{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::secrets/*"}`,
			`{"Effect":"Allow","Action":"admin:Get*","Resource":"arn:cairn:admin:::*"}`,
		),
		doc(
			`{"Sid":"Photos","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::photos/2024/*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}`,
			`{"Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::photos/*","Condition":{"StringNotEquals":{"s3:ExistingObjectTag/owner":"${aws:username}"}}}`,
			`{"Effect":"Allow","Action":"s3:PutObjectTagging","Resource":"arn:aws:s3:::photos/*"}`,
			`{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		),
	}
	var out []*Policy
	for _, src := range ids {
		p, err := ParseIdentityPolicy([]byte(src))
		require.NoError(b, err)
		out = append(out, p)
	}
	bp, err := ParseBucketPolicy([]byte(doc(
		`{"Sid":"PublicThumbs","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/thumbs/*"}`,
		`{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::photos","arn:aws:s3:::photos/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Sid":"Office","Effect":"Deny","Principal":{"AWS":["mallory","arn:aws:iam::*:user/eve"]},"Action":"s3:*","Resource":"arn:aws:s3:::photos/*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}`,
	)), "photos")
	require.NoError(b, err)
	return out, bp
}

func BenchmarkEvaluate(b *testing.B) {
	ids, bp := benchmarkPolicies(b)
	req := Request{
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::photos/2024/06/img_0042.jpg",
		Principal: "alice",
		Conditions: map[string][]string{
			KeySourceIP:                   {"10.20.30.40"},
			KeySecureTransport:            {"true"},
			KeyCurrentTime:                {"2024-06-01T12:00:00Z"},
			KeyEpochTime:                  {"1717243200"},
			KeyUserAgent:                  {"aws-sdk-go-v2/1.30"},
			KeySignatureVersion:           {"AWS4-HMAC-SHA256"},
			KeyAuthType:                   {"REST-HEADER"},
			ExistingObjectTagKey("owner"): {"alice"},
		},
	}
	require.True(b, Evaluate(req, ids, bp).Allowed())
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(req, ids, bp)
	}
}

func BenchmarkEvaluateAnonymous(b *testing.B) {
	ids, bp := benchmarkPolicies(b)
	_ = ids
	req := Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::photos/thumbs/a.jpg",
		Conditions: map[string][]string{KeySecureTransport: {"true"}, KeySourceIP: {"198.51.100.1"}}}
	require.True(b, Evaluate(req, nil, bp).Allowed())
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(req, nil, bp)
	}
}
