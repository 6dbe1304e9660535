package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// A pattern is an Action, Resource or condition value compiled once, at parse time:
// literal text, the wildcards * (any run of characters, '/' included) and ? (exactly
// one character), and policy variables such as ${aws:username}, which are replaced by
// the request's value at evaluation and then compared literally (a '*' in a user name
// is not a wildcard).
//
// The pattern is split at each '*' into segments. A segment holds no '*', so where it
// starts fixes where it ends; matching is then linear in practice: the first segment
// must match at the start, the last at the end, and each middle one is taken at its
// leftmost place, which leaves the most room for the rest and so is never wrong.
type pattern struct {
	// segs is the pattern split at '*': len(segs)-1 stars.
	segs []segment
	// vars lists the variables in order of their slot.
	vars []varRef
	// fold compares ASCII letters case-insensitively (actions); literals are stored
	// in lower case.
	fold bool
	// all is set for a pattern that is exactly "*".
	all bool
	// exact is set when the pattern has no wildcard and no variable: then lit is the
	// whole pattern. prefix is set for the commonest shape, "literal*": then lit is
	// the literal.
	exact  bool
	prefix bool
	lit    string
}

// segment is a run of atoms between two '*'.
type segment []atom

type atomKind uint8

const (
	atomLit atomKind = iota // literal text
	atomOne                 // '?': one character
	atomVar                 // a policy variable, replaced by its value
)

// atom is one element of a segment.
type atom struct {
	kind atomKind
	lit  string // atomLit
	slot int    // atomVar: index into pattern.vars and the resolved values
}

// varRef is a policy variable: a condition key, and the default value of
// ${key, 'default'} used when the request has no value for the key.
type varRef struct {
	key    string // canonical condition key
	def    string
	hasDef bool
}

// patternMode says how compilePattern reads its source.
type patternMode struct {
	wildcards bool // '*' and '?' are wildcards (Action, Resource, StringLike)
	variables bool // ${...} is a policy variable (Version 2012-10-17)
	fold      bool // case-insensitive ASCII (Action)
}

// compilePattern compiles src. The error is a reason, for a *ValidationError.
func compilePattern(src string, mode patternMode) (pattern, string) {
	p := pattern{fold: mode.fold}
	if mode.wildcards && src == "*" {
		p.all = true
		return p, ""
	}
	var (
		cur segment
		lit strings.Builder
	)
	flush := func() {
		if lit.Len() > 0 {
			s := lit.String()
			if mode.fold {
				s = asciiLower(s)
			}
			cur = append(cur, atom{kind: atomLit, lit: s})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case mode.wildcards && c == '*':
			flush()
			p.segs = append(p.segs, cur)
			cur = nil
		case mode.wildcards && c == '?':
			flush()
			cur = append(cur, atom{kind: atomOne})
		case mode.variables && c == '$' && i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return pattern{}, "unterminated policy variable \"${\""
			}
			body := src[i+2 : i+end]
			i += end
			switch body {
			case "*", "?", "$":
				// ${*}, ${?} and ${$} are the literal characters.
				lit.WriteString(body)
				continue
			}
			ref, reason := parseVariable(body)
			if reason != "" {
				return pattern{}, reason
			}
			if len(p.vars) == maxVariables {
				return pattern{}, fmt.Sprintf("more than %d policy variables in one value", maxVariables)
			}
			flush()
			cur = append(cur, atom{kind: atomVar, slot: len(p.vars)})
			p.vars = append(p.vars, ref)
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	p.segs = append(p.segs, cur)
	switch {
	case len(p.vars) > 0 || hasAtom(p.segs[0], atomOne):
	case len(p.segs) == 1:
		p.exact, p.lit = true, literal(p.segs[0])
	case len(p.segs) == 2 && len(p.segs[1]) == 0:
		p.prefix, p.lit = true, literal(p.segs[0])
	}
	return p, ""
}

// parseVariable parses the inside of ${...}: a supported condition key, optionally
// followed by a default value, "aws:username, 'nobody'".
func parseVariable(body string) (varRef, string) {
	name, def, hasDef := strings.Cut(body, ",")
	name = strings.TrimSpace(name)
	key, _, ok := canonicalKey(name)
	if !ok {
		return varRef{}, "unknown policy variable \"${" + body + "}\""
	}
	ref := varRef{key: key}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return varRef{}, "the default value of policy variable \"${" + body + "}\" must be in single quotes"
		}
		ref.def, ref.hasDef = def[1:len(def)-1], true
	}
	return ref, ""
}

// literal returns the text of a segment of literal atoms only.
func literal(seg segment) string {
	if len(seg) == 0 {
		return ""
	}
	return seg[0].lit
}

func hasAtom(seg segment, kind atomKind) bool {
	for _, a := range seg {
		if a.kind == kind {
			return true
		}
	}
	return false
}

// maxVariables is how many policy variables one pattern may hold, so that
// resolving them takes a fixed array on the stack.
const maxVariables = 4

// match reports whether s matches the pattern. ctx resolves variables; it may be nil
// for a pattern without any. A variable without a value makes the pattern match
// nothing, as in AWS.
func (p *pattern) match(s string, ctx *evalCtx) bool {
	if p.all {
		return true
	}
	if p.exact {
		return p.equal(s, p.lit)
	}
	if p.prefix {
		return len(s) >= len(p.lit) && p.equal(s[:len(p.lit)], p.lit)
	}
	var vals [maxVariables]string
	if len(p.vars) > 0 && ctx == nil {
		return false
	}
	for i, v := range p.vars {
		x, ok := ctx.variable(v)
		if !ok {
			return false
		}
		vals[i] = x
	}
	return p.matchResolved(s, vals[:len(p.vars)])
}

