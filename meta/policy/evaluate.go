package policy

import (
	"strconv"
	"strings"
)

// Request is one request to authorize.
type Request struct {
	// Action is the action the request needs, e.g. "s3:GetObject" or "admin:ListUsers".
	Action string
	// Resource is the ARN the request acts on: ObjectARN, BucketARN, AllBucketsARN
	// or AdminARN. It is matched literally.
	Resource string
	// Principal is the authenticated user's name; "" for an anonymous request.
	Principal string
	// IsRoot marks the account's root user: allowed everything, except what a bucket
	// policy explicitly denies to it.
	IsRoot bool
	// Conditions holds the request's condition context: condition key (KeySourceIP,
	// KeyCurrentTime, ExistingObjectTagKey("class"), ...) to its values. Leave out a
	// key the request has no value for. aws:username and aws:PrincipalType are derived
	// from Principal and IsRoot, and values given for them here are ignored.
	Conditions map[string][]string
}

// Result is the outcome of an evaluation. The zero Result is ImplicitDeny, so that a
// Decision left unset refuses.
type Result uint8

// The outcomes of Evaluate.
const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Result = iota
	// Allow: a statement allows the request (or the principal is root) and none
	// denies it.
	Allow
	// ExplicitDeny: a Deny statement applies to the request.
	ExplicitDeny
)

