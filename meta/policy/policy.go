package policy

import "slices"

// Versions of the policy language. Only 2012-10-17 has policy variables (${aws:username});
// a document without a Version is 2008-10-17, as in AWS.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// MaxPolicySize is the largest policy document Parse accepts, in bytes. AWS allows 20 KiB
// for a bucket policy and 6 KiB for a managed policy; Cairn is more generous for
// policies written by tools, and still bounds the work of one evaluation.
const MaxPolicySize = 64 << 10

// Effect is what a statement does to the requests it applies to.
type Effect string

// The two effects.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Document is the data of a policy, as written in JSON, in canonical form once it has
// been through New or a Parse function (operator and key names spelled canonically,
// every list a slice).
type Document struct {
	// Version is Version2012 or Version2008.
	Version string
	// ID is the optional Id element.
	ID string
	// Statements is never empty in a valid policy.
	Statements []Statement
}

// Statement is one statement of a policy. Exactly one of Action and NotAction is set,
// and exactly one of Resource and NotResource. Principal and NotPrincipal belong to
// bucket policies: at most one of them is set.
type Statement struct {
	// Sid is the optional statement id; unique within a policy when set.
	Sid string
	// Effect is EffectAllow or EffectDeny.
	Effect Effect
	// Principal lists the principals the statement applies to.
	Principal *Principal
	// NotPrincipal lists the principals the statement does not apply to.
	NotPrincipal *Principal
	// Action lists action patterns, e.g. "s3:Get*"; matched case-insensitively.
	Action []string
	// NotAction lists the action patterns the statement does not apply to.
	NotAction []string
	// Resource lists resource ARN patterns, e.g. "arn:aws:s3:::photos/2024/*".
	Resource []string
	// NotResource lists the resource patterns the statement does not apply to.
	NotResource []string
	// Condition maps an operator (e.g. "StringLike") to condition keys and, for each
	// key, the values to compare with. Nil when the statement has no condition.
	Condition map[string]map[string][]string
}

// Principal is the Principal or NotPrincipal element of a bucket policy statement.
// "*" and {"AWS": "*"} are both AWS: ["*"]: everyone, anonymous callers included.
type Principal struct {
	// AWS lists "*", user names ("alice"), user ARNs ("arn:aws:iam::*:user/alice")
	// and account ARNs ("arn:aws:iam::<anything>:root").
	AWS []string
}

// Policy is a validated, compiled policy. Build one with Parse, ParseIdentityPolicy,
// ParseBucketPolicy, ParseShort or New; a Policy is immutable and safe for concurrent
// use. The zero Policy has no statements and allows nothing.
type Policy struct {
	doc   Document
	stmts []compiledStatement
}

// New validates doc and compiles it into a Policy. The Policy keeps its own copy of
// doc, in canonical form. The error is a *ValidationError.
func New(doc Document) (*Policy, error) {
	doc = cloneDocument(doc)
	stmts, err := compileDocument(&doc)
	if err != nil {
		return nil, err
	}
	return &Policy{doc: doc, stmts: stmts}, nil
}

// Document returns a copy of the policy's document, in canonical form.
func (p *Policy) Document() Document {
	return cloneDocument(p.doc)
}

// cloneDocument deep-copies d, so that a Policy never shares memory with its caller.
func cloneDocument(d Document) Document {
	out := Document{Version: d.Version, ID: d.ID, Statements: make([]Statement, len(d.Statements))}
	for i, s := range d.Statements {
		c := s
		c.Principal = clonePrincipal(s.Principal)
		c.NotPrincipal = clonePrincipal(s.NotPrincipal)
		c.Action = cloneStrings(s.Action)
		c.NotAction = cloneStrings(s.NotAction)
		c.Resource = cloneStrings(s.Resource)
		c.NotResource = cloneStrings(s.NotResource)
		if s.Condition != nil {
			c.Condition = make(map[string]map[string][]string, len(s.Condition))
			for op, keys := range s.Condition {
				m := make(map[string][]string, len(keys))
				for k, v := range keys {
					m[k] = cloneStrings(v)
				}
				c.Condition[op] = m
			}
		}
		out.Statements[i] = c
	}
	return out
}

func clonePrincipal(p *Principal) *Principal {
	if p == nil {
		return nil
	}
	return &Principal{AWS: cloneStrings(p.AWS)}
}

// cloneStrings copies s, keeping nil apart from empty: an empty Action is an error,
// a missing one another.
func cloneStrings(s []string) []string {
	return slices.Clone(s)
}
