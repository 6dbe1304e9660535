// Package lifecycle applies buckets' lifecycle rules (S3's
// PutBucketLifecycleConfiguration) inside the cluster: for each index partition, the
// first live owner walks its own copy of the partition, confirms each candidate with
// a quorum read, and acts through the object layer's quorum write paths (a delete
// marker, a version's removal, an upload's abort), as the S3 API does. See
// docs/lifecycle.md.
package lifecycle

import (
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/meta"
)

// DefaultDay is the length of a lifecycle day: rules count in days of this length,
// and due times are rounded up to the next multiple of it (midnight UTC for 24h).
const DefaultDay = 24 * time.Hour

// due returns when an action of days lifecycle days after t falls due, rounded as S3
// rounds: to the start of the day after t + days (midnight UTC for 24h days).
func due(t time.Time, days int, day time.Duration) time.Time {
	return t.Add(time.Duration(days) * day).UTC().Truncate(day).Add(day)
}

// Expiry is when a rule will expire an object's current version.
type Expiry struct {
	At     time.Time
	RuleID string
}

// CurrentExpiry returns the earliest expiration that an enabled rule of cfg sets for
// a current version (not a delete marker) of key with these tags, size and creation
// time; ok false if no rule expires it. It is what x-amz-expiration reports.
func CurrentExpiry(cfg *meta.LifecycleConfig, key string, tags map[string]string, size int64, created time.Time, day time.Duration) (Expiry, bool) {
	if cfg == nil {
		return Expiry{}, false
	}
	var best Expiry
	found := false
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if !r.Enabled || !r.Filter.Matches(key, tags, size) {
			continue
		}
		var at time.Time
		switch {
		case r.ExpirationDays > 0:
			at = due(created, r.ExpirationDays, day)
		case !r.ExpirationDate.IsZero():
			at = r.ExpirationDate
		default:
			continue
		}
		if !found || at.Before(best.At) {
			best, found = Expiry{At: at, RuleID: r.ID}, true
		}
	}
	return best, found
}

// Kind is what an action does.
type Kind int

// The kinds of action.
const (
	// ExpireCurrent expires a key's current version: a delete marker where
	// versioning is on (Enabled: a new one; Suspended: the null one), the removal of
	// the null version in an unversioned bucket.
	ExpireCurrent Kind = iota
	// RemoveNoncurrent removes a noncurrent version (or delete marker) for good.
	RemoveNoncurrent
	// RemoveDeleteMarker removes a delete marker that is its key's only version.
	RemoveDeleteMarker
)

// Action is one thing a rule makes due now on one key.
type Action struct {
	Kind    Kind
	Version blob.VersionInfo // the version acted on
	RuleID  string
}

// Removes reports whether the action removes a version for good (so a locked
// version must stop it): an expiration that writes a new delete marker removes
// nothing, but one in an unversioned bucket removes the null version, and so does
// the null delete marker of a Suspended bucket, which replaces it.
func (a Action) Removes(v blob.Versioning) bool {
	return a.Kind != ExpireCurrent || v == blob.Unversioned || v == blob.VersioningSuspended && !a.Version.Versioned
}

// Plan returns what cfg makes due at now on one key, given its live versions newest
// first. An expiration of the current version is planned alone: the noncurrent
// versions it leaves are for the next run, which sees them as they then are.
func Plan(cfg *meta.LifecycleConfig, key string, versions []blob.VersionInfo, now time.Time, day time.Duration) []Action {
	if cfg == nil || len(versions) == 0 {
		return nil
	}
	cur := versions[0]
	if !cur.DeleteMarker {
		if exp, ok := CurrentExpiry(cfg, key, cur.Tags, cur.Size, cur.Created, day); ok && !now.Before(exp.At) {
			return []Action{{Kind: ExpireCurrent, Version: cur, RuleID: exp.RuleID}}
		}
	}
	if len(versions) == 1 && cur.DeleteMarker {
		// An expired delete marker: removed by ExpiredObjectDeleteMarker at once, and,
		// as S3 does, by an Expiration Days rule once the marker is that old.
		for i := range cfg.Rules {
			r := &cfg.Rules[i]
			if !r.Enabled || !r.Filter.Matches(key, nil, 0) {
				continue
			}
			if r.ExpiredObjectDeleteMarker || r.ExpirationDays > 0 && !now.Before(due(cur.Created, r.ExpirationDays, day)) {
				return []Action{{Kind: RemoveDeleteMarker, Version: cur, RuleID: r.ID}}
			}
		}
		return nil
	}
	var out []Action
	for i := 1; i < len(versions); i++ {
		v := versions[i]
		since := versions[i-1].Created // it became noncurrent when its successor was made
		for j := range cfg.Rules {
			r := &cfg.Rules[j]
			if !r.Enabled || r.NoncurrentDays == 0 || i-1 < r.NewerNoncurrentVersions {
				continue
			}
			if !r.Filter.Matches(key, v.Tags, v.Size) || now.Before(due(since, r.NoncurrentDays, day)) {
				continue
			}
			out = append(out, Action{Kind: RemoveNoncurrent, Version: v, RuleID: r.ID})
			break
		}
	}
	return out
}

// AbortDue returns the rule that makes an upload of key initiated at t due for abort
// at now; ok false if none does.
func AbortDue(cfg *meta.LifecycleConfig, key string, initiated, now time.Time, day time.Duration) (ruleID string, ok bool) {
	if cfg == nil {
		return "", false
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if r.Enabled && r.AbortDays > 0 && r.Filter.Matches(key, nil, 0) && !now.Before(due(initiated, r.AbortDays, day)) {
			return r.ID, true
		}
	}
	return "", false
}

// hasUploadRules reports whether any enabled rule aborts uploads.
func hasUploadRules(cfg *meta.LifecycleConfig) bool {
	for _, r := range cfg.Rules {
		if r.Enabled && r.AbortDays > 0 {
			return true
		}
	}
	return false
}

// hasVersionRules reports whether any enabled rule acts on versions.
func hasVersionRules(cfg *meta.LifecycleConfig) bool {
	for _, r := range cfg.Rules {
		if r.Enabled && (r.ExpirationDays > 0 || !r.ExpirationDate.IsZero() || r.ExpiredObjectDeleteMarker || r.NoncurrentDays > 0) {
			return true
		}
	}
	return false
}
