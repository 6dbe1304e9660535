package gate

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// Permission is one action on one resource that a request needs, with the context
// its conditions see.
type Permission struct {
	// Action is the IAM action, e.g. "s3:GetObject" or "admin:DeleteUser".
	Action string
	// Resource is the resource's ARN.
	Resource string
	// Conditions is the condition context: Conditions(req) plus the surface's own
	// keys. Nil: Conditions(req).
	Conditions map[string][]string
	// ResourcePolicy is the resource's own policy (a bucket policy); nil for none.
	ResourcePolicy *policy.Policy
	// ResourcePolicyBroken says the resource has a policy that no longer compiles:
	// everything is denied but what Repair allows.
	ResourcePolicyBroken bool
	// Repair says the action repairs the resource policy (root may then act on a
	// broken one).
	Repair bool
}

// Authorize returns nil if the request's caller may perform p, else AccessDenied:
// AWS's order, an explicit Deny wins, then an Allow; root is allowed what no
// resource policy denies; the anonymous caller only what a resource policy allows
// to "*". An authenticated caller learns which action on which resource was refused
// and why; the anonymous caller gets the bare "Access Denied".
func (g *Gate) Authorize(req *Request, p Permission) error {
	if err := g.Check(req, p); err != nil {
		req.Denied = true
		return err
	}
	return nil
}

// Check is Authorize for one item of a request that was itself authorized (a key of
// DeleteObjects, refused on its own while the others proceed): the same decision,
// but the request is not marked denied.
func (g *Gate) Check(req *Request, p Permission) error {
	conds := p.Conditions
	if conds == nil {
		conds = g.Conditions(req)
	}
	q := policy.Request{Action: p.Action, Resource: p.Resource, Conditions: conds}
	var identity []*policy.Policy
	if c := &req.Caller; !c.Anonymous() {
		q.Principal, q.IsRoot, identity = c.Principal.User, c.Principal.IsRoot, c.Principal.Policies
	}
	if p.ResourcePolicyBroken {
		g.log.Error("a resource policy does not compile; refusing requests on the resource", "resource", p.Resource)
		if !q.IsRoot || !p.Repair {
			return g.denied(req, q, policy.Decision{Result: policy.ExplicitDeny, Source: policy.SourceBucket})
		}
	}
	d := policy.Evaluate(q, identity, p.ResourcePolicy)
	if d.Allowed() {
		return nil
	}
	return g.denied(req, q, d)
}

// denied is the AccessDenied of a refused request.
func (g *Gate) denied(req *Request, q policy.Request, d policy.Decision) error {
	g.log.Debug("access denied", "action", q.Action, "resource", q.Resource, "user", q.Principal, "decision", d.String())
	if req.Caller.Anonymous() {
		return s3err.New(s3err.AccessDenied)
	}
	why := fmt.Sprintf("because no identity-based policy allows the %s action", q.Action)
	switch {
	case d.Result == policy.ExplicitDeny && d.Source == policy.SourceBucket:
		why = "with an explicit deny in a resource-based policy"
	case d.Result == policy.ExplicitDeny:
		why = "with an explicit deny in an identity-based policy"
	}
	return s3err.Newf(s3err.AccessDenied, "User: %s is not authorized to perform: %s on resource: %q %s", q.Principal, q.Action, q.Resource, why)
}

// Conditions returns the condition keys every surface sets (docs/policies.md): the
// client's address and transport, the time, the user agent and referer, and how the
// request was authenticated (s3:authType, s3:signatureversion). A surface adds its
// own keys to the map it gets, a fresh one on each call. aws:username and
// aws:PrincipalType come from the principal in policy.Evaluate.
func (g *Gate) Conditions(req *Request) map[string][]string {
	hr := req.HTTP
	now := g.cfg.Now()
	m := map[string][]string{
		policy.KeySourceIP:        {req.ClientIP},
		policy.KeySecureTransport: {strconv.FormatBool(audit.SecureTransport(hr, g.cfg.TrustedProxies))},
		policy.KeyCurrentTime:     {now.UTC().Format(time.RFC3339)},
		policy.KeyEpochTime:       {strconv.FormatInt(now.Unix(), 10)},
	}
	set := func(key, value string) {
		if value != "" {
			m[key] = []string{value}
		}
	}
	set(policy.KeyUserAgent, hr.UserAgent())
	set(policy.KeyReferer, hr.Referer())
	set(policy.KeyAuthType, req.Caller.AuthType)
	set(policy.KeySignatureVersion, req.Caller.SignatureVersion())
	return m
}
