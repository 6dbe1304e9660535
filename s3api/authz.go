package s3api

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/audit"
	"github.com/cairnstore/cairn/s3api/s3err"
)

// authorize decides whether the request may perform its action, before the handler
// runs: the action's permission on the request's bucket or object, evaluated by
// policy.Evaluate over the signer's identity policies and the bucket's policy (AWS's
// order: an explicit Deny wins, then an Allow; root is allowed what no bucket policy
// denies; anonymous requests only what a bucket policy allows to "*").
//
// DeleteObjects is authorized per key by its handler (s3:DeleteObject), CopyObject
// and UploadPartCopy also need s3:GetObject on the source (openCopySource), and a POST
// upload is authorized by its handler for the form's signer.
func (s *Server) authorize(c echo.Context, r *request) error {
	if r.action == actDeleteObjects {
		return nil
	}
	if err := s.allow(c, r, r.action.Permission, r.bucket, r.key); err != nil {
		r.denied = true
		return err
	}
	return nil
}

// allow returns nil if the request's principal may perform action on bucket/key (the
// bucket's ARN when key is empty, the list of buckets when bucket is empty), else
// AccessDenied.
func (s *Server) allow(c echo.Context, r *request, action, bucket, key string) error {
	req := policy.Request{Action: action, Resource: resourceARN(bucket, key), Conditions: s.conditions(c, r)}
	var identity []*policy.Policy
	if !r.auth.anonymous() {
		p := r.auth.principal
		req.Principal, req.IsRoot, identity = p.User, p.IsRoot, p.Policies
	}
	var bucketPolicy *policy.Policy
	if bucket != "" && action != policy.ActionCreateBucket {
		bp, err := s.meta.BucketPolicy(c.Request().Context(), bucket)
		switch {
		case errors.Is(err, meta.ErrNoSuchBucketPolicy):
		case err != nil:
			return err
		case bp.Policy == nil:
			// Stored but no longer compiles: fail closed, except for root's calls that
			// repair it.
			s.log.Error("a bucket policy does not compile; refusing requests on the bucket", "bucket", bucket)
			if !req.IsRoot || !isBucketPolicyAction(action) {
				return s.denied(r, req, policy.Decision{Result: policy.ExplicitDeny, Source: policy.SourceBucket})
			}
		default:
			bucketPolicy = bp.Policy
		}
	}
	d := policy.Evaluate(req, identity, bucketPolicy)
	if d.Allowed() {
		return nil
	}
	return s.denied(r, req, d)
}

// denied is the AccessDenied of a refused request. As AWS, an authenticated caller
// learns which action on which resource was refused and whether a policy denied it
// explicitly; an anonymous caller gets the bare "Access Denied".
func (s *Server) denied(r *request, req policy.Request, d policy.Decision) error {
	s.log.Debug("access denied", "action", req.Action, "resource", req.Resource, "user", req.Principal, "decision", d.String())
	if r.auth.anonymous() {
		return s3err.New(s3err.AccessDenied)
	}
	why := fmt.Sprintf("because no identity-based policy allows the %s action", req.Action)
	switch {
	case d.Result == policy.ExplicitDeny && d.Source == policy.SourceBucket:
		why = "with an explicit deny in a resource-based policy"
	case d.Result == policy.ExplicitDeny:
		why = "with an explicit deny in an identity-based policy"
	}
	return s3err.Newf(s3err.AccessDenied, "User: %s is not authorized to perform: %s on resource: %q %s", req.Principal, req.Action, req.Resource, why)
}

// authorizePost authenticates and authorizes a POST upload of key once its form is
// verified: the form's signer (accessKey; "" for an anonymous form) needs
// s3:PutObject on the key, as for a PUT.
func (s *Server) authorizePost(c echo.Context, r *request, accessKey, key string) error {
	if err := s.identify(c, r, nil, accessKey, authTypePOST); err != nil {
		return err
	}
	if err := s.allow(c, r, policy.ActionPutObject, r.bucket, key); err != nil {
		r.denied = true
		return err
	}
	return nil
}

// resourceARN is the resource of a request on bucket/key.
func resourceARN(bucket, key string) string {
	switch {
	case bucket == "":
		return policy.AllBucketsARN
	case key == "":
		return policy.BucketARN(bucket)
	}
	return policy.ObjectARN(bucket, key)
}

func isBucketPolicyAction(action string) bool {
	return action == policy.ActionGetBucketPolicy || action == policy.ActionPutBucketPolicy || action == policy.ActionDeleteBucketPolicy
}

// listActions are the actions whose requests carry s3:prefix, s3:delimiter and
// s3:max-keys.
var listActions = map[string]bool{"ListObjects": true, "ListObjectsV2": true, "ListMultipartUploads": true}

// conditions is the request's condition context (docs/policies.md), built once.
// aws:username and aws:PrincipalType come from the principal in policy.Evaluate.
// s3:ExistingObjectTag and s3:RequestObjectTag are absent: Cairn has no tags yet.
func (s *Server) conditions(c echo.Context, r *request) map[string][]string {
	if r.conds != nil {
		return r.conds
	}
	hr := c.Request()
	now := s.now()
	m := map[string][]string{
		policy.KeySourceIP:        {r.clientIP},
		policy.KeySecureTransport: {strconv.FormatBool(audit.SecureTransport(hr, s.cfg.TrustedProxies))},
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
	set(policy.KeyACL, hr.Header.Get("x-amz-acl"))
	set(policy.KeyContentSHA256, hr.Header.Get("x-amz-content-sha256"))
	if listActions[r.action.Name] {
		m[policy.KeyPrefix] = []string{r.query.Get("prefix")} // "" without a prefix, as AWS
		if r.has("delimiter") {
			m[policy.KeyDelimiter] = []string{r.query.Get("delimiter")}
		}
		set(policy.KeyMaxKeys, r.query.Get("max-keys"))
	}
	if r.auth != nil {
		set(policy.KeyAuthType, r.auth.authType)
		if !r.auth.anonymous() {
			m[policy.KeySignatureVersion] = []string{"AWS4-HMAC-SHA256"}
		}
	}
	r.conds = m
	return m
}
