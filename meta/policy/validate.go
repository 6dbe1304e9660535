package policy

import (
	"fmt"
	"slices"
	"strings"
)

// compiledStatement is a statement ready for evaluation: every pattern compiled,
// every value parsed.
type compiledStatement struct {
	index int
	sid   string
	deny  bool

	// principals is nil when the statement has neither Principal nor NotPrincipal.
	principals   *principalSet
	notPrincipal bool

	actions   []pattern
	notAction bool

	resources   []pattern
	notResource bool

	conds []condition
}

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	everyone bool     // "*"
	account  bool     // arn:aws:iam::<any>:root
	users    []string // user names, from plain names and user ARNs
}

// compileDocument validates doc, puts it in canonical form in place and compiles its
// statements. Every error is a *ValidationError.
func compileDocument(doc *Document) ([]compiledStatement, error) {
	switch doc.Version {
	case "":
		doc.Version = Version2008
	case Version2012, Version2008:
	default:
		return nil, invalid("Version", "unknown version %q (want %q or %q)", doc.Version, Version2012, Version2008)
	}
	if len(doc.Statements) == 0 {
		return nil, invalid("Statement", "a policy needs at least one statement")
	}
	variables := doc.Version == Version2012
	sids := make(map[string]int, len(doc.Statements))
	out := make([]compiledStatement, len(doc.Statements))
	for i := range doc.Statements {
		field := fmt.Sprintf("Statement[%d]", i)
		s := &doc.Statements[i]
		if s.Sid != "" {
			if j, dup := sids[s.Sid]; dup {
				return nil, invalid(field+".Sid", "%q is also the Sid of Statement[%d]; Sids must be unique", s.Sid, j)
			}
			sids[s.Sid] = i
		}
		c, err := compileStatement(s, variables, field)
		if err != nil {
			return nil, err
		}
		c.index = i
		out[i] = c
	}
	return out, nil
}

// compileStatement validates and compiles one statement, canonicalizing s in place.
func compileStatement(s *Statement, variables bool, field string) (compiledStatement, error) {
	c := compiledStatement{sid: s.Sid}
	switch s.Effect {
	case EffectAllow:
	case EffectDeny:
		c.deny = true
	case "":
		return c, invalid(field+".Effect", "missing Effect (want Allow or Deny)")
	default:
		return c, invalid(field+".Effect", "unknown Effect %q (want Allow or Deny)", s.Effect)
	}

	switch {
	case s.Principal != nil && s.NotPrincipal != nil:
		return c, invalid(field, "has both Principal and NotPrincipal")
	case s.Principal != nil:
		ps, err := compilePrincipal(s.Principal, field+".Principal")
		if err != nil {
			return c, err
		}
		c.principals = ps
	case s.NotPrincipal != nil:
		ps, err := compilePrincipal(s.NotPrincipal, field+".NotPrincipal")
		if err != nil {
			return c, err
		}
		c.principals, c.notPrincipal = ps, true
	}

	actions, name, err := oneOf(s.Action, s.NotAction, "Action", "NotAction", field)
	if err != nil {
		return c, err
	}
	c.notAction = name == "NotAction"
	for j, a := range actions {
		f := fmt.Sprintf("%s.%s[%d]", field, name, j)
		if reason := checkAction(a); reason != "" {
			return c, invalid(f, "%s", reason)
		}
		p, reason := compilePattern(a, patternMode{wildcards: true, fold: true})
		if reason != "" {
			return c, invalid(f, "%s", reason)
		}
		c.actions = append(c.actions, p)
	}

	resources, name, err := oneOf(s.Resource, s.NotResource, "Resource", "NotResource", field)
	if err != nil {
		return c, err
	}
	c.notResource = name == "NotResource"
	for j, r := range resources {
		f := fmt.Sprintf("%s.%s[%d]", field, name, j)
		if reason := checkResource(r); reason != "" {
			return c, invalid(f, "%s", reason)
		}
		if !variables && strings.Contains(r, "${") {
			return c, invalid(f, "policy variables need \"Version\": %q", Version2012)
		}
		p, reason := compilePattern(r, patternMode{wildcards: true, variables: variables})
		if reason != "" {
			return c, invalid(f, "%s", reason)
		}
		c.resources = append(c.resources, p)
	}

	conds, canon, err := compileConditions(s.Condition, variables, field+".Condition")
	if err != nil {
		return c, err
	}
	c.conds, s.Condition = conds, canon
	return c, nil
}

