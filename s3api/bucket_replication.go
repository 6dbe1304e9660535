package s3api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
	"github.com/cairnstore/cairn/s3api/gate"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// S3's replication configuration, mapped onto site sync's rules
// (docs/site-sync.md, "The S3 API"):
//
//   - Role names the connection the rules replicate through: the connection's name
//     or its admin ARN (arn:cairn:admin:::site/NAME); a rule's Destination/Account,
//     when set, names its own connection instead. GetBucketReplication sets both.
//   - Destination/Bucket is the target bucket: its ARN (arn:aws:s3:::NAME) or name.
//   - Status Disabled is a paused rule.
//   - Filter (Prefix, Tag, And) or the older rule-level Prefix is the rule's filter.
//   - DeleteMarkerReplication Enabled replicates deletes (delete markers and version
//     deletes alike).
//   - ExistingObjectReplication Enabled is mode all (a backfill); otherwise new_only.
//     A bidirectional rule, which S3's form cannot express, keeps its mode when a
//     Put names it again with the same connection and target bucket.
//   - Priority, StorageClass and the other elements are accepted and ignored.
//
// PutBucketReplication replaces the bucket's whole rule set. Choosing connections is
// an administrator's business, so beyond s3:PutReplicationConfiguration it needs
// admin:UpdateBucket on the bucket, unless it changes nothing but rules' Status
// (pause and resume), as in the admin API. DeleteBucketReplication always needs it.

// roleARNPrefix begins the Role that names a connection.
const roleARNPrefix = policy.AdminARNPrefix + "site/"

// getBucketReplication answers the bucket's rules; ReplicationConfigurationNotFound
// if it has none.
func (s *Server) getBucketReplication(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	rules, err := s.meta.ReplicationRules(c.Request().Context(), r.bucket)
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		return s3err.New(s3err.ReplicationConfigurationNotFound).WithBucket(r.bucket)
	}
	out := s3xml.ReplicationConfiguration{Role: roleARNPrefix + rules[0].Connection}
	for _, rule := range rules {
		if rule.Connection != rules[0].Connection {
			out.Role = ""
		}
		out.Rules = append(out.Rules, ruleXML(rule))
	}
	return writeXML(c, http.StatusOK, out)
}

// putBucketReplication replaces the bucket's rules with the body's.
func (s *Server) putBucketReplication(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	raw, err := s.readConfigBody(r)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.meta.ReplicationRules(ctx, r.bucket)
	if err != nil {
		return err
	}
	rules, err := parseReplication(raw, r.bucket, old)
	if err != nil {
		return err
	}
	if !onlyStatusChanged(old, rules) {
		if err := s.allowAdminBucket(r); err != nil {
			return err
		}
	}
	if err := s.meta.SetReplicationRules(ctx, r.bucket, rules); err != nil {
		return replicationError(err)
	}
	return c.NoContent(http.StatusOK)
}

