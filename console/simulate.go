package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/admin/client"
)

// checkResult is the answer of "what can this user do?".
type checkResult struct {
	Action, Resource string
	Allowed          bool
	Decision         string   // how it was decided, e.g. "Allow by policy photos-rw, statement 0"
	Notes            []string // what the answer could not take into account
	Error            string   // why there is no answer
}

// checkUser answers whether user u may perform action on resource, by the gate's
// evaluator (policy.Evaluate) over what the signed-in user may read through the admin
// and S3 APIs: u's policies and its groups' (GET /admin/v1/groups, /policies) and, for
// an S3 resource, the bucket's policy (GetBucketPolicy). The request's own context
// (source address, time, transport) is unknown here: statements with conditions on it
// do not match, and the answer says so.
func (c *Console) checkUser(r *http.Request, s *session, ac *client.Client, u admin.User, action, resource string) *checkResult {
	res := &checkResult{Action: action, Resource: resource}
	ctx := r.Context()
	names := slices.Clone(u.Policies)
	for _, g := range u.Groups {
		grp, err := ac.Group(ctx, g)
		if err != nil {
			res.Error = "Cannot read group " + g + ": " + errText(err)
			return res
		}
		for _, p := range grp.Policies {
			if !slices.Contains(names, p) {
				names = append(names, p)
			}
		}
	}
	identity := make([]*policy.Policy, 0, len(names))
	for _, n := range names {
		p, err := ac.Policy(ctx, n)
		if err != nil {
			res.Error = "Cannot read policy " + n + ": " + errText(err)
			return res
		}
		compiled, err := policy.Parse(p.Document)
		if err != nil {
			res.Error = fmt.Sprintf("Policy %s does not compile: %v", n, err)
			return res
		}
		identity = append(identity, compiled)
	}
	var bucketPolicy *policy.Policy
	if rest, ok := strings.CutPrefix(resource, policy.S3ARNPrefix); ok {
		bucket, _, _ := strings.Cut(rest, "/")
		out, err := c.s3Client(r, s).GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
		switch _, code, _ := apiError(err); {
		case err == nil:
			if bucketPolicy, err = policy.Parse([]byte(aws.ToString(out.Policy))); err != nil {
				res.Error = "The bucket policy does not compile: " + err.Error()
				return res
			}
		case code == "NoSuchBucketPolicy":
		default:
			res.Notes = append(res.Notes, "The bucket's policy is not taken into account: you may not read it ("+errText(err)+").")
		}
	}
	d := policy.Evaluate(policy.Request{Action: action, Resource: resource, Principal: u.Name}, identity, bucketPolicy)
	res.Allowed = d.Allowed()
	res.Decision = d.String()
	if d.Source == policy.SourceIdentity && d.Policy >= 0 && d.Policy < len(names) {
		res.Decision += " (policy " + names[d.Policy] + ")"
	}
	if u.Status != "enabled" || u.Expired {
		res.Allowed = false
		res.Notes = append(res.Notes, "The user is "+u.Status+map[bool]string{true: " and expired", false: ""}[u.Expired]+": every request of theirs is refused before any policy.")
	}
	res.Notes = append(res.Notes, "Evaluated without a request's context: statements with conditions on the source address, time or transport do not match here.")
	return res
}
