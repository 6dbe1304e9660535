package s3api

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/s3api/s3err"
	"github.com/cairnstore/cairn/s3api/s3xml"
)

// S3's limits on lifecycle rules.
const (
	maxLifecycleIDLength     = 255
	maxNewerNoncurrent       = 100
	lifecycleDateFormat      = "2006-01-02T15:04:05.000Z"
	lifecycleDateFormatShort = "2006-01-02T15:04:05Z"
)

// parseLifecycle reads a PutBucketLifecycleConfiguration body into a configuration,
// refusing what S3 refuses with S3's codes: a document that does not parse or breaks
// the schema (no rules, a rule without Status, both Prefix and Filter, Days with
// Date) is MalformedXML; a value out of range is InvalidArgument; a combination S3
// forbids is InvalidRequest. Transition and NoncurrentVersionTransition have nowhere
// to go in Cairn (one storage tier): NotImplemented, naming the rule.
func parseLifecycle(raw []byte) (*meta.LifecycleConfig, error) {
	var doc s3xml.LifecycleConfigurationInput
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Rules) == 0 {
		return nil, s3err.New(s3err.MalformedXML)
	}
	if len(doc.Rules) > meta.MaxLifecycleRules {
		return nil, s3err.Newf(s3err.InvalidRequest, "Lifecycle configuration cannot have more than %d rules.", meta.MaxLifecycleRules)
	}
	cfg := &meta.LifecycleConfig{Rules: make([]meta.LifecycleRule, 0, len(doc.Rules))}
	ids := map[string]bool{}
	legacy, v2 := false, false
	for i := range doc.Rules {
		rule, err := parseLifecycleRule(&doc.Rules[i])
		if err != nil {
			return nil, err
		}
		if rule.ID == "" {
			rule.ID = fmt.Sprintf("rule-%d", i+1) // S3 gives a rule without an ID a generated one
		}
		if ids[rule.ID] {
			return nil, s3err.Newf(s3err.InvalidArgument, "Rule ID must be unique. Found same ID for more than one rule").
				With("ArgumentName", "ID").With("ArgumentValue", rule.ID)
		}
		ids[rule.ID] = true
		if rule.Filter.Form == meta.FilterLegacy {
			legacy = true
		} else {
			v2 = true
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	if legacy && v2 {
		return nil, s3err.Newf(s3err.InvalidRequest, "Base level prefix cannot be used in Lifecycle V2, prefixes can only be used in the Filter.")
	}
	return cfg, nil
}

func parseLifecycleRule(in *s3xml.LifecycleRuleInput) (meta.LifecycleRule, error) {
	var r meta.LifecycleRule
	if in.ID != nil {
		r.ID = *in.ID
		if utf8.RuneCountInString(r.ID) > maxLifecycleIDLength {
			return r, s3err.Newf(s3err.InvalidArgument, "ID length should not exceed allowed limit of %d", maxLifecycleIDLength).
				With("ArgumentName", "ID").With("ArgumentValue", r.ID)
		}
	}
	if in.Status == nil || (*in.Status != "Enabled" && *in.Status != "Disabled") {
		return r, s3err.New(s3err.MalformedXML)
	}
	r.Enabled = *in.Status == "Enabled"
	if len(in.Transitions) > 0 || len(in.NoncurrentVersionTransitions) > 0 {
		return r, s3err.Newf(s3err.NotImplemented, "Rule %q: Transition and NoncurrentVersionTransition are not supported by Cairn, which stores every storage class the same way; use Expiration instead.", r.ID)
	}
	switch {
	case in.Prefix != nil && in.Filter != nil:
		return r, s3err.New(s3err.MalformedXML)
	case in.Prefix != nil:
		r.Filter = meta.LifecycleFilter{Form: meta.FilterLegacy, Prefix: *in.Prefix}
	case in.Filter != nil:
		f, err := parseLifecycleFilter(in.Filter)
		if err != nil {
			return r, err
		}
		r.Filter = f
	default:
		r.Filter = meta.LifecycleFilter{Form: meta.FilterSingle} // the whole bucket
	}
	if err := parseLifecycleActions(in, &r); err != nil {
		return r, err
	}
	return r, nil
}

// parseLifecycleFilter reads a Filter: empty (the whole bucket), one condition, or an
// And of several.
func parseLifecycleFilter(in *s3xml.LifecycleFilterInput) (meta.LifecycleFilter, error) {
	f := meta.LifecycleFilter{Form: meta.FilterSingle}
	n := len(in.Tags)
	for _, set := range []bool{in.Prefix != nil, in.ObjectSizeGreaterThan != nil, in.ObjectSizeLessThan != nil, in.And != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return f, s3err.New(s3err.MalformedXML) // more than one condition needs an And
	}
	cond := conditions{in.Prefix, in.Tags, in.ObjectSizeGreaterThan, in.ObjectSizeLessThan}
	if in.And != nil {
		f.Form = meta.FilterAnd
		cond = conditions{in.And.Prefix, in.And.Tags, in.And.ObjectSizeGreaterThan, in.And.ObjectSizeLessThan}
	}
	if err := cond.into(&f); err != nil {
		return f, err
	}
	return f, nil
}

// conditions are the conditions of a Filter or of its And.
type conditions struct {
	prefix *string
	tags   []s3xml.TagInput
	gt, lt *string
}

func (c conditions) into(f *meta.LifecycleFilter) error {
	if c.prefix != nil {
		f.Prefix = *c.prefix
	}
	seen := map[string]bool{}
	for _, t := range c.tags {
		if t.Key == nil || t.Value == nil {
			return s3err.New(s3err.MalformedXML)
		}
		if err := checkTag(*t.Key, *t.Value); err != nil {
			return err
		}
		if seen[*t.Key] {
			return s3err.Newf(s3err.InvalidRequest, "Duplicate Tag Keys are not allowed.")
		}
		seen[*t.Key] = true
		f.Tags = append(f.Tags, meta.LifecycleTag{Key: *t.Key, Value: *t.Value})
	}
	var err error
	if f.SizeGreaterThan, err = sizeBound(c.gt, "ObjectSizeGreaterThan"); err != nil {
		return err
	}
	if f.SizeLessThan, err = sizeBound(c.lt, "ObjectSizeLessThan"); err != nil {
		return err
	}
	if c.lt != nil && f.SizeLessThan == 0 {
		return s3err.Newf(s3err.InvalidRequest, "ObjectSizeLessThan must be a positive integer.")
	}
	if f.SizeGreaterThan > 0 && f.SizeLessThan > 0 && f.SizeGreaterThan >= f.SizeLessThan {
		return s3err.Newf(s3err.InvalidRequest, "Invalid Filter: ObjectSizeGreaterThan must be less than ObjectSizeLessThan.")
	}
	return nil
}

// sizeBound reads an object size bound: a non-negative integer (InvalidArgument
// otherwise); 0 if absent.
func sizeBound(v *string, name string) (int64, error) {
	if v == nil {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*v), 10, 64)
	if err != nil || n < 0 {
		return 0, s3err.Newf(s3err.InvalidArgument, "%s must be a non-negative integer.", name).
			With("ArgumentName", name).With("ArgumentValue", *v)
	}
	return n, nil
}

