package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestConditionMissingKey pins AWS's rules for a key the request does not have: a
// positive operator fails, a negated one holds, ...IfExists holds, ForAllValues:
// holds, ForAnyValue: fails, and Null "true" holds.
func TestConditionMissingKey(t *testing.T) {
	cases := []struct {
		op, key, value string
		want           bool
	}{
		{"StringEquals", KeyUserAgent, "x", false},
		{"StringNotEquals", KeyUserAgent, "x", true},
		{"StringEqualsIgnoreCase", KeyUserAgent, "x", false},
		{"StringNotEqualsIgnoreCase", KeyUserAgent, "x", true},
		{"StringLike", KeyUserAgent, "x*", false},
		{"StringNotLike", KeyUserAgent, "x*", true},
		{"NumericEquals", KeyMaxKeys, "1", false},
		{"NumericNotEquals", KeyMaxKeys, "1", true},
		{"NumericLessThan", KeyMaxKeys, "1", false},
		{"NumericLessThanEquals", KeyMaxKeys, "1", false},
		{"NumericGreaterThan", KeyMaxKeys, "1", false},
		{"NumericGreaterThanEquals", KeyMaxKeys, "1", false},
		{"DateEquals", KeyCurrentTime, "2024-01-01", false},
		{"DateNotEquals", KeyCurrentTime, "2024-01-01", true},
		{"DateLessThan", KeyCurrentTime, "2024-01-01", false},
		{"DateLessThanEquals", KeyCurrentTime, "2024-01-01", false},
		{"DateGreaterThan", KeyCurrentTime, "2024-01-01", false},
		{"DateGreaterThanEquals", KeyCurrentTime, "2024-01-01", false},
		{"Bool", KeySecureTransport, "true", false},
		{"IpAddress", KeySourceIP, "10.0.0.0/8", false},
		{"NotIpAddress", KeySourceIP, "10.0.0.0/8", true},
		{"Null", KeySourceIP, "true", true},
		{"Null", KeySourceIP, "false", false},
		{"StringEqualsIfExists", KeyUserAgent, "x", true},
		{"NumericLessThanIfExists", KeyMaxKeys, "1", true},
		{"BoolIfExists", KeySecureTransport, "true", true},
		{"ForAnyValue:StringEquals", KeyUserAgent, "x", false},
		{"ForAnyValue:StringEqualsIfExists", KeyUserAgent, "x", true},
		{"ForAllValues:StringEquals", KeyUserAgent, "x", true},
		{"ForAllValues:StringNotLike", KeyUserAgent, "x", true},
	}
	for _, tc := range cases {
		op, reason := parseOperator(tc.op)
		require.Empty(t, reason, tc.op)
		require.Equal(t, tc.op, op.name, "canonical spelling")
		key, kt, ok := canonicalKey(tc.key)
		require.True(t, ok)
		c, err := compileCondition(op, key, kt, []string{tc.value}, true, "f")
		require.NoError(t, err, tc.op)
		ctx := &evalCtx{req: Request{Principal: "alice", Conditions: map[string][]string{KeyReferer: {"r"}}}}
		require.Equal(t, tc.want, c.eval(ctx), "%s on a missing %s", tc.op, tc.key)

		// A key present with no values counts as missing.
		ctx.req.Conditions[key] = []string{}
		require.Equal(t, tc.want, c.eval(ctx), "%s on an empty %s", tc.op, tc.key)
	}
}