// deleteBucketReplication removes the bucket's rules; none is no error, as in S3.
func (s *Server) deleteBucketReplication(c echo.Context, r *request) error {
	if _, err := s.bucket(c, r); err != nil {
		return err
	}
	if err := s.allowAdminBucket(r); err != nil {
		return err
	}
	if err := s.meta.DeleteReplicationRules(c.Request().Context(), r.bucket); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// allowAdminBucket checks admin:UpdateBucket on the request's bucket, the admin
// permission that choosing where a bucket replicates needs.
func (s *Server) allowAdminBucket(r *request) error {
	return s.gate.Authorize(r.gr, gate.Permission{Action: policy.AdminUpdateBucket, Resource: policy.AdminARN("bucket/" + r.bucket)})
}

// replicationError turns meta's refusals of a rule set into S3 errors.
func replicationError(err error) error {
	switch {
	case errors.Is(err, meta.ErrNoSuchConnection):
		return s3err.Newf(s3err.InvalidRequest, "The Role or Destination Account names no connection: %s", strings.TrimPrefix(err.Error(), meta.ErrNoSuchConnection.Error()+": "))
	case errors.Is(err, meta.ErrNotImplemented):
		return s3err.Newf(s3err.NotImplemented, "%s", err.Error())
	case errors.Is(err, meta.ErrInvalid), errors.Is(err, meta.ErrInvalidTag):
		return s3err.Newf(s3err.InvalidRequest, "%s", err.Error())
	}
	return err
}

// onlyStatusChanged reports whether next is old with nothing changed but rules'
// Paused: a pause or resume.
func onlyStatusChanged(old, next []meta.ReplicationRule) bool {
	if len(old) != len(next) {
		return false
	}
	byID := map[string]meta.ReplicationRule{}
	for _, r := range old {
		byID[r.ID] = r
	}
	for _, n := range next {
		o, ok := byID[n.ID]
		if !ok {
			return false
		}
		o.Paused, o.Since, o.CreatedAt, o.UpdatedAt = n.Paused, n.Since, n.CreatedAt, n.UpdatedAt
		if len(o.Tags) == 0 && len(n.Tags) == 0 {
			o.Tags = n.Tags
		}
		if !reflect.DeepEqual(o, n) {
			return false
		}
	}
	return true
}

// parseReplication reads a PutBucketReplication body into rules, refusing what S3
// refuses: a document that does not parse, no rule or a rule without Status or
// Destination is MalformedXML; more than 1000 rules, a bad Status or a filter with
// both forms is InvalidRequest. old are the bucket's current rules: a bidirectional
// one keeps its mode (see above).
func parseReplication(raw []byte, bucket string, old []meta.ReplicationRule) ([]meta.ReplicationRule, error) {
	var doc s3xml.ReplicationConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Rules) == 0 {
		return nil, s3err.New(s3err.MalformedXML)
	}
	if len(doc.Rules) > 1000 {
		return nil, s3err.Newf(s3err.InvalidRequest, "A replication configuration has at most 1000 rules.")
	}
	oldByID := map[string]meta.ReplicationRule{}
	for _, r := range old {
		oldByID[r.ID] = r
	}
	role := strings.TrimPrefix(doc.Role, roleARNPrefix)
	rules := make([]meta.ReplicationRule, 0, len(doc.Rules))
	for i, x := range doc.Rules {
		if x.Destination == nil || x.Destination.Bucket == "" || x.Status == "" {
			return nil, s3err.New(s3err.MalformedXML)
		}
		rule := meta.ReplicationRule{Bucket: bucket, ID: x.ID, Connection: role, Mode: meta.ModeNewOnly,
			TargetBucket: strings.TrimPrefix(x.Destination.Bucket, policy.S3ARNPrefix)}
		if rule.ID == "" {
			rule.ID = fmt.Sprintf("rule-%d", i+1)
		}
		if x.Destination.Account != "" {
			rule.Connection = strings.TrimPrefix(x.Destination.Account, roleARNPrefix)
		}
		if rule.Connection == "" {
			return nil, s3err.Newf(s3err.InvalidRequest, "Rule %s: the Role (or the Destination's Account) must name a connection.", rule.ID)
		}
		switch x.Status {
		case "Enabled":
		case "Disabled":
			rule.Paused = true
		default:
			return nil, s3err.Newf(s3err.InvalidRequest, "Rule %s: Status must be Enabled or Disabled.", rule.ID)
		}
		if err := parseFilter(x, &rule); err != nil {
			return nil, err
		}
		rule.ReplicateDeletes = x.DeleteMarkerReplication != nil && x.DeleteMarkerReplication.Status == "Enabled"
		if x.ExistingObjectReplication != nil && x.ExistingObjectReplication.Status == "Enabled" {
			rule.Mode = meta.ModeAll
		}
		if o, ok := oldByID[rule.ID]; ok && o.Connection == rule.Connection && o.TargetBucket == rule.TargetBucket {
			if o.Mode == meta.ModeBidirectional {
				rule.Mode = meta.ModeBidirectional
			}
			rule.SyncBucket = o.SyncBucket // S3 has no such setting
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

// parseFilter sets a rule's prefix and tags from its Filter or older Prefix.
func parseFilter(x s3xml.ReplicationRule, rule *meta.ReplicationRule) error {
	if x.Prefix != nil {
		if x.Filter != nil {
			return s3err.Newf(s3err.InvalidRequest, "Rule %s: give Filter or Prefix, not both.", rule.ID)
		}
		rule.Prefix = *x.Prefix
		return nil
	}
	f := x.Filter
	if f == nil {
		return nil
	}
	n := 0
	if f.Prefix != nil {
		rule.Prefix, n = *f.Prefix, n+1
	}
	if f.Tag != nil {
		rule.Tags, n = map[string]string{f.Tag.Key: f.Tag.Value}, n+1
	}
	if f.And != nil {
		rule.Prefix, n = f.And.Prefix, n+1
		rule.Tags = map[string]string{}
		for _, t := range f.And.Tags {
			if _, dup := rule.Tags[t.Key]; dup {
				return s3err.Newf(s3err.InvalidRequest, "Rule %s: the tag %s is given twice.", rule.ID, t.Key)
			}
			rule.Tags[t.Key] = t.Value
		}
	}
	if n > 1 {
		return s3err.Newf(s3err.InvalidRequest, "Rule %s: a Filter holds one of Prefix, Tag or And.", rule.ID)
	}
	return nil
}

// ruleXML is a rule in S3's form.
func ruleXML(r meta.ReplicationRule) s3xml.ReplicationRule {
	status := "Enabled"
	if r.Paused {
		status = "Disabled"
	}
	deletes := "Disabled"
	if r.ReplicateDeletes {
		deletes = "Enabled"
	}
	x := s3xml.ReplicationRule{ID: r.ID, Status: status, Filter: &s3xml.ReplicationFilter{},
		DeleteMarkerReplication: &s3xml.StatusElement{Status: deletes},
		Destination:             &s3xml.Destination{Bucket: policy.BucketARN(r.TargetBucket), Account: r.Connection}}
	if r.Mode != meta.ModeNewOnly {
		x.ExistingObjectReplication = &s3xml.StatusElement{Status: "Enabled"}
	}
	switch {
	case len(r.Tags) == 0:
		x.Filter.Prefix = &r.Prefix
	case len(r.Tags) == 1 && r.Prefix == "":
		for k, v := range r.Tags {
			x.Filter.Tag = &s3xml.Tag{Key: k, Value: v}
		}
	default:
		and := &s3xml.FilterAnd{Prefix: r.Prefix}
		and.Tags = s3xml.FromTags(maps.Clone(r.Tags)).TagSet
		x.Filter.And = and
	}
	return x
}
