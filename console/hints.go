package console

import (
	"net/http"

	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
)

// allowed reports whether the session's user may perform action on resource (an
// ARN) of bucket, by the same evaluation as the gate's (identity policies, the
// bucket's policy). It decides only which controls a page shows: the S3 or admin
// API that serves the action authorizes it again, so a forged request from a user
// without the control is refused there.
func (c *Console) allowed(r *http.Request, s *session, action, bucket, resource string) bool {
	req := c.hints.Begin(nil, r)
	if err := c.hints.Identify(req, s.accessKey, gate.AuthHeader); err != nil {
		return false
	}
	p := gate.Permission{Action: action, Resource: resource}
	if bucket != "" {
		if bp, err := c.deps.Meta.BucketPolicy(r.Context(), bucket); err == nil {
			p.ResourcePolicy, p.ResourcePolicyBroken = bp.Policy, bp.Policy == nil
		}
	}
	return c.hints.Check(req, p) == nil
}

// public reports whether anyone, signed in or not, may GetObject key of bucket:
// the bucket's policy allows it to "*" (the gate's evaluation for the anonymous
// caller).
func (c *Console) public(r *http.Request, bucket, key string) bool {
	bp, err := c.deps.Meta.BucketPolicy(r.Context(), bucket)
	if err != nil || bp.Policy == nil {
		return false
	}
	req := c.hints.Begin(nil, r) // no Identify: the anonymous caller
	return c.hints.Check(req, gate.Permission{Action: policy.ActionGetObject, Resource: policy.ObjectARN(bucket, key), ResourcePolicy: bp.Policy}) == nil
}

// mayObject reports whether the user may perform an s3 action on objects under
// prefix of bucket.
func (c *Console) mayObject(r *http.Request, s *session, action, bucket, prefix string) bool {
	return c.allowed(r, s, action, bucket, policy.ObjectARN(bucket, prefix))
}