func TestParseOperator(t *testing.T) {
	for in, want := range map[string]string{
		"stringequals":                          "StringEquals",
		"forallvalues:stringlikeifexists":       "ForAllValues:StringLikeIfExists",
		"FORANYVALUE:NUMERICLESSTHAN":           "ForAnyValue:NumericLessThan",
		"NotIpAddressIfExists":                  "NotIpAddressIfExists",
		"DateGreaterThanEqualsIfExists":         "DateGreaterThanEqualsIfExists",
		"ForAnyValue:StringNotEqualsIgnoreCase": "ForAnyValue:StringNotEqualsIgnoreCase",
	} {
		op, reason := parseOperator(in)
		require.Empty(t, reason, in)
		require.Equal(t, want, op.name)
	}
	for _, in := range []string{"", "IfExists", "ForAnyValue:", "ForAnyValue:Null", "StringEqualsIfExistsIfExists", "ForAnyValue:ForAllValues:StringEquals", "ArnEquals", "BinaryEquals"} {
		_, reason := parseOperator(in)
		require.NotEmpty(t, reason, in)
	}
}

func TestParseValues(t *testing.T) {
	for _, s := range []string{"2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123+02:00", "2024-05-01T12:00:00+0200", "2024-05-01", "2024-05-01T12:00:00", "20240501T120000Z", "1714564800"} {
		_, ok := parseDate(s)
		require.True(t, ok, s)
	}
	a, _ := parseDate("1714564800")
	b, _ := parseDate("2024-05-01T12:00:00Z")
	require.True(t, a.Equal(b))
	for _, s := range []string{"", "yesterday", "2024-13-01", "1.5"} {
		_, ok := parseDate(s)
		require.False(t, ok, s)
	}
	for _, s := range []string{"NaN", "Inf", "-Inf", "", "1e", "0x"} {
		_, ok := parseNumber(s)
		require.False(t, ok, s)
	}
	for s, want := range map[string]string{"10.1.2.3/8": "10.0.0.0/8", "10.1.2.3": "10.1.2.3/32", "2001:db8::1": "2001:db8::1/128", "::ffff:10.0.0.0/104": "10.0.0.0/8"} {
		p, ok := parsePrefix(s)
		require.True(t, ok, s)
		require.Equal(t, want, p.String())
	}
	for _, s := range []string{"10.0.0.0/33", "fe80::1%eth0", "::ffff:0:0/64", "host"} {
		_, ok := parsePrefix(s)
		require.False(t, ok, s)
	}
}

func TestKeys(t *testing.T) {
	for _, k := range []string{KeySourceIP, KeySecureTransport, KeyCurrentTime, KeyEpochTime, KeyUsername, KeyUserID,
		KeyPrincipalType, KeyUserAgent, KeyReferer, KeyPrefix, KeyDelimiter, KeyMaxKeys, KeyACL, KeyContentSHA256,
		KeySignatureVersion, KeyAuthType, ExistingObjectTagKey("a"), RequestObjectTagKey("B"),
		KeyObjectLockMode, KeyObjectLockRetainUntilDate, KeyObjectLockRemainingRetentionDays, KeyObjectLockLegalHold} {
		got, _, ok := canonicalKey(k)
		require.True(t, ok, k)
		require.Equal(t, k, got, "the constants are the canonical spelling")
	}
	got, _, ok := canonicalKey("S3:EXISTINGOBJECTTAG/Team")
	require.True(t, ok)
	require.Equal(t, "s3:ExistingObjectTag/Team", got)
	require.True(t, sameKey("S3:existingObjectTag/Team", "s3:ExistingObjectTag/Team"))
	require.False(t, sameKey("s3:ExistingObjectTag/team", "s3:ExistingObjectTag/Team"))
}

func TestActionLists(t *testing.T) {
	for _, a := range append(S3Actions(), AdminActions()...) {
		require.Empty(t, checkAction(a), a)
	}
	require.True(t, isAdminAction("ADMIN:listusers"))
	require.False(t, isAdminAction("admin:ListUser"))
	require.Equal(t, "arn:aws:s3:::photos", BucketARN("photos"))
	require.Equal(t, "arn:aws:s3:::photos/2024/a.jpg", ObjectARN("photos", "2024/a.jpg"))
	require.Equal(t, "arn:cairn:admin:::user/alice", AdminARN("user/alice"))
	require.Empty(t, checkResource(AdminARN("user/alice")))
	require.Empty(t, checkResource(ObjectARN("photos", "a")))
}