// String returns "ImplicitDeny", "Allow" or "ExplicitDeny".
func (r Result) String() string {
	switch r {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Source says what decided a request.
type Source uint8

// The sources of a Decision.
const (
	// SourceNone: nothing allowed the request (ImplicitDeny).
	SourceNone Source = iota
	// SourceRoot: the principal is the account root.
	SourceRoot
	// SourceIdentity: a statement of one of the identity policies.
	SourceIdentity
	// SourceBucket: a statement of the bucket policy.
	SourceBucket
)

// String returns "none", "root", "identity policy" or "bucket policy".
func (s Source) String() string {
	switch s {
	case SourceRoot:
		return "root"
	case SourceIdentity:
		return "identity policy"
	case SourceBucket:
		return "bucket policy"
	}
	return "none"
}

// Decision is the outcome of Evaluate and what decided it, for audit logs and for
// explaining a refusal.
type Decision struct {
	// Result is the outcome.
	Result Result
	// Source is what decided it.
	Source Source
	// Policy is the index of the deciding policy in Evaluate's identityPolicies when
	// Source is SourceIdentity, else -1.
	Policy int
	// Statement is the index of the deciding statement in its policy, or -1 when no
	// statement decided (root, ImplicitDeny).
	Statement int
	// Sid is the deciding statement's Sid, if it has one.
	Sid string
}

// Allowed reports whether the request may proceed.
func (d Decision) Allowed() bool { return d.Result == Allow }

// String describes the decision, e.g. `ExplicitDeny by bucket policy statement 2
// (Sid "DenyPlainHTTP")`.
func (d Decision) String() string {
	var b strings.Builder
	b.WriteString(d.Result.String())
	switch d.Source {
	case SourceNone:
		b.WriteString(": no statement allows the request")
		return b.String()
	case SourceRoot:
		b.WriteString(" for the account root")
		return b.String()
	case SourceIdentity:
		b.WriteString(" by identity policy ")
		b.WriteString(strconv.Itoa(d.Policy))
		b.WriteString(", statement ")
	case SourceBucket:
		b.WriteString(" by bucket policy statement ")
	}
	b.WriteString(strconv.Itoa(d.Statement))
	if d.Sid != "" {
		b.WriteString(" (Sid ")
		b.WriteString(strconv.Quote(d.Sid))
		b.WriteString(")")
	}
	return b.String()
}

// Evaluate decides a request within one account, by AWS's rules:
//
//  1. A Deny statement that applies, in an identity policy or in the bucket policy,
//     refuses the request: ExplicitDeny.
//  2. The account root is allowed everything else. Root is refused only by a bucket
//     policy Deny that names it (Principal "*", its name, or the account ARN), and
//     even then may always get, put and delete the bucket policy, so that a policy
//     that locks everyone out can be undone.
//  3. An Allow statement that applies allows the request: from an identity policy
//     for an authenticated user, or from the bucket policy when its Principal names
//     the requester. Anonymous requests can be allowed only by a bucket policy
//     statement whose Principal is "*" (or {"AWS": "*"}).
//  4. Otherwise: ImplicitDeny.
//
// identityPolicies are the policies of the user and of the user's groups; they are
// ignored for anonymous and root requests. bucketPolicy is the policy of the bucket
// the request acts on, or nil. A request without an Action or a Resource is refused.
func Evaluate(req Request, identityPolicies []*Policy, bucketPolicy *Policy) Decision {
	none := Decision{Result: ImplicitDeny, Policy: -1, Statement: -1}
	if req.Action == "" || req.Resource == "" {
		return none
	}
	ctx := evalCtx{req: req}
	ctx.username[0] = req.Principal
	switch {
	case req.IsRoot:
		ctx.principalType[0] = PrincipalTypeAccount
	case req.Principal == "":
		ctx.principalType[0] = PrincipalTypeAnonymous
	default:
		ctx.principalType[0] = PrincipalTypeUser
	}

	allow, allowed := none, false
	if req.Principal != "" && !req.IsRoot {
		for i, p := range identityPolicies {
			if p == nil {
				continue
			}
			deny, a := p.scan(&ctx, false, !allowed)
			if deny >= 0 {
				return p.decision(ExplicitDeny, SourceIdentity, i, deny)
			}
			if a >= 0 {
				allow, allowed = p.decision(Allow, SourceIdentity, i, a), true
			}
		}
	}
	if bucketPolicy != nil {
		deny, a := bucketPolicy.scan(&ctx, true, !allowed && !req.IsRoot)
		if deny >= 0 && !(req.IsRoot && rootBypassesDeny(req.Action)) {
			return bucketPolicy.decision(ExplicitDeny, SourceBucket, -1, deny)
		}
		if a >= 0 {
			allow, allowed = bucketPolicy.decision(Allow, SourceBucket, -1, a), true
		}
	}
	if req.IsRoot {
		return Decision{Result: Allow, Source: SourceRoot, Policy: -1, Statement: -1}
	}
	if allowed {
		return allow
	}
	return none
}

// scan returns the index of the first Deny statement of p that applies to the
// request, and, if wantAllow, of the first Allow statement that does; -1 for none.
func (p *Policy) scan(ctx *evalCtx, inBucket, wantAllow bool) (deny, allow int) {
	allow = -1
	for i := range p.stmts {
		s := &p.stmts[i]
		if !s.deny && (!wantAllow || allow >= 0) {
			continue
		}
		if !s.applies(ctx, inBucket) {
			continue
		}
		if s.deny {
			return i, allow
		}
		allow = i
	}
	return -1, allow
}

// decision builds the Decision of statement i of p.
func (p *Policy) decision(r Result, src Source, policy, i int) Decision {
	return Decision{Result: r, Source: src, Policy: policy, Statement: i, Sid: p.stmts[i].sid}
}

// applies reports whether the statement applies to the request: its principal,
// action, resource and every condition match. inBucket says that the statement is
// part of a bucket policy.
func (s *compiledStatement) applies(ctx *evalCtx, inBucket bool) bool {
	if matchAny(s.actions, ctx.req.Action, nil) == s.notAction {
		return false
	}
	if !s.principalMatches(&ctx.req, inBucket) {
		return false
	}
	if matchAny(s.resources, ctx.req.Resource, ctx) == s.notResource {
		return false
	}
	for i := range s.conds {
		if !s.conds[i].eval(ctx) {
			return false
		}
	}
	return true
}

// matchAny reports whether s matches one of the patterns.
func matchAny(patterns []pattern, s string, ctx *evalCtx) bool {
	for i := range patterns {
		if patterns[i].match(s, ctx) {
			return true
		}
	}
	return false
}

// principalMatches reports whether the statement applies to the requester.
//
// A statement without Principal or NotPrincipal applies, in an identity policy, to
// the identity the policy is attached to. In a bucket policy (where ParseBucketPolicy
// refuses it) it fails safe: a Deny applies to everyone, an Allow to no one.
//
// The account ARN (arn:aws:iam::<any>:root) stands for the account, as in AWS. In the
// Principal of a Deny it names every authenticated principal of the account, root
// included; in the Principal of an Allow it names root only, since AWS requires the
// account's users to be granted by their own identity policies too; in NotPrincipal
// it excludes root only.
func (s *compiledStatement) principalMatches(req *Request, inBucket bool) bool {
	ps := s.principals
	if ps == nil {
		return !inBucket || s.deny
	}
	in := ps.contains(req, s.deny && !s.notPrincipal)
	return in != s.notPrincipal
}

// contains reports whether the set names the requester. accountIsEveryone widens an
// account ARN to every authenticated principal.
func (ps *principalSet) contains(req *Request, accountIsEveryone bool) bool {
	if ps.everyone {
		return true
	}
	if req.Principal == "" && !req.IsRoot {
		return false
	}
	if ps.account && (req.IsRoot || accountIsEveryone) {
		return true
	}
	if req.Principal != "" {
		for _, u := range ps.users {
			if u == req.Principal {
				return true
			}
		}
	}
	return false
}

// evalCtx is the state of one evaluation: the request and the condition values
// derived from it. It lives on Evaluate's stack; it holds the Request by value so
// that escape analysis keeps it there (values read from it may reach error paths of
// strconv and netip, which escape).
type evalCtx struct {
	req           Request
	username      [1]string
	principalType [1]string
}

// lookup returns the request's values for a canonical condition key, and whether the
// key is present (with at least one value). Keys in Request.Conditions are matched
// exactly first and then ignoring the case of the key name, so that a caller's
// spelling ("aws:sourceip") can never turn a condition off.
func (c *evalCtx) lookup(key string) ([]string, bool) {
	switch key {
	case KeyUsername:
		if c.req.Principal == "" {
			return nil, false
		}
		return c.username[:], true
	case KeyPrincipalType:
		return c.principalType[:], true
	}
	if v, ok := c.req.Conditions[key]; ok {
		return v, len(v) > 0
	}
	for k, v := range c.req.Conditions {
		if sameKey(k, key) {
			return v, len(v) > 0
		}
	}
	return nil, false
}

// variable resolves a policy variable: the key's single value, else its default.
// A key with several values cannot be a variable, as in AWS.
func (c *evalCtx) variable(v varRef) (string, bool) {
	vals, ok := c.lookup(v.key)
	switch {
	case ok && len(vals) == 1:
		return vals[0], true
	case !ok && v.hasDef:
		return v.def, true
	}
	return "", false
}
