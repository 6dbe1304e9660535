package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseCanonical(t *testing.T) {
	in := `{
	  "Id": "photos-policy",
	  "Version": "2012-10-17",
	  "Statement": {
	    "Sid": "ReadFromOffice",
	    "Effect": "Allow",
	    "Principal": {"AWS": "*"},
	    "Action": "s3:GetObject",
	    "Resource": "arn:aws:s3:::photos/*",
	    "Condition": {
	      "ipaddress": {"AWS:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
	      "Bool": {"aws:securetransport": true},
	      "NumericLessThanEquals": {"s3:max-keys": 100},
	      "forallvalues:stringlikeifexists": {"s3:RequestObjectTag/Team": "r*"}
	    }
	  }
	}`
	p, err := Parse([]byte(in))
	require.NoError(t, err)
	want := `{"Version":"2012-10-17","Id":"photos-policy","Statement":[{"Sid":"ReadFromOffice","Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::photos/*"],"Condition":{"Bool":{"aws:SecureTransport":["true"]},"ForAllValues:StringLikeIfExists":{"s3:RequestObjectTag/Team":["r*"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"NumericLessThanEquals":{"s3:max-keys":["100"]}}}]}`
	got, err := json.Marshal(p)
	require.NoError(t, err)
	require.Equal(t, want, string(got))
	require.Equal(t, want, p.String())

	// Canonical JSON parses back to the same policy.
	q, err := Parse(got)
	require.NoError(t, err)
	require.Equal(t, want, q.String())
	require.Equal(t, p.Document(), q.Document())
}

