package meta

import (
	"errors"
	"fmt"
)

// Errors returned by Meta. Compare with errors.Is: most are wrapped with detail.
var (
	// ErrBucketExists: CreateBucket of a name that is taken.
	ErrBucketExists = errors.New("meta: bucket already exists")
	// ErrNoSuchBucket: the bucket does not exist (confirmed against the leader).
	ErrNoSuchBucket = errors.New("meta: no such bucket")
	// ErrNoSuchAccessKey: the access key does not exist (confirmed against the leader).
	ErrNoSuchAccessKey = errors.New("meta: no such access key")
	// ErrAccessKeyExists: the access key id is taken by another user.
	ErrAccessKeyExists = errors.New("meta: access key id belongs to another user")
	// ErrStaleLayout: SetLayout with a version that is not newer than the current one.
	ErrStaleLayout = errors.New("meta: layout version is not newer than the current layout")
	// ErrClusterInitialized: a ClusterInit with another id after the cluster got its id.
	ErrClusterInitialized = errors.New("meta: cluster already initialized")
	// ErrInvalid: an argument that can never succeed (empty name, bad layout, bad entry).
	ErrInvalid = errors.New("meta: invalid argument")
	// ErrNotReady: no Raft leader could be reached before the context ended, or a
	// write's outcome is unknown because leadership was lost while it was in flight.
	// The S3 layer answers 503, and clients retry.
	ErrNotReady = errors.New("meta: no raft leader")
	// ErrNotLeader: ApplyForwarded or ReadIndex called on a node that is not the
	// leader. A Forwarder returns it (wrapped) so that the caller retries elsewhere.
	ErrNotLeader = errors.New("meta: not the raft leader")
	// ErrClosed: the Meta was closed.
	ErrClosed = errors.New("meta: closed")
	// ErrInvalidTag: PutBucketTags of tags that break S3's rules (see
	// checkBucketTags); the error says which tag and why.
	ErrInvalidTag = errors.New("meta: invalid tag")
	// ErrSealKey: this node starts with a SecretKey other than the one that sealed
	// its data (Open), or a sealed secret does not decrypt.
	ErrSealKey = errors.New("meta: the key that sealed the access key secrets differs from this node's")
	// ErrNoSuchConnection: no site sync connection of that name.
	ErrNoSuchConnection = errors.New("meta: no such connection")
	// ErrConnectionExists: a connection of that name exists already.
	ErrConnectionExists = errors.New("meta: connection already exists")
	// ErrConnectionInUse: a replication rule uses the connection.
	ErrConnectionInUse = errors.New("meta: connection is used by a replication rule")
	// ErrNoSuchReplicationRule: the bucket has no replication rule of that id.
	ErrNoSuchReplicationRule = errors.New("meta: no such replication rule")
	// ErrNotImplemented: a setting this version accepts in its format but does not
	// carry out yet (a bidirectional replication rule).
	ErrNotImplemented = errors.New("meta: not implemented yet")
	// ErrReplicationRuleExists: the bucket has a rule of that id already.
	ErrReplicationRuleExists = errors.New("meta: replication rule already exists")
)

// codes names every sentinel error for the wire, in the order ErrorCode tries them.
// Append only: a code is part of the node-to-node protocol.
var codes = []struct {
	code string
	err  error
}{
	{"BucketExists", ErrBucketExists},
	{"NoSuchBucket", ErrNoSuchBucket},
	{"NoSuchAccessKey", ErrNoSuchAccessKey},
	{"AccessKeyExists", ErrAccessKeyExists},
	{"StaleLayout", ErrStaleLayout},
	{"ClusterInitialized", ErrClusterInitialized},
	{"Invalid", ErrInvalid},
	{"NotReady", ErrNotReady},
	{"NotLeader", ErrNotLeader},
	{"Closed", ErrClosed},
	{"NoSuchUser", ErrNoSuchUser},
	{"UserExists", ErrUserExists},
	{"NoSuchGroup", ErrNoSuchGroup},
	{"GroupExists", ErrGroupExists},
	{"GroupNotEmpty", ErrGroupNotEmpty},
	{"NoSuchPolicy", ErrNoSuchPolicy},
	{"PolicyInUse", ErrPolicyInUse},
	{"PolicyNotAttached", ErrPolicyNotAttached},
	{"MalformedPolicy", ErrMalformedPolicy},
	{"NoSuchBucketPolicy", ErrNoSuchBucketPolicy},
	{"UserDisabled", ErrUserDisabled},
	{"UserExpired", ErrUserExpired},
	{"AccessKeyExpired", ErrAccessKeyExpired},
	{"RootKey", ErrRootKey},
	{"NoSuchNode", ErrNoSuchNode},
	{"InvalidTag", ErrInvalidTag},
	{"InvalidBucketState", ErrInvalidBucketState},
	{"NoSuchConnection", ErrNoSuchConnection},
	{"ConnectionExists", ErrConnectionExists},
	{"ConnectionInUse", ErrConnectionInUse},
	{"NoSuchReplicationRule", ErrNoSuchReplicationRule},
	{"ReplicationRuleExists", ErrReplicationRuleExists},
	{"NotImplemented", ErrNotImplemented},
}

// ErrorCode returns the stable code of the meta sentinel that err wraps, or "" if it
// wraps none. A Forwarder's RPC sends it with err.Error() so that CodeError can give
// the caller an error that errors.Is the same sentinel.
func ErrorCode(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return ""
}

// CodeError rebuilds an error received from another node: one that errors.Is the
// sentinel named by code (see ErrorCode) and reads msg. An unknown or empty code
// gives a plain error.
func CodeError(code, msg string) error {
	for _, c := range codes {
		if c.code == code {
			return &remoteError{sentinel: c.err, msg: msg}
		}
	}
	return errors.New(msg)
}

// remoteError is a sentinel error carried over the wire with its original message.
type remoteError struct {
	sentinel error
	msg      string
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.sentinel }

// invalidf returns an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