// matchResolved matches s with the variables already resolved to vals.
func (p *pattern) matchResolved(s string, vals []string) bool {
	segs := p.segs
	if len(segs) == 1 {
		end, ok := p.matchAt(segs[0], s, 0, vals)
		return ok && end == len(s)
	}
	pos, ok := p.matchAt(segs[0], s, 0, vals)
	if !ok {
		return false
	}
	limit, ok := p.matchSuffix(segs[len(segs)-1], s, vals)
	if !ok || limit < pos {
		return false
	}
	s = s[:limit]
	for _, seg := range segs[1 : len(segs)-1] {
		if pos, ok = p.find(seg, s, pos, vals); !ok {
			return false
		}
	}
	return true
}

// find matches seg at its leftmost place in s at or after from, and returns where that
// match ends.
func (p *pattern) find(seg segment, s string, from int, vals []string) (int, bool) {
	if len(seg) == 0 {
		return from, true
	}
	for i := from; i <= len(s); {
		if seg[0].kind == atomLit && !p.fold {
			// Jump to the next place the leading literal occurs.
			j := strings.Index(s[i:], seg[0].lit)
			if j < 0 {
				return 0, false
			}
			i += j
		}
		if end, ok := p.matchAt(seg, s, i, vals); ok {
			return end, true
		}
		if i == len(s) {
			break
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return 0, false
}

// matchAt matches seg at s[i:] and returns where the match ends.
func (p *pattern) matchAt(seg segment, s string, i int, vals []string) (int, bool) {
	for _, a := range seg {
		switch a.kind {
		case atomLit:
			if len(s)-i < len(a.lit) || !p.equal(s[i:i+len(a.lit)], a.lit) {
				return 0, false
			}
			i += len(a.lit)
		case atomOne:
			if i >= len(s) {
				return 0, false
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
		case atomVar:
			v := vals[a.slot]
			if len(s)-i < len(v) || s[i:i+len(v)] != v {
				return 0, false
			}
			i += len(v)
		}
	}
	return i, true
}

// matchSuffix matches seg at the end of s and returns where the match starts.
func (p *pattern) matchSuffix(seg segment, s string, vals []string) (int, bool) {
	j := len(s)
	for k := len(seg) - 1; k >= 0; k-- {
		a := seg[k]
		switch a.kind {
		case atomLit:
			if j < len(a.lit) || !p.equal(s[j-len(a.lit):j], a.lit) {
				return 0, false
			}
			j -= len(a.lit)
		case atomOne:
			if j == 0 {
				return 0, false
			}
			_, n := utf8.DecodeLastRuneInString(s[:j])
			j -= n
		case atomVar:
			v := vals[a.slot]
			if j < len(v) || s[j-len(v):j] != v {
				return 0, false
			}
			j -= len(v)
		}
	}
	return j, true
}

// equal compares a piece of the input with a literal of the pattern.
func (p *pattern) equal(in, lit string) bool {
	if p.fold {
		return asciiEqualFold(in, lit)
	}
	return in == lit
}

// expand returns the pattern's text with its variables replaced, for the comparisons
// that are not wildcard matches (StringEqualsIgnoreCase). The pattern must have been
// compiled without wildcards.
func (p *pattern) expand(ctx *evalCtx) (string, bool) {
	if p.exact {
		return p.lit, true
	}
	var b strings.Builder
	for _, a := range p.segs[0] {
		switch a.kind {
		case atomLit:
			b.WriteString(a.lit)
		case atomVar:
			if ctx == nil {
				return "", false
			}
			v, ok := ctx.variable(p.vars[a.slot])
			if !ok {
				return "", false
			}
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// couldMatch reports whether the pattern, its variables read as '*', matches s
// (prefix false) or some string that begins with s (prefix true). ParseBucketPolicy
// uses it to check that a resource lies in the policy's bucket. '?' counts as one
// byte here, which is exact for the ASCII of bucket names.
func (p *pattern) couldMatch(s string, prefix bool) bool {
	if p.all {
		return true
	}
	// Flatten into tokens: -1 is '*', -2 is '?', anything else a byte.
	var toks []int
	for i, seg := range p.segs {
		if i > 0 {
			toks = append(toks, -1)
		}
		for _, a := range seg {
			switch a.kind {
			case atomLit:
				for j := 0; j < len(a.lit); j++ {
					toks = append(toks, int(a.lit[j]))
				}
			case atomOne:
				toks = append(toks, -2)
			case atomVar:
				toks = append(toks, -1)
			}
		}
	}
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(s) {
		if ti < len(toks) {
			switch t := toks[ti]; {
			case t == -1:
				starT, starS = ti, si
				ti++
				continue
			case t == -2 || t == int(s[si]):
				ti++
				si++
				continue
			}
		}
		if starT < 0 {
			return false
		}
		starS++
		ti, si = starT+1, starS
	}
	if prefix {
		// Whatever remains of the pattern can match some continuation of s.
		return true
	}
	for ; ti < len(toks); ti++ {
		if toks[ti] != -1 {
			return false
		}
	}
	return true
}

// asciiEqualFold reports whether in equals lower, a lower-case string, ignoring the
// case of ASCII letters in in.
func asciiEqualFold(in, lower string) bool {
	if len(in) != len(lower) {
		return false
	}
	for i := 0; i < len(in); i++ {
		c := in[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// asciiLower lower-cases the ASCII letters of s.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
