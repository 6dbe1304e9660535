package meta

import "errors"

// Errors of the IAM calls (users, groups, managed policies, bucket policies). Compare
// with errors.Is: most are wrapped with detail. Each has a wire code in codes
// (errors.go), so that it survives forwarding to the leader.
var (
	// ErrNoSuchUser: the user does not exist.
	ErrNoSuchUser = errors.New("meta: no such user")
	// ErrUserExists: CreateUser of a name that is taken.
	ErrUserExists = errors.New("meta: user already exists")
	// ErrNoSuchGroup: the group does not exist.
	ErrNoSuchGroup = errors.New("meta: no such group")
	// ErrGroupExists: CreateGroup of a name that is taken.
	ErrGroupExists = errors.New("meta: group already exists")
	// ErrGroupNotEmpty: DeleteGroup of a group that still has members (AWS's
	// DeleteConflict): remove them first.
	ErrGroupNotEmpty = errors.New("meta: group has members")
	// ErrNoSuchPolicy: the managed policy does not exist.
	ErrNoSuchPolicy = errors.New("meta: no such policy")
	// ErrPolicyInUse: DeletePolicy of a policy still attached to a user or a group
	// (AWS's DeleteConflict): detach it first.
	ErrPolicyInUse = errors.New("meta: policy is attached")
	// ErrPolicyNotAttached: DetachUserPolicy or DetachGroupPolicy of a policy that is
	// not attached there.
	ErrPolicyNotAttached = errors.New("meta: policy is not attached")
	// ErrMalformedPolicy: a policy document that policy.Parse refuses. The error also
	// wraps the *policy.ValidationError, whose Error() is meant for the author.
	ErrMalformedPolicy = errors.New("meta: malformed policy")
	// ErrNoSuchBucketPolicy: the bucket has no policy.
	ErrNoSuchBucketPolicy = errors.New("meta: no bucket policy")
	// ErrUserDisabled: Principal.Check of a disabled user.
	ErrUserDisabled = errors.New("meta: user is disabled")
	// ErrUserExpired: Principal.Check of a user whose expiry has passed.
	ErrUserExpired = errors.New("meta: user has expired")
	// ErrAccessKeyExpired: Principal.Check of an access key whose own expiry has
	// passed (a console session key whose session ended with its node).
	ErrAccessKeyExpired = errors.New("meta: access key has expired")
	// ErrRootKey: an IAM key call on the root user's key or user. Root has exactly
	// one key, set with SetRootKey (the root credentials).
	ErrRootKey = errors.New("meta: the root user's key is managed by SetRootKey")
)
