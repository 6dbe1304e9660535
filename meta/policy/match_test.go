package policy

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPatternMatch(t *testing.T) {
	wild := patternMode{wildcards: true}
	cases := []struct {
		pattern, in string
		want        bool
	}{
		{"*", "", true},
		{"*", "anything/at/all", true},
		{"", "", true},
		{"", "a", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"a*", "a", true},
		{"a*", "ba", false},
		{"*a", "bba", true},
		{"*a", "ab", false},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbYcZ", false},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
		{"ab*ba", "abba", true},
		{"a**b", "ab", true},
		{"?", "", false},
		{"?", "é", true},
		{"??", "é", false},
		{"a?c", "a/c", true},
		{"*.jpg", "x/y/z.jpg", true},
		{"*?", "", false},
		{"*?", "x", true},
		{"x*y?z*", "xAyBzC", true},
		{"x*y?z*", "xAyzC", false},
		{"${*}", "*", true},
		{"${*}", "a", false},
		{"${?}x", "?x", true},
		{"${$}{a}", "${a}", true},
		{"a*${*}", "ab*", true},
		{"a*${*}", "ab", false},
	}
	for _, tc := range cases {
		p, reason := compilePattern(tc.pattern, patternMode{wildcards: true, variables: true})
		require.Empty(t, reason, tc.pattern)
		require.Equal(t, tc.want, p.match(tc.in, nil), "%q ~ %q", tc.pattern, tc.in)
	}

	// Case folding is for actions only, and ASCII only.
	p, _ := compilePattern("s3:Get*", patternMode{wildcards: true, fold: true})
	require.True(t, p.match("S3:GETOBJECT", nil))
	p, _ = compilePattern("arn:aws:s3:::Photos/*", wild)
	require.False(t, p.match("arn:aws:s3:::photos/a", nil))
	p, _ = compilePattern("s3:k*", patternMode{wildcards: true, fold: true})
	require.False(t, p.match("s3:\u212a", nil), "the Kelvin sign is not a k")

	// Without wildcards, * and ? are literal.
	p, _ = compilePattern("a*?", patternMode{})
	require.True(t, p.match("a*?", nil))
	require.False(t, p.match("abc", nil))
}

// TestPatternMatchAgainstRegexp cross-checks the segment matcher with the regexp
// package on random patterns and inputs over a small alphabet, where overlaps and
// backtracking are frequent.
func TestPatternMatchAgainstRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab/é"
	runes := []rune(alphabet)
	randString := func(n int, extra string) string {
		all := append(append([]rune(nil), runes...), []rune(extra)...)
		var b strings.Builder
		for range rng.IntN(n + 1) {
			b.WriteRune(all[rng.IntN(len(all))])
		}
		return b.String()
	}
	for range 20000 {
		pat := randString(7, "*?*")
		in := randString(9, "")
		var re strings.Builder
		re.WriteString("^")
		for _, r := range pat {
			switch r {
			case '*':
				re.WriteString("(?s:.*)")
			case '?':
				re.WriteString("(?s:.)")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(in)
		p, reason := compilePattern(pat, patternMode{wildcards: true})
		require.Empty(t, reason)
		require.Equal(t, want, p.match(in, nil), "%q ~ %q", pat, in)
	}
}

func TestPatternVariables(t *testing.T) {
	ctx := &evalCtx{req: Request{Principal: "alice", Conditions: kv(KeyUserAgent, "a*b", KeyDelimiter, "/", KeyDelimiter, "|")}}
	ctx.username[0] = "alice"
	mode := patternMode{wildcards: true, variables: true}
	cases := []struct {
		pattern, in string
		want        bool
	}{
		{"home/${aws:username}/*", "home/alice/x", true},
		{"home/${AWS:UserName}/*", "home/alice/x", true},
		{"home/${aws:username}/*", "home/bob/x", false},
		{"*/${aws:username}", "x/y/alice", true},
		{"*/${aws:username}", "x/y/alicex", false},
		{"ua/${aws:UserAgent}", "ua/a*b", true},
		{"ua/${aws:UserAgent}", "ua/aXXb", false},
		{"${aws:userid}", "", false},
		{"${aws:userid, 'none'}", "none", true},
		{"${aws:userid,'none'}/*", "none/x", true},
		{"${s3:delimiter}", "/", false},
	}
	for _, tc := range cases {
		p, reason := compilePattern(tc.pattern, mode)
		require.Empty(t, reason, tc.pattern)
		require.Equal(t, tc.want, p.match(tc.in, ctx), "%q ~ %q", tc.pattern, tc.in)
	}
}

func TestCouldMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		prefix     bool
		want       bool
	}{
		{"arn:aws:s3:::photos", "arn:aws:s3:::photos", false, true},
		{"arn:aws:s3:::photos", "arn:aws:s3:::photos/", true, false},
		{"arn:aws:s3:::photos/*", "arn:aws:s3:::photos/", true, true},
		{"arn:aws:s3:::photos/*", "arn:aws:s3:::photos", false, false},
		{"arn:aws:s3:::ph*", "arn:aws:s3:::photos/", true, true},
		{"arn:aws:s3:::ph?tos/a", "arn:aws:s3:::photos/", true, true},
		{"arn:aws:s3:::*/a", "arn:aws:s3:::photos", false, false},
		{"arn:aws:s3:::*/a", "arn:aws:s3:::photos/", true, true},
		{"arn:aws:s3:::videos/*", "arn:aws:s3:::photos/", true, false},
		{"arn:aws:s3:::${aws:username}/x", "arn:aws:s3:::photos/", true, true},
	}
	for _, tc := range cases {
		p, reason := compilePattern(tc.pattern, patternMode{wildcards: true, variables: true})
		require.Empty(t, reason)
		require.Equal(t, tc.want, p.couldMatch(tc.s, tc.prefix), "%q could match %q (prefix %v)", tc.pattern, tc.s, tc.prefix)
	}
}
