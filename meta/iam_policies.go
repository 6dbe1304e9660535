package meta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cairnstore/cairn/meta/policy"
)

// ManagedPolicy is a named identity policy that can be attached to users and groups.
type ManagedPolicy struct {
	Name string
	// Document is the policy JSON as it was put; a short form is stored converted
	// to the full form.
	Document  []byte
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PutPolicy creates or replaces the managed policy name. doc is an AWS IAM policy
// document without Principal (policy.ParseIdentityPolicy), or the short form, e.g.
// [{"bucket": "photos", "actions": ["list", "read"], "prefix": "2024/"}], which is
// converted and stored as the equivalent full document. A document that does not
// validate gives an error wrapping both ErrMalformedPolicy and the
// *policy.ValidationError. Replacing a policy changes what every user and group it is
// attached to may do, at once.
func (m *Meta) PutPolicy(ctx context.Context, name string, doc []byte) error {
	if err := checkPolicyName(name); err != nil {
		return err
	}
	stored, err := identityDocument(doc)
	if err != nil {
		return err
	}
	return m.applySetting(ctx, PolicyPut{Name: name, Document: stored, At: time.Now().UTC()})
}

// identityDocument validates an identity policy in the full or the short form and
// returns the document to store.
func identityDocument(doc []byte) (string, error) {
	if isShortForm(doc) {
		p, err := policy.ParseShort(doc)
		if err != nil {
			return "", malformed(err)
		}
		full, err := p.MarshalJSON()
		if err != nil {
			return "", fmt.Errorf("meta: convert a short-form policy: %w", err)
		}
		return string(full), nil
	}
	if _, err := policy.ParseIdentityPolicy(doc); err != nil {
		return "", malformed(err)
	}
	return string(doc), nil
}

// isShortForm reports whether doc is meant as the short form: an array, or an object
// with "bucket" or "actions" and no "Statement".
func isShortForm(doc []byte) bool {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) == 0 {
		return false
	}
	if trimmed[0] == '[' {
		return true
	}
	var fields map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &fields) != nil {
		return false
	}
	short := false
	for k := range fields {
		switch strings.ToLower(k) {
		case "statement":
			return false
		case "bucket", "actions":
			short = true
		}
	}
	return short
}

// malformed wraps a policy validation error with ErrMalformedPolicy.
func malformed(err error) error {
	var verr *policy.ValidationError
	if errors.As(err, &verr) {
		return fmt.Errorf("%w: %w", ErrMalformedPolicy, verr)
	}
	return fmt.Errorf("%w: %w", ErrMalformedPolicy, err)
}

// Policy returns a managed policy; ErrNoSuchPolicy if none. A local miss is
// confirmed against the leader first.
func (m *Meta) Policy(ctx context.Context, name string) (ManagedPolicy, error) {
	p, ok, err := confirmed(ctx, m, func() (ManagedPolicy, bool) { return m.fsm.managedPolicy(name) })
	switch {
	case err != nil:
		return ManagedPolicy{}, err
	case !ok:
		return ManagedPolicy{}, fmt.Errorf("%w: %s", ErrNoSuchPolicy, name)
	}
	return p, nil
}

// Policies returns every managed policy in name order, from the local state.
func (m *Meta) Policies(ctx context.Context) ([]ManagedPolicy, error) {
	return m.fsm.managedPolicies(), nil
}

// DeletePolicy deletes a managed policy. ErrNoSuchPolicy if none; ErrPolicyInUse
// while it is attached to a user or a group, as AWS (DeleteConflict).
func (m *Meta) DeletePolicy(ctx context.Context, name string) error {
	return m.applyConfig(ctx, PolicyDelete{Name: name})
}

// AttachUserPolicy attaches a managed policy to a user; attaching it again is a
// no-op. ErrNoSuchPolicy, ErrNoSuchUser.
func (m *Meta) AttachUserPolicy(ctx context.Context, user, policyName string) error {
	return m.applyConfig(ctx, PolicyAttach{Policy: policyName, User: user})
}

// DetachUserPolicy detaches a managed policy from a user. ErrNoSuchUser;
// ErrPolicyNotAttached if it is not attached to the user.
func (m *Meta) DetachUserPolicy(ctx context.Context, user, policyName string) error {
	return m.applyConfig(ctx, PolicyDetach{Policy: policyName, User: user})
}

// AttachGroupPolicy attaches a managed policy to a group; attaching it again is a
// no-op. ErrNoSuchPolicy, ErrNoSuchGroup.
func (m *Meta) AttachGroupPolicy(ctx context.Context, group, policyName string) error {
	return m.applyConfig(ctx, PolicyAttach{Policy: policyName, Group: group})
}

// DetachGroupPolicy detaches a managed policy from a group. ErrNoSuchGroup;
// ErrPolicyNotAttached if it is not attached to the group.
func (m *Meta) DetachGroupPolicy(ctx context.Context, group, policyName string) error {
	return m.applyConfig(ctx, PolicyDetach{Policy: policyName, Group: group})
}