// positiveDays reads a day count that S3 requires to be a positive integer.
func positiveDays(v *string, name, action string) (int, error) {
	if v == nil {
		return 0, s3err.New(s3err.MalformedXML)
	}
	n, err := strconv.Atoi(strings.TrimSpace(*v))
	if err != nil || n <= 0 {
		return 0, s3err.Newf(s3err.InvalidArgument, "'%s' for %s action must be a positive integer", name, action).
			With("ArgumentName", name).With("ArgumentValue", *v)
	}
	return n, nil
}

func parseLifecycleActions(in *s3xml.LifecycleRuleInput, r *meta.LifecycleRule) error {
	if in.Expiration == nil && in.NoncurrentVersionExpiration == nil && in.AbortIncompleteMultipartUpload == nil {
		return s3err.Newf(s3err.InvalidRequest, "At least one action needs to be specified in a rule")
	}
	if e := in.Expiration; e != nil {
		if err := parseExpiration(e, r); err != nil {
			return err
		}
	}
	if nc := in.NoncurrentVersionExpiration; nc != nil {
		days, err := positiveDays(nc.NoncurrentDays, "NoncurrentDays", "NoncurrentVersionExpiration")
		if err != nil {
			return err
		}
		r.NoncurrentDays = days
		if nc.NewerNoncurrentVersions != nil {
			n, err := strconv.Atoi(strings.TrimSpace(*nc.NewerNoncurrentVersions))
			if err != nil || n <= 0 || n > maxNewerNoncurrent {
				return s3err.Newf(s3err.InvalidArgument, "NewerNoncurrentVersions must be a positive integer of at most %d", maxNewerNoncurrent).
					With("ArgumentName", "NewerNoncurrentVersions").With("ArgumentValue", *nc.NewerNoncurrentVersions)
			}
			r.NewerNoncurrentVersions = n
		}
	}
	if a := in.AbortIncompleteMultipartUpload; a != nil {
		if len(r.Filter.Tags) > 0 || r.Filter.SizeGreaterThan > 0 || r.Filter.SizeLessThan > 0 {
			return s3err.Newf(s3err.InvalidRequest, "AbortIncompleteMultipartUpload cannot be specified with Tags or object size filters.")
		}
		days, err := positiveDays(a.DaysAfterInitiation, "DaysAfterInitiation", "AbortIncompleteMultipartUpload")
		if err != nil {
			return err
		}
		r.AbortDays = days
	}
	return nil
}

