package s3api

import (
	"errors"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/sigv4"
)

// authorize decides whether the request may perform its action, before the handler
// runs: the action's permission on the request's bucket or object, evaluated by the
// gate over the signer's identity policies and the bucket's policy.
//
// DeleteObjects is authorized per key by its handler (s3:DeleteObject), CopyObject
// and UploadPartCopy also need s3:GetObject on the source (openCopySource), and a POST
// upload is authorized by its handler for the form's signer.
func (s *Server) authorize(c echo.Context, r *request) error {
	if r.action == actDeleteObjects {
		return nil
	}
	return s.allow(c, r, r.action.Permission, r.bucket, r.key)
}

// allow returns nil if the request's principal may perform action on bucket/key (the
// bucket's ARN when key is empty, the list of buckets when bucket is empty), else
// AccessDenied. The S3 surface adds the bucket's policy and its own condition keys
// to the gate's evaluation.
func (s *Server) allow(c echo.Context, r *request, action, bucket, key string) error {
	p, err := s.permission(c, r, action, bucket, key)
	if err != nil {
		return err
	}
	return s.gate.Authorize(r.gr, p)
}

// allowItem is allow for one item of an authorized request (a key of DeleteObjects):
// a refusal answers for that item only.
func (s *Server) allowItem(c echo.Context, r *request, action, bucket, key string) error {
	p, err := s.permission(c, r, action, bucket, key)
	if err != nil {
		return err
	}
	return s.gate.Check(r.gr, p)
}

// permission is what the gate evaluates for action on bucket/key: the resource, the
// S3 condition keys and the bucket's policy.
func (s *Server) permission(c echo.Context, r *request, action, bucket, key string) (gate.Permission, error) {
	p := gate.Permission{Action: action, Resource: resourceARN(bucket, key), Conditions: s.conditions(c, r)}
	if bucket != "" && action != policy.ActionCreateBucket {
		bp, err := s.meta.BucketPolicy(c.Request().Context(), bucket)
		switch {
		case errors.Is(err, meta.ErrNoSuchBucketPolicy):
		case err != nil:
			return p, err
		case bp.Policy == nil:
			// Stored but no longer compiles: fail closed, except for root's calls that
			// repair it.
			p.ResourcePolicyBroken, p.Repair = true, isBucketPolicyAction(action)
		default:
			p.ResourcePolicy = bp.Policy
		}
	}
	return p, nil
}

// authorizePost authenticates and authorizes a POST upload of key from its form
// fields: the gate verifies the form's signature and resolves its signer ("" for an
// anonymous form), who needs s3:PutObject on the key, as for a PUT.
func (s *Server) authorizePost(c echo.Context, r *request, fields map[string]string, key string) (*sigv4.PostPolicy, error) {
	pp, err := s.gate.AuthenticateForm(r.gr, r.bucket, fields)
	if err != nil {
		return nil, err
	}
	if err := s.allow(c, r, policy.ActionPutObject, r.bucket, key); err != nil {
		return nil, err
	}
	return pp, nil
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

// conditions is the request's condition context (docs/policies.md): the gate's keys
// and the S3 surface's, built once per request.
// s3:ExistingObjectTag and s3:RequestObjectTag are absent: Cairn has no tags yet.
func (s *Server) conditions(c echo.Context, r *request) map[string][]string {
	if r.conds != nil {
		return r.conds
	}
	hr := c.Request()
	m := s.gate.Conditions(r.gr)
	set := func(key, value string) {
		if value != "" {
			m[key] = []string{value}
		}
	}
	set(policy.KeyACL, hr.Header.Get("x-amz-acl"))
	set(policy.KeyContentSHA256, hr.Header.Get("x-amz-content-sha256"))
	if listActions[r.action.Name] {
		m[policy.KeyPrefix] = []string{r.query.Get("prefix")} // "" without a prefix, as AWS
		if r.has("delimiter") {
			m[policy.KeyDelimiter] = []string{r.query.Get("delimiter")}
		}
		set(policy.KeyMaxKeys, r.query.Get("max-keys"))
	}
	s.tagConditions(c, r, m)
	s.lockConditions(c, m)
	r.conds = m
	return m
}

// existingTagActions are the permissions of the actions on one object version whose
// condition context holds the version's tags (s3:ExistingObjectTag/<key>), as in AWS:
// GET and HEAD, and the tagging calls. (Keyed by permission, not by *Action: the
// actions' handlers reach this table, and a table of them would be an
// initialization cycle.)
var existingTagActions = map[string]bool{
	"s3:GetObject": true, "s3:GetObjectVersion": true,
	"s3:GetObjectTagging": true, "s3:GetObjectVersionTagging": true,
	"s3:PutObjectTagging": true, "s3:PutObjectVersionTagging": true,
	"s3:DeleteObjectTagging": true, "s3:DeleteObjectVersionTagging": true,
}

// tagConditions adds the object tag keys: s3:RequestObjectTag/<key> and
// s3:RequestObjectTagKeys from x-amz-tagging (PutObject, CopyObject,
// CreateMultipartUpload), and s3:ExistingObjectTag/<key> from the version an
// existingTagActions request names. The existing tags cost a read of the version's
// record, so they are read only for callers other than root (root is refused only by
// a bucket policy's explicit Deny, and such a Deny on existing tags is not evaluated
// for root: docs/iam.md).
func (s *Server) tagConditions(c echo.Context, r *request, m map[string][]string) {
	if tags, err := parseTaggingHeader(c.Request().Header.Get("x-amz-tagging")); err == nil && len(tags) > 0 {
		keys := make([]string, 0, len(tags))
		for k, v := range tags {
			m[policy.RequestObjectTagKey(k)] = []string{v}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m[policy.KeyRequestObjectTagKeys] = keys
	}
	if !existingTagActions[r.action.Permission] || r.bucket == "" || r.key == "" || r.gr == nil || r.gr.Caller.Principal.IsRoot {
		return
	}
	vid, err := versionIDParam(r)
	if err != nil {
		return
	}
	obj, err := s.store.OpenVersion(c.Request().Context(), r.bucket, r.key, vid)
	if err != nil {
		return // the handler reports it, once authorized
	}
	for k, v := range obj.Info.Tags {
		m[policy.ExistingObjectTagKey(k)] = []string{v}
	}
}
