package management

import (
	"context"

	"github.com/cairnstore/cairn/meta"
)

// Metadata is what the management API needs from the cluster metadata; *meta.Meta
// implements it.
type Metadata interface {
	// BucketTags returns a bucket's tags, empty if it has none;
	// meta.ErrNoSuchBucket if the bucket does not exist.
	BucketTags(ctx context.Context, bucket string) (map[string]string, error)
	// PutBucketTags replaces a bucket's tags (S3's rules: up to 50, unique keys); an
	// empty map removes them. Tags that break the rules: meta.ErrInvalidTag.
	PutBucketTags(ctx context.Context, bucket string, tags map[string]string) error

	// PutBucketLifecycle sets a bucket's lifecycle configuration (a preset's).
	PutBucketLifecycle(ctx context.Context, bucket string, cfg *meta.LifecycleConfig) error

	CreateBucket(ctx context.Context, b meta.Bucket) error
	DeleteBucket(ctx context.Context, name string) error
	Bucket(ctx context.Context, name string) (meta.Bucket, error)
	Buckets(ctx context.Context) ([]meta.Bucket, error)

	CreateUser(ctx context.Context, in meta.UserInput) error
	User(ctx context.Context, name string) (meta.User, error)
	DeleteUser(ctx context.Context, name string) error
	CreateAccessKey(ctx context.Context, user string) (meta.AccessKey, error)
	AccessKeys(ctx context.Context, user string) ([]meta.AccessKeyInfo, error)
	DeleteAccessKey(ctx context.Context, id string) error

	CreateGroup(ctx context.Context, in meta.GroupInput) error
	Group(ctx context.Context, name string) (meta.Group, error)
	DeleteGroup(ctx context.Context, name string) error
	AddUserToGroup(ctx context.Context, group, user string) error
	RemoveUserFromGroup(ctx context.Context, group, user string) error

	PutPolicy(ctx context.Context, name string, doc []byte) error
	Policy(ctx context.Context, name string) (meta.ManagedPolicy, error)
	DeletePolicy(ctx context.Context, name string) error
	DetachGroupPolicy(ctx context.Context, group, policyName string) error
}

// Objects is what the management API needs from the object layer; *blob.Store
// implements it.
type Objects interface {
	// BucketEmpty reports whether a bucket holds no live object.
	BucketEmpty(ctx context.Context, bucket string) (bool, error)
	// DropBucket forgets what is left of a deleted bucket (tombstones, uploads).
	DropBucket(ctx context.Context, bucket string) error
}

// The metadata the node wires in must satisfy Metadata.
var _ Metadata = (*meta.Meta)(nil)