func parseExpiration(e *s3xml.LifecycleExpirationInput, r *meta.LifecycleRule) error {
	set := 0
	for _, v := range []*string{e.Days, e.Date, e.ExpiredObjectDeleteMarker} {
		if v != nil {
			set++
		}
	}
	if set != 1 {
		// Exactly one of Days, Date and ExpiredObjectDeleteMarker.
		return s3err.New(s3err.MalformedXML)
	}
	switch {
	case e.Days != nil:
		days, err := positiveDays(e.Days, "Days", "Expiration")
		if err != nil {
			return err
		}
		r.ExpirationDays = days
	case e.Date != nil:
		d, err := parseLifecycleDate(*e.Date)
		if err != nil {
			return err
		}
		r.ExpirationDate = d
	default:
		v := strings.TrimSpace(*e.ExpiredObjectDeleteMarker)
		if v != "true" && v != "false" {
			return s3err.New(s3err.MalformedXML)
		}
		if v == "true" && r.Filter.HasTagOrSize() {
			return s3err.Newf(s3err.InvalidRequest, "ExpiredObjectDeleteMarker cannot be specified with Tags or object size filters.")
		}
		r.ExpiredObjectDeleteMarker = v == "true"
	}
	return nil
}

// parseLifecycleDate reads an Expiration Date: ISO 8601, at midnight UTC, as S3
// requires (InvalidArgument otherwise).
func parseLifecycleDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	var t time.Time
	var err error
	for _, layout := range []string{time.RFC3339Nano, lifecycleDateFormatShort, "2006-01-02"} {
		if t, err = time.Parse(layout, v); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, s3err.Newf(s3err.InvalidArgument, "'Date' must be in ISO 8601 format").
			With("ArgumentName", "Date").With("ArgumentValue", v)
	}
	t = t.UTC()
	if !t.Equal(t.Truncate(24 * time.Hour)) {
		return time.Time{}, s3err.Newf(s3err.InvalidArgument, "'Date' must be at midnight GMT").
			With("ArgumentName", "Date").With("ArgumentValue", v)
	}
	return t, nil
}

// lifecycleXML renders a stored configuration as GetBucketLifecycleConfiguration
// answers it: each rule's filter in the form it was given.
func lifecycleXML(cfg *meta.LifecycleConfig) s3xml.LifecycleConfiguration {
	out := s3xml.LifecycleConfiguration{Rules: make([]s3xml.LifecycleRule, 0, len(cfg.Rules))}
	for _, r := range cfg.Rules {
		x := s3xml.LifecycleRule{ID: r.ID, Status: "Disabled"}
		if r.Enabled {
			x.Status = "Enabled"
		}
		f := r.Filter
		switch f.Form {
		case meta.FilterLegacy:
			x.Prefix = &f.Prefix
		case meta.FilterAnd:
			and := &s3xml.LifecycleAnd{ObjectSizeGreaterThan: f.SizeGreaterThan, ObjectSizeLessThan: f.SizeLessThan}
			if f.Prefix != "" {
				and.Prefix = &f.Prefix
			}
			for _, t := range f.Tags {
				and.Tags = append(and.Tags, s3xml.Tag{Key: t.Key, Value: t.Value})
			}
			x.Filter = &s3xml.LifecycleFilter{And: and}
		default:
			x.Filter = &s3xml.LifecycleFilter{ObjectSizeGreaterThan: f.SizeGreaterThan, ObjectSizeLessThan: f.SizeLessThan}
			if f.Prefix != "" {
				x.Filter.Prefix = &f.Prefix
			}
			if len(f.Tags) == 1 {
				x.Filter.Tag = &s3xml.Tag{Key: f.Tags[0].Key, Value: f.Tags[0].Value}
			}
		}
		switch {
		case r.ExpirationDays > 0:
			x.Expiration = &s3xml.LifecycleExpiration{Days: r.ExpirationDays}
		case !r.ExpirationDate.IsZero():
			x.Expiration = &s3xml.LifecycleExpiration{Date: r.ExpirationDate.UTC().Format(lifecycleDateFormat)}
		case r.ExpiredObjectDeleteMarker:
			x.Expiration = &s3xml.LifecycleExpiration{ExpiredObjectDeleteMarker: true}
		}
		if r.NoncurrentDays > 0 {
			x.NoncurrentVersionExpiration = &s3xml.NoncurrentExpiration{NoncurrentDays: r.NoncurrentDays, NewerNoncurrentVersions: r.NewerNoncurrentVersions}
		}
		if r.AbortDays > 0 {
			x.AbortIncompleteMultipartUpload = &s3xml.AbortIncompleteUpload{DaysAfterInitiation: r.AbortDays}
		}
		out.Rules = append(out.Rules, x)
	}
	return out
}
