package admin

import (
	"context"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
	"github.com/cairnstore/cairn/meta"
)

// What the admin API needs from the rest of the node, declared here by its consumer.
// *meta.Meta implements Metadata; cmd/node supplies the optional StatsSource.

// Metadata is the cluster metadata the admin API reads and changes.
type Metadata interface {
	Credentials
	IAM
	Topology
	Buckets
}

// Credentials resolves access keys for authentication and authorization.
type Credentials interface {
	// AccessKey returns a key with its secret, for the signature check only.
	AccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	// Principal returns the identity and compiled policies behind a key.
	Principal(ctx context.Context, accessKeyID string) (meta.Principal, error)
}

// IAM is users, access keys, groups and managed policies.
type IAM interface {
	CreateUser(ctx context.Context, in meta.UserInput) error
	User(ctx context.Context, name string) (meta.User, error)
	Users(ctx context.Context) ([]meta.User, error)
	SetUserStatus(ctx context.Context, name string, status meta.UserStatus) error
	SetUserExpiry(ctx context.Context, name string, expiry *time.Time) error
	DeleteUser(ctx context.Context, name string) error

	CreateAccessKey(ctx context.Context, user string) (meta.AccessKey, error)
	RotateAccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	AccessKeys(ctx context.Context, user string) ([]meta.AccessKeyInfo, error)
	DeleteAccessKey(ctx context.Context, id string) error

	CreateGroup(ctx context.Context, in meta.GroupInput) error
	Group(ctx context.Context, name string) (meta.Group, error)
	Groups(ctx context.Context) ([]meta.Group, error)
	DeleteGroup(ctx context.Context, name string) error
	AddUserToGroup(ctx context.Context, group, user string) error
	RemoveUserFromGroup(ctx context.Context, group, user string) error

	PutPolicy(ctx context.Context, name string, doc []byte) error
	Policy(ctx context.Context, name string) (meta.ManagedPolicy, error)
	Policies(ctx context.Context) ([]meta.ManagedPolicy, error)
	DeletePolicy(ctx context.Context, name string) error
	AttachUserPolicy(ctx context.Context, user, policyName string) error
	DetachUserPolicy(ctx context.Context, user, policyName string) error
	AttachGroupPolicy(ctx context.Context, group, policyName string) error
	DetachGroupPolicy(ctx context.Context, group, policyName string) error
}

// Topology is the cluster's Raft state, nodes and layouts.
type Topology interface {
	ClusterID() string
	// RaftState returns this node's state, the leader's Raft address, the term and
	// the commit and applied indexes.
	RaftState() (state, leader string, term, commitIndex, appliedIndex uint64)
	Nodes() ([]meta.NodeInfo, error)
	// Layouts returns the layouts in use, newest (current) first.
	Layouts() []*layout.Layout
	LayoutSyncAcks() map[string]uint64
	SetLayout(ctx context.Context, l *layout.Layout) error
	RemoveNode(ctx context.Context, id string) error
	NodeStatus(id string) (meta.NodeStatus, error)
	// NodeOverrides returns the capacity and zone overrides, by node id;
	// SetNodeOverride sets one (the zero override clears it).
	NodeOverrides() map[string]meta.NodeOverride
	SetNodeOverride(ctx context.Context, id string, o meta.NodeOverride) error
}

// Buckets lists buckets and their policies.
type Buckets interface {
	Buckets(ctx context.Context) ([]meta.Bucket, error)
	Bucket(ctx context.Context, name string) (meta.Bucket, error)
	BucketPolicy(ctx context.Context, bucket string) (meta.BucketPolicy, error)
	// SetBucketQuota sets a bucket's quota; the zero quota clears it.
	SetBucketQuota(ctx context.Context, bucket string, q meta.BucketQuota) error
}

// StatsSource measures nodes' storage figures, this node's locally and other nodes'
// by asking them. Optional: without it, nodes are listed without stats.
type StatsSource interface {
	// NodeStats returns the figures of the nodes it could reach, by node id, within
	// ctx; a node missing from the answer could not be asked.
	NodeStats(ctx context.Context, nodes []meta.NodeInfo) map[string]NodeStats
}

// Deps are the admin API's dependencies. Meta is required.
type Deps struct {
	Meta  Metadata
	Stats StatsSource
	// BucketStats gathers the buckets' usage and request counters (optional).
	BucketStats BucketStatsSource
	// Audit gathers every live node's recent audit records (optional).
	Audit AuditSource
	// Maintenance runs this node's garbage collector and scanner (optional).
	Maintenance Maintenance
	// Lifecycle runs this node's lifecycle engine (optional).
	Lifecycle Lifecycle
	// Replication is site sync's configuration (optional: without it the site sync
	// endpoints answer NotImplemented). *meta.Meta implements it.
	Replication Replication
	// SiteSync is this node's site sync worker, for its status (optional).
	SiteSync SiteSyncStatus
}
