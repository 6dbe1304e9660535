package policy

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParse: no input makes Parse or ParseShort panic, and a policy that parses has a
// canonical form that parses to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		doc(allowGet, denyGet),
		doc(publicRead, `{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false},"ForAnyValue:StringLikeIfExists":{"s3:prefix":["a${*}*","${aws:username, 'x'}"]}}}`),
		`{"Statement":{"Effect":"Allow","NotAction":"s3:Get?bject","NotResource":"arn:aws:s3:::a/*"}}`,
		`[{"bucket":"photos","actions":["list","read"],"prefix":"2024/"}]`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if p, err := ParseShort([]byte(in)); err == nil {
			_ = Evaluate(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::a/b", Principal: "u"}, []*Policy{p}, nil)
		}
		p, err := Parse([]byte(in))
		if err != nil {
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			return
		}
		_ = Evaluate(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::a/b", Principal: "u", Conditions: kv(KeyPrefix, "x")}, []*Policy{p}, p)
		canon := p.String()
		q, err := Parse([]byte(canon))
		require.NoError(t, err, canon)
		require.Equal(t, canon, q.String())
	})
}

// TestEvaluateConcurrent: a Policy is shared by concurrent evaluations (run with -race).
func TestEvaluateConcurrent(t *testing.T) {
	p, err := ParseIdentityPolicy([]byte(doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	results := make([]bool, 8)
	for i := range results {
		wg.Go(func() {
			ok := true
			for range 200 {
				ok = ok && Evaluate(user("alice", "s3:PutObject", "arn:aws:s3:::home/alice/x", kv(KeySourceIP, "10.0.0.1")), []*Policy{p}, nil).Allowed()
				ok = ok && !Evaluate(user("bob", "s3:PutObject", "arn:aws:s3:::home/alice/x", kv(KeySourceIP, "10.0.0.1")), []*Policy{p}, nil).Allowed()
			}
			results[i] = ok
		})
	}
	wg.Wait()
	for _, ok := range results {
		require.True(t, ok)
	}
}