func TestParseForms(t *testing.T) {
	// No Version is 2008-10-17, as in AWS; marshalled explicitly.
	p, err := Parse([]byte(`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}]}`))
	require.NoError(t, err)
	require.Equal(t, Version2008, p.Document().Version)
	require.Contains(t, p.String(), `"Version":"2008-10-17"`)

	// Principal forms.
	b, err := ParseBucketPolicy([]byte(doc(`{"Effect":"Allow","Principal":{"AWS":["alice","arn:aws:iam::*:user/bob","arn:aws:iam::123456789012:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`)), "photos")
	require.NoError(t, err)
	require.Equal(t, []string{"alice", "arn:aws:iam::*:user/bob", "arn:aws:iam::123456789012:root"}, b.Document().Statements[0].Principal.AWS)
	require.Contains(t, b.String(), `"Principal":{"AWS":["alice","arn:aws:iam::*:user/bob","arn:aws:iam::123456789012:root"]}`)

	// The canonical form does not escape HTML characters.
	p, err = Parse([]byte(doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/<a&b>"}`)))
	require.NoError(t, err)
	require.Contains(t, p.String(), `photos/<a&b>`)
}

func TestPolicyInJSONStruct(t *testing.T) {
	type stored struct {
		Name   string
		Policy *Policy
	}
	var s stored
	require.NoError(t, json.Unmarshal([]byte(`{"Name":"readers","Policy":`+doc(allowGet)+`}`), &s))
	require.NotNil(t, s.Policy)
	require.True(t, Evaluate(user("alice", "s3:GetObject", photo, nil), []*Policy{s.Policy}, nil).Allowed())
	out, err := json.Marshal(s)
	require.NoError(t, err)
	require.Contains(t, string(out), `"Policy":{"Version":"2012-10-17"`)

	err = json.Unmarshal([]byte(`{"Policy":{"Statement":[]}}`), &s)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)

	_, err = json.Marshal(&Policy{})
	require.Error(t, err, "a zero Policy has no JSON form")
}

func TestNewCopiesTheDocument(t *testing.T) {
	d := Document{Version: Version2012, Statements: []Statement{{
		Effect: EffectAllow, Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::photos/*"},
		Condition: map[string]map[string][]string{"StringEquals": {"aws:username": {"alice"}}},
	}}}
	p, err := New(d)
	require.NoError(t, err)
	d.Statements[0].Action[0] = "s3:PutObject"
	d.Statements[0].Condition["StringEquals"]["aws:username"][0] = "bob"
	require.True(t, Evaluate(user("alice", "s3:GetObject", photo, nil), []*Policy{p}, nil).Allowed())

	got := p.Document()
	got.Statements[0].Resource[0] = "*"
	require.Equal(t, "arn:aws:s3:::photos/*", p.Document().Statements[0].Resource[0])
}

func TestParseErrors(t *testing.T) {
	st := func(body string) string { return doc(body) }
	get := `"Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"`
	cond := func(c string) string { return st(`{"Effect":"Allow",` + get + `,"Condition":` + c + `}`) }
	cases := []struct {
		name, in, field, reason string
	}{
		{"not JSON", `{"Version":`, "", "malformed JSON"},
		{"trailing data", doc(allowGet) + ` {}`, "", "malformed JSON"},
		{"not an object", `["a"]`, "", "must be a policy"},
		{"unknown top-level field", `{"Version":"2012-10-17","Statement":[` + allowGet + `],"Comment":"x"}`, "Comment", "unknown field"},
		{"field names are case-sensitive", `{"Version":"2012-10-17","statement":[` + allowGet + `]}`, "statement", "unknown field"},
		{"missing Statement", `{"Version":"2012-10-17"}`, "Statement", "missing Statement"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, "Statement", "at least one statement"},
		{"Statement is a string", `{"Version":"2012-10-17","Statement":"allow"}`, "Statement", "must be a statement"},
		{"statement is not an object", `{"Version":"2012-10-17","Statement":[1]}`, "Statement[0]", "must be a statement"},
		{"unknown version", `{"Version":"2020-01-01","Statement":[` + allowGet + `]}`, "Version", "unknown version"},
		{"version not a string", `{"Version":2012,"Statement":[` + allowGet + `]}`, "Version", "must be a string"},
		{"unknown Effect", st(`{"Effect":"Permit",` + get + `}`), "Statement[0].Effect", `unknown Effect "Permit"`},
		{"Effect in lower case", st(`{"Effect":"allow",` + get + `}`), "Statement[0].Effect", "unknown Effect"},
		{"missing Effect", st(`{` + get + `}`), "Statement[0].Effect", "missing Effect"},
		{"unknown statement field", st(`{"Effect":"Allow","Actions":"s3:GetObject","Resource":"*"}`), "Statement[0].Actions", "unknown field"},
		{"missing Action and NotAction", st(`{"Effect":"Allow","Resource":"*"}`), "Statement[0].Action", "missing Action and NotAction"},
		{"both Action and NotAction", st(`{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Delete*","Resource":"*"}`), "Statement[0]", "both Action and NotAction"},
		{"empty Action", st(`{"Effect":"Allow","Action":[],"Resource":"*"}`), "Statement[0].Action", "must not be empty"},
		{"Action is a number", st(`{"Effect":"Allow","Action":5,"Resource":"*"}`), "Statement[0].Action", "must be a string or an array of strings"},
		{"Action entry is null", st(`{"Effect":"Allow","Action":["s3:GetObject",null],"Resource":"*"}`), "Statement[0].Action[1]", "must be a string"},
		{"action without service", st(`{"Effect":"Allow","Action":"GetObject","Resource":"*"}`), "Statement[0].Action[0]", "not an action"},
		{"action with a bad character", st(`{"Effect":"Allow","Action":"s3:Get Object","Resource":"*"}`), "Statement[0].Action[0]", "bad character"},
		{"unknown service", st(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}`), "Statement[0].Action[0]", "not an action of Cairn"},
		{"unknown admin action", st(`{"Effect":"Deny","Action":"admin:ListUser","Resource":"*"}`), "Statement[0].Action[0]", `unknown admin action "admin:ListUser"`},
		{"NotAction is validated too", st(`{"Effect":"Deny","NotAction":["s3:*","admin:ListUser"],"Resource":"*"}`), "Statement[0].NotAction[1]", "unknown admin action"},
		{"missing Resource", st(`{"Effect":"Allow","Action":"s3:*"}`), "Statement[0].Resource", "missing Resource and NotResource"},
		{"both Resource and NotResource", st(`{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"arn:aws:s3:::x"}`), "Statement[0]", "both Resource and NotResource"},
		{"malformed ARN", st(`{"Effect":"Allow","Action":"s3:*","Resource":"photos/*"}`), "Statement[0].Resource[0]", "malformed ARN"},
		{"ARN with a region", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:us-east-1::photos"}`), "Statement[0].Resource[0]", "region and account must be empty"},
		{"ARN of another service", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:iam::123:user/x"}`), "Statement[0].Resource[0]", "malformed ARN"},
		{"ARN without resource", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::"}`), "Statement[0].Resource[0]", "nothing after"},
		{"NotResource malformed", st(`{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::a","arn:aws:s4:::b"]}`), "Statement[0].NotResource[1]", "malformed ARN"},
		{"unknown condition operator", cond(`{"StringSorta":{"aws:username":"a"}}`), "Statement[0].Condition.StringSorta", "unknown condition operator"},
		{"ArnLike is not supported", cond(`{"ArnLike":{"aws:username":"a"}}`), "Statement[0].Condition.ArnLike", "unknown condition operator"},
		{"unknown condition key", cond(`{"StringEquals":{"aws:SourceVpc":"vpc-1"}}`), "Statement[0].Condition.StringEquals.aws:SourceVpc", "unknown condition key"},
		{"tag key without a tag", cond(`{"StringEquals":{"s3:ExistingObjectTag/":"x"}}`), "Statement[0].Condition.StringEquals.s3:ExistingObjectTag/", "unknown condition key"},
		{"bad IP", cond(`{"IpAddress":{"aws:SourceIp":"10.0.0.300"}}`), "Statement[0].Condition.IpAddress.aws:SourceIp[0]", "not an IP address"},
		{"bad number", cond(`{"NumericLessThan":{"s3:max-keys":"ten"}}`), "Statement[0].Condition.NumericLessThan.s3:max-keys[0]", "not a number"},
		{"bad date", cond(`{"DateLessThan":{"aws:CurrentTime":"next tuesday"}}`), "Statement[0].Condition.DateLessThan.aws:CurrentTime[0]", "not a date"},
		{"bad bool", cond(`{"Bool":{"aws:SecureTransport":"yes"}}`), "Statement[0].Condition.Bool.aws:SecureTransport[0]", "not true or false"},
		{"operator does not fit the key", cond(`{"Bool":{"aws:SourceIp":"true"}}`), "Statement[0].Condition.Bool.aws:SourceIp", "does not apply"},
		{"date operator on a string key", cond(`{"DateLessThan":{"aws:username":"2024-01-01"}}`), "Statement[0].Condition.DateLessThan.aws:username", "does not apply"},
		{"NullIfExists", cond(`{"NullIfExists":{"aws:SourceIp":"true"}}`), "Statement[0].Condition.NullIfExists", "Null takes neither"},
		{"empty value list", cond(`{"StringEquals":{"aws:username":[]}}`), "Statement[0].Condition.StringEquals.aws:username", "at least one value"},
		{"null value", cond(`{"StringEquals":{"aws:username":null}}`), "Statement[0].Condition.StringEquals.aws:username", "string, a number or a boolean"},
		{"object value", cond(`{"StringEquals":{"aws:username":{"a":"b"}}}`), "Statement[0].Condition.StringEquals.aws:username", "string, a number or a boolean"},
		{"operator without keys", cond(`{"StringEquals":{}}`), "Statement[0].Condition.StringEquals", "names no condition key"},
		{"Condition not an object", cond(`["StringEquals"]`), "Statement[0].Condition", "must be an object"},
		{"operator twice", cond(`{"StringEquals":{"aws:username":"a"},"stringequals":{"aws:userid":"b"}}`), "Statement[0].Condition.stringequals", "appears twice"},
		{"key twice", cond(`{"StringEquals":{"aws:username":"a","AWS:USERNAME":"b"}}`), "Statement[0].Condition.StringEquals.aws:username", "appears twice"},
		{"duplicate Sid", st(`{"Sid":"A","Effect":"Allow",` + get + `},{"Sid":"A","Effect":"Deny",` + get + `}`), "Statement[1].Sid", "unique"},
		{"duplicate JSON key", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow",` + get + `}]}`, "", `the key "Effect" appears twice`},
		{"principal string other than star", st(`{"Effect":"Allow","Principal":"alice",` + get + `}`), "Statement[0].Principal", `must be "*"`},
		{"principal service", st(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},` + get + `}`), "Statement[0].Principal.Service", "unsupported principal type"},
		{"principal role", st(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123:role/x"},` + get + `}`), "Statement[0].Principal.AWS[0]", "unsupported principal"},
		{"principal malformed ARN", st(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:s3:::x"},` + get + `}`), "Statement[0].Principal.AWS[0]", "malformed principal ARN"},
		{"principal wildcard name", st(`{"Effect":"Allow","Principal":{"AWS":"al*"},` + get + `}`), "Statement[0].Principal.AWS[0]", "not a principal"},
		{"principal empty list", st(`{"Effect":"Allow","Principal":{"AWS":[]},` + get + `}`), "Statement[0].Principal", "at least one principal"},
		{"Principal and NotPrincipal", st(`{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"a"},` + get + `}`), "Statement[0]", "both Principal and NotPrincipal"},
		{"variables need 2012", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`, "Statement[0].Resource[0]", "policy variables need"},
		{"variables in conditions need 2012", `{"Statement":[{"Effect":"Allow",` + get + `,"Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}]}`, "Statement[0].Condition.StringLike.s3:prefix[0]", "policy variables need"},
		{"unknown variable", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:nope}/*"}`), "Statement[0].Resource[0]", "unknown policy variable"},
		{"unterminated variable", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username"}`), "Statement[0].Resource[0]", "unterminated"},
		{"unquoted default", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username, x}/*"}`), "Statement[0].Resource[0]", "single quotes"},
		{"too many variables", st(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::${aws:username}${aws:username}${aws:username}${aws:username}${aws:username}"}`), "Statement[0].Resource[0]", "more than 4"},
		{"too large", `{"Version":"2012-10-17","Id":"` + strings.Repeat("x", MaxPolicySize) + `","Statement":[` + allowGet + `]}`, "", "more than"},
	}
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], tc.name)
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			require.Error(t, err)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "%T: %v", err, err)
			require.Equal(t, tc.field, ve.Field, "error: %v", err)
			require.Contains(t, ve.Reason, tc.reason, "error: %v", err)
			require.True(t, strings.HasPrefix(err.Error(), "policy: "))
		})
	}
}

func TestParseIdentityPolicy(t *testing.T) {
	_, err := ParseIdentityPolicy([]byte(doc(allowGet)))
	require.NoError(t, err)
	_, err = ParseIdentityPolicy([]byte(doc(allowGet, publicRead)))
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	require.Equal(t, "Statement[1].Principal", ve.Field)
	_, err = ParseIdentityPolicy([]byte(`{}`))
	require.ErrorAs(t, err, &ve)
}

func TestParseBucketPolicy(t *testing.T) {
	ok := []string{
		`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`,
		`{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos"}`,
		`{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}`,
		`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::*"}`,
		`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::photo?/x/*"}`,
		`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::pho*"}`,
		`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::photos/home/${aws:username}/*"}`,
		`{"Effect":"Deny","Principal":"*","NotAction":"admin:*","NotResource":"arn:aws:s3:::other/*"}`,
		`{"Effect":"Deny","NotPrincipal":{"AWS":"alice"},"Action":"s*:Put*","Resource":"arn:aws:s3:::photos/*"}`,
	}
	for _, s := range ok {
		_, err := ParseBucketPolicy([]byte(doc(s)), "photos")
		require.NoError(t, err, s)
	}
	bad := []struct{ stmt, field, reason string }{
		{`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos/*"}`, "Statement[0].Principal", "needs Principal or NotPrincipal"},
		{`{"Effect":"Allow","Principal":"*","Action":"admin:ListUsers","Resource":"arn:aws:s3:::photos/*"}`, "Statement[0].Action[0]", "not an S3 action"},
		{`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::videos/*"}`, "Statement[0].Resource[0]", `not in bucket "photos"`},
		{`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photos2/*"}`, "Statement[0].Resource[0]", "not in bucket"},
		{`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::photo"}`, "Statement[0].Resource[0]", "not in bucket"},
		{`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:cairn:admin:::*"}`, "Statement[0].Resource[0]", "not in bucket"},
	}
	for _, tc := range bad {
		_, err := ParseBucketPolicy([]byte(doc(tc.stmt)), "photos")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.stmt)
		require.Equal(t, tc.field, ve.Field, "%v", err)
		require.Contains(t, ve.Reason, tc.reason, "%v", err)
	}
	_, err := ParseBucketPolicy([]byte(doc(publicRead)), "")
	require.Error(t, err)
}
