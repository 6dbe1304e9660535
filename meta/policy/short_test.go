package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseShortCanonical(t *testing.T) {
	p, err := ParseShort([]byte(`[{"bucket": "photos", "actions": ["list", "read"], "prefix": "2024/"}]`))
	require.NoError(t, err)
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Grant0Bucket","Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::photos"]},` +
		`{"Sid":"Grant0List","Effect":"Allow","Action":["s3:ListBucket","s3:ListBucketVersions","s3:ListBucketMultipartUploads"],"Resource":["arn:aws:s3:::photos"],"Condition":{"StringLike":{"s3:prefix":["2024/*"]}}},` +
		`{"Sid":"Grant0Objects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:GetObjectAcl","s3:GetObjectTagging"],"Resource":["arn:aws:s3:::photos/2024/*"]}]}`
	require.Equal(t, want, p.String())

	// The full form parses back as an identity policy.
	q, err := ParseIdentityPolicy([]byte(p.String()))
	require.NoError(t, err)
	require.Equal(t, want, q.String())
}

// TestParseShortGrants evaluates requests against short-form policies.
func TestParseShortGrants(t *testing.T) {
	cases := []struct {
		name  string
		short string
		req   Request
		want  bool
	}{
		{"list in prefix", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:ListBucket", photos, kv(KeyPrefix, "2024/06/")), true},
		{"list other prefix", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:ListBucket", photos, kv(KeyPrefix, "2023/")), false},
		{"list without prefix", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:ListBucket", photos, kv(KeyPrefix, "")), false},
		{"uploads listing in prefix", `[{"bucket":"photos","actions":["list"],"prefix":"2024/"}]`, user("u", "s3:ListBucketMultipartUploads", photos, kv(KeyPrefix, "2024/")), true},
		{"bucket location with prefix", `[{"bucket":"photos","actions":["list"],"prefix":"2024/"}]`, user("u", "s3:GetBucketLocation", photos, nil), true},
		{"read in prefix", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:GetObject", photo, nil), true},
		{"read other prefix", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:GetObject", "arn:aws:s3:::photos/2023/a.jpg", nil), false},
		{"read is not write", `[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`, user("u", "s3:PutObject", photo, nil), false},
		{"read other bucket", `[{"bucket":"photos","actions":["read"]}]`, user("u", "s3:GetObject", "arn:aws:s3:::videos/a", nil), false},
		{"list whole bucket", `{"bucket":"photos","actions":["list"]}`, user("u", "s3:ListBucket", photos, kv(KeyPrefix, "")), true},
		{"list one bucket is not list all", `{"bucket":"photos","actions":["list"]}`, user("u", ActionListAllMyBuckets, AllBucketsARN, nil), false},
		{"list every bucket lists all", `{"bucket":"*","actions":["list"]}`, user("u", ActionListAllMyBuckets, AllBucketsARN, nil), true},
		{"read every bucket", `{"bucket":"*","actions":["read"]}`, user("u", "s3:GetObject", "arn:aws:s3:::any/key", nil), true},
		{"write", `[{"bucket":"photos","actions":["write"]}]`, user("u", "s3:PutObject", photo, nil), true},
		{"write aborts uploads", `[{"bucket":"photos","actions":["write"]}]`, user("u", "s3:AbortMultipartUpload", photo, nil), true},
		{"write does not delete", `[{"bucket":"photos","actions":["write"]}]`, user("u", "s3:DeleteObject", photo, nil), false},
		{"write does not change ACLs", `[{"bucket":"photos","actions":["write"]}]`, user("u", "s3:PutObjectAcl", photo, nil), false},
		{"delete", `[{"bucket":"photos","actions":["delete"]}]`, user("u", "s3:DeleteObject", photo, nil), true},
		{"all covers the bucket", `[{"bucket":"photos","actions":["all"]}]`, user("u", "s3:DeleteBucket", photos, nil), true},
		{"all covers objects", `[{"bucket":"photos","actions":["*"]}]`, user("u", "s3:PutObject", photo, nil), true},
		{"all stays in its bucket", `[{"bucket":"photos","actions":["all"]}]`, user("u", "s3:PutObject", "arn:aws:s3:::photos2/a", nil), false},
		{"all with prefix writes in prefix", `[{"bucket":"photos","actions":["all"],"prefix":"2024/"}]`, user("u", "s3:DeleteObject", photo, nil), true},
		{"all with prefix is not the bucket", `[{"bucket":"photos","actions":["all"],"prefix":"2024/"}]`, user("u", "s3:DeleteBucket", photos, nil), false},
		{"all on every bucket", `[{"bucket":"*","actions":["all"]}]`, user("u", "s3:CreateBucket", "arn:aws:s3:::new", nil), true},
		{"prefix is literal", `[{"bucket":"photos","actions":["read","list"],"prefix":"a*b?/"}]`, user("u", "s3:GetObject", "arn:aws:s3:::photos/a*b?/x", nil), true},
		{"prefix star is no wildcard", `[{"bucket":"photos","actions":["read"],"prefix":"a*b/"}]`, user("u", "s3:GetObject", "arn:aws:s3:::photos/aXXb/x", nil), false},
		{"prefix star is no wildcard in listing", `[{"bucket":"photos","actions":["list"],"prefix":"a*/"}]`, user("u", "s3:ListBucket", photos, kv(KeyPrefix, "ab/")), false},
		{"prefix dollar brace is literal", `[{"bucket":"photos","actions":["read"],"prefix":"${aws:username}/"}]`, user("u", "s3:GetObject", "arn:aws:s3:::photos/${aws:username}/x", nil), true},
		{"second grant", `[{"bucket":"photos","actions":["read"]},{"bucket":"videos","actions":["write"]}]`, user("u", "s3:PutObject", "arn:aws:s3:::videos/v.mp4", nil), true},
		{"no admin through the short form", `[{"bucket":"*","actions":["all"]}]`, user("u", "admin:ListUsers", AdminARN("cluster"), nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseShort([]byte(tc.short))
			require.NoError(t, err)
			d := Evaluate(tc.req, []*Policy{p}, nil)
			require.Equal(t, tc.want, d.Allowed(), "%s\npolicy: %s", d, p)
		})
	}
}

func TestParseShortErrors(t *testing.T) {
	cases := []struct{ in, field, reason string }{
		{`[]`, "", "at least one grant"},
		{`"photos"`, "", "array of grants"},
		{`[{"bucket":"photos"`, "", "malformed JSON"},
		{`[{"bucket":"photos","actions":["read"],"prefix":"a","bucket":"x"}]`, "", "appears twice"},
		{`[{"actions":["read"]}]`, "[0].bucket", "missing bucket"},
		{`[{"bucket":"Photos","actions":["read"]}]`, "[0].bucket", "not a bucket name"},
		{`[{"bucket":"pho*","actions":["read"]}]`, "[0].bucket", "not a bucket name"},
		{`[{"bucket":"photos"}]`, "[0].actions", "missing actions"},
		{`[{"bucket":"photos","actions":[]}]`, "[0].actions", "missing actions"},
		{`[{"bucket":"photos","actions":["read","publish"]}]`, "[0].actions[1]", `unknown action group "publish"`},
		{`[{"bucket":"photos","actions":["read"],"Prefix":"a/"}]`, "[0].Prefix", "unknown field"},
		{`[{"bucket":"photos","actions":"read","prefix":7}]`, "[0].prefix", "must be a string"},
		{`[{"bucket":"photos","actions":["read"]}, 3]`, "[1]", "a grant"},
	}
	for _, tc := range cases {
		_, err := ParseShort([]byte(tc.in))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.in)
		require.Equal(t, tc.field, ve.Field, "%v", err)
		require.Contains(t, ve.Reason, tc.reason, "%v", err)
	}
	long := make([]byte, MaxShortPrefix+1)
	for i := range long {
		long[i] = 'a'
	}
	_, err := ParseShort([]byte(`{"bucket":"photos","actions":["read"],"prefix":"` + string(long) + `"}`))
	require.ErrorContains(t, err, "longer than 1024 bytes")
}

func TestGroupActions(t *testing.T) {
	for _, g := range []string{GroupList, GroupRead, GroupWrite, GroupDelete, GroupAll, "*", "READ"} {
		acts, ok := GroupActions(g)
		require.True(t, ok, g)
		require.NotEmpty(t, acts)
		for _, a := range acts {
			require.Empty(t, checkAction(a), a)
		}
	}
	_, ok := GroupActions("admin")
	require.False(t, ok)
	acts, _ := GroupActions(GroupRead)
	acts[0] = "changed"
	again, _ := GroupActions(GroupRead)
	require.Equal(t, ActionGetObject, again[0], "a new slice every call")
}
