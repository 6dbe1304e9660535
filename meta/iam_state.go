package meta

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
)

// iamState is the replicated IAM data: users, groups, managed policies and bucket
// policies (access keys, users' included, are in state.AccessKeys). Its JSON tags are
// part of the snapshot format: never rename one.
//
// As in state, a value in a map is never modified in place, and neither are the
// slices and pointers it holds: an update stores a new record built from fresh
// slices. So a shallow copy of the maps is a consistent snapshot.
type iamState struct {
	Users          map[string]userRecord         `json:"users"`
	Groups         map[string]groupRecord        `json:"groups"`
	Policies       map[string]policyRecord       `json:"policies"`
	BucketPolicies map[string]bucketPolicyRecord `json:"bucketPolicies"`
}

// userRecord is a user as the FSM holds it.
type userRecord struct {
	Name      string     `json:"name"`
	Disabled  bool       `json:"disabled,omitempty"`
	Expiry    *time.Time `json:"expiry,omitempty"`
	Policies  []string   `json:"policies,omitempty"` // sorted, unique
	CreatedAt time.Time  `json:"createdAt"`
}

// groupRecord is a group as the FSM holds it.
type groupRecord struct {
	Name      string    `json:"name"`
	Members   []string  `json:"members,omitempty"`  // sorted, unique
	Policies  []string  `json:"policies,omitempty"` // sorted, unique
	CreatedAt time.Time `json:"createdAt"`
}

// policyRecord is a managed policy: its document as it was put, and the document
// compiled for evaluation.
type policyRecord struct {
	Name      string    `json:"name"`
	Document  string    `json:"document"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// compiled is Document parsed by policy.Parse, so that no request parses JSON. It
	// is not replicated: Apply and UnmarshalJSON (Restore) build it. Nil when the
	// document does not parse, which only a newer, stricter policy package could
	// cause; evaluation then fails closed (see fsm.principal).
	compiled *policy.Policy
}

// bucketPolicyRecord is a bucket's policy, as put and compiled.
type bucketPolicyRecord struct {
	Bucket    string         `json:"bucket"`
	Document  string         `json:"document"`
	UpdatedAt time.Time      `json:"updatedAt"`
	compiled  *policy.Policy // as in policyRecord
}

// newPolicyRecord returns the record of a managed policy, compiled.
func newPolicyRecord(name, doc string, created, updated time.Time) policyRecord {
	p, _ := policy.ParseIdentityPolicy([]byte(doc))
	return policyRecord{Name: name, Document: doc, CreatedAt: created, UpdatedAt: updated, compiled: p}
}

// newBucketPolicyRecord returns the record of a bucket policy, compiled.
func newBucketPolicyRecord(bucket, doc string, updated time.Time) bucketPolicyRecord {
	p, _ := policy.ParseBucketPolicy([]byte(doc), bucket)
	return bucketPolicyRecord{Bucket: bucket, Document: doc, UpdatedAt: updated, compiled: p}
}

// UnmarshalJSON decodes a record from a snapshot and compiles its document.
func (r *policyRecord) UnmarshalJSON(data []byte) error {
	type plain policyRecord // without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*r = newPolicyRecord(p.Name, p.Document, p.CreatedAt, p.UpdatedAt)
	return nil
}

// UnmarshalJSON decodes a record from a snapshot and compiles its document.
func (r *bucketPolicyRecord) UnmarshalJSON(data []byte) error {
	type plain bucketPolicyRecord // without this method
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return err
	}
	*r = newBucketPolicyRecord(p.Bucket, p.Document, p.UpdatedAt)
	return nil
}

// clone returns a copy of s that shares no map with it, every map non-nil.
func (s iamState) clone() iamState {
	return iamState{
		Users:          cloneMap(s.Users),
		Groups:         cloneMap(s.Groups),
		Policies:       cloneMap(s.Policies),
		BucketPolicies: cloneMap(s.BucketPolicies),
	}
}

// cloneMap is maps.Clone, with a nil map becoming an empty one.
func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return maps.Clone(m)
}

// withName returns a new sorted list of names: list and name.
func withName(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	out := append(slices.Clone(list), name)
	slices.Sort(out)
	return out
}

// withoutName returns a new list of names: list without name; nil when empty.
func withoutName(list []string, name string) []string {
	out := slices.DeleteFunc(slices.Clone(list), func(n string) bool { return n == name })
	if len(out) == 0 {
		return nil
	}
	return out
}

// sortedNames returns a new sorted list of the unique names, nil when empty.
func sortedNames(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out := slices.Clone(names)
	slices.Sort(out)
	return slices.Compact(out)
}