// oneOf checks that exactly one of a pair of list elements (Action and NotAction,
// Resource and NotResource) is present and not empty, and returns it and its name.
func oneOf(a, notA []string, name, notName, field string) ([]string, string, error) {
	switch {
	case a != nil && notA != nil:
		return nil, "", invalid(field, "has both %s and %s", name, notName)
	case a == nil && notA == nil:
		return nil, "", invalid(field+"."+name, "missing %s and %s: a statement needs one of them", name, notName)
	case a != nil:
		if len(a) == 0 {
			return nil, "", invalid(field+"."+name, "must not be empty")
		}
		return a, name, nil
	}
	if len(notA) == 0 {
		return nil, "", invalid(field+"."+notName, "must not be empty")
	}
	return notA, notName, nil
}

// checkAction validates an action pattern: "*" or service:Name, wildcards allowed.
// It returns a reason, or "".
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	svc, name, ok := splitAction(a)
	if !ok || svc == "" || name == "" {
		return fmt.Sprintf("%q is not an action (want service:Name, e.g. s3:GetObject, or *)", a)
	}
	for i := 0; i < len(svc); i++ {
		if !isAlnum(svc[i]) && svc[i] != '-' && svc[i] != '*' && svc[i] != '?' {
			return fmt.Sprintf("%q is not an action: bad character %q in the service", a, svc[i])
		}
	}
	for i := 0; i < len(name); i++ {
		if !isAlnum(name[i]) && name[i] != '*' && name[i] != '?' {
			return fmt.Sprintf("%q is not an action: bad character %q in the name", a, name[i])
		}
	}
	if hasWildcard(svc) {
		return ""
	}
	switch asciiLower(svc) {
	case "s3":
	case "admin":
		if !hasWildcard(name) && !isAdminAction(a) {
			return fmt.Sprintf("unknown admin action %q", a)
		}
	default:
		return fmt.Sprintf("%q is not an action of Cairn (services: s3, admin)", a)
	}
	return ""
}

// checkResource validates a resource pattern: "*", arn:aws:s3:::BUCKET[/KEY] or
// arn:cairn:admin:::RESOURCE, with wildcards in the last part. It returns a reason,
// or "".
func checkResource(r string) string {
	if r == "*" {
		return ""
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return fmt.Sprintf("malformed ARN %q (want arn:aws:s3:::BUCKET, arn:aws:s3:::BUCKET/KEY, or *)", r)
	}
	partition, service, region, account, res := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case partition == "aws" && service == "s3":
	case partition == "cairn" && service == "admin":
	default:
		return fmt.Sprintf("malformed ARN %q: Cairn's resources are arn:aws:s3:::BUCKET[/KEY] and arn:cairn:admin:::RESOURCE", r)
	}
	if region != "" || account != "" {
		return fmt.Sprintf("malformed ARN %q: region and account must be empty", r)
	}
	if res == "" {
		return fmt.Sprintf("malformed ARN %q: nothing after \":::\"", r)
	}
	return ""
}

// compilePrincipal validates and compiles a Principal or NotPrincipal element.
func compilePrincipal(p *Principal, field string) (*principalSet, error) {
	if len(p.AWS) == 0 {
		return nil, invalid(field, "must name at least one principal")
	}
	ps := &principalSet{}
	for j, e := range p.AWS {
		f := fmt.Sprintf("%s.AWS[%d]", field, j)
		switch {
		case e == "*":
			ps.everyone = true
		case strings.HasPrefix(e, "arn:"):
			parts := strings.SplitN(e, ":", 6)
			if len(parts) != 6 || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
				return nil, invalid(f, "malformed principal ARN %q (want arn:aws:iam::ACCOUNT:user/NAME or arn:aws:iam::ACCOUNT:root)", e)
			}
			res := parts[5]
			switch {
			case res == "root":
				ps.account = true
			case strings.HasPrefix(res, "user/"):
				name := res[strings.LastIndexByte(res, '/')+1:]
				if !validUserName(name) {
					return nil, invalid(f, "malformed principal ARN %q: bad user name", e)
				}
				ps.users = append(ps.users, name)
			default:
				return nil, invalid(f, "unsupported principal %q: Cairn has users (arn:aws:iam::ACCOUNT:user/NAME) and the account (arn:aws:iam::ACCOUNT:root)", e)
			}
		case validUserName(e):
			ps.users = append(ps.users, e)
		default:
			return nil, invalid(f, "%q is not a principal (want *, a user name, or an IAM user or account ARN)", e)
		}
	}
	return ps, nil
}

// validUserName accepts a user name as a principal: not empty, and without the
// characters of ARNs and wildcards.
func validUserName(name string) bool {
	return name != "" && !strings.ContainsAny(name, ":/*?$ \t\r\n")
}

// compileConditions validates and compiles a Condition element; it returns the
// conditions in a fixed order (by operator, then key) and the element in canonical
// form.
func compileConditions(in map[string]map[string][]string, variables bool, field string) ([]condition, map[string]map[string][]string, error) {
	if len(in) == 0 {
		return nil, nil, nil
	}
	canon := make(map[string]map[string][]string, len(in))
	var conds []condition
	for _, opName := range sortedKeys(in) {
		keys := in[opName]
		op, reason := parseOperator(opName)
		if reason != "" {
			return nil, nil, invalid(field+"."+opName, "%s", reason)
		}
		if _, dup := canon[op.name]; dup {
			return nil, nil, invalid(field+"."+opName, "operator %s appears twice", op.name)
		}
		if len(keys) == 0 {
			return nil, nil, invalid(field+"."+opName, "names no condition key")
		}
		ck := make(map[string][]string, len(keys))
		for _, keyName := range sortedKeys(keys) {
			f := field + "." + opName + "." + keyName
			key, kt, ok := canonicalKey(keyName)
			if !ok {
				return nil, nil, invalid(f, "unknown condition key %q", keyName)
			}
			if _, dup := ck[key]; dup {
				return nil, nil, invalid(f, "condition key %s appears twice under %s", key, op.name)
			}
			c, err := compileCondition(op, key, kt, keys[keyName], variables, f)
			if err != nil {
				return nil, nil, err
			}
			ck[key] = keys[keyName]
			conds = append(conds, c)
		}
		canon[op.name] = ck
	}
	return conds, canon, nil
}

// checkIdentity checks what an identity policy (attached to a user or a group)
// must satisfy beyond validity: no Principal or NotPrincipal.
func (p *Policy) checkIdentity() error {
	for i, s := range p.doc.Statements {
		if s.Principal != nil || s.NotPrincipal != nil {
			return invalid(fmt.Sprintf("Statement[%d].Principal", i), "an identity policy has no Principal or NotPrincipal: it applies to the users and groups it is attached to")
		}
	}
	return nil
}

// checkBucket checks what a bucket policy must satisfy beyond validity, as AWS does:
// every statement names its principals, grants only S3 actions, and names resources
// inside the bucket.
func (p *Policy) checkBucket(bucket string) error {
	if bucket == "" || strings.ContainsAny(bucket, "/*?") {
		return invalid("", "bad bucket name %q", bucket)
	}
	bucketARN := BucketARN(bucket)
	for i, s := range p.doc.Statements {
		field := fmt.Sprintf("Statement[%d]", i)
		if s.Principal == nil && s.NotPrincipal == nil {
			return invalid(field+".Principal", "a bucket policy statement needs Principal or NotPrincipal")
		}
		c := &p.stmts[i]
		if !c.notAction {
			for j, a := range s.Action {
				svc, _, _ := splitAction(a)
				sp, _ := compilePattern(svc, patternMode{wildcards: true, fold: true})
				if a != "*" && !sp.match("s3", nil) {
					return invalid(fmt.Sprintf("%s.Action[%d]", field, j), "%q is not an S3 action: a bucket policy grants only s3: actions", a)
				}
			}
		}
		if !c.notResource {
			for j, r := range s.Resource {
				res := &c.resources[j]
				inS3 := r == "*" || strings.HasPrefix(r, S3ARNPrefix)
				inBucket := res.couldMatch(bucketARN, false) || res.couldMatch(bucketARN+"/", true)
				if !inS3 || !inBucket {
					return invalid(fmt.Sprintf("%s.Resource[%d]", field, j), "%q is not in bucket %q", r, bucket)
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }
