package management

import "time"

// The JSON shapes of the API. Field names follow the AWS SDK's IAM and S3 types, as
// the reference API returns them, so that its clients work unchanged.

// Tag is one bucket tag.
type Tag struct {
	Key   string
	Value string
}

// BucketInput names the bucket to create, as S3's CreateBucketInput.
type BucketInput struct {
	Bucket string
	// ACL, if given, must be "private": buckets are private, access is by policy.
	ACL string `json:",omitempty"`
	// CreateBucketConfiguration, if given, must name this cluster's region.
	CreateBucketConfiguration *struct {
		LocationConstraint string
	} `json:",omitempty"`
}

// CreateBucketRequest is the body of POST .../buckets.
type CreateBucketRequest struct {
	BucketInput BucketInput
	Tags        []Tag
	// Lifecycle names a lifecycle preset (presets.go, docs/management-api.md); ""
	// for none. An unknown one is 400.
	Lifecycle string
}

// CreateBucketResponse answers POST .../buckets.
type CreateBucketResponse struct {
	// Bucket is the bucket's location, "/" and its name.
	Bucket string
	Policy Policy
	Group  Group
}

// UpdateBucketRequest is the body of PUT .../buckets/{bucket}.
type UpdateBucketRequest struct {
	// Tags replace the bucket's tags; an empty list removes them. Required.
	Tags *[]Tag
}

// BucketInfo answers GET .../buckets/{bucket}.
type BucketInfo struct {
	Tags []Tag
	// Logging is always null: Cairn has no per-bucket access logging (the node's
	// audit log records every request instead).
	Logging *struct{}
	// Empty reports whether the bucket holds no object.
	Empty bool
}

// DeleteBucketResponse answers DELETE .../buckets/{bucket}: what was deleted.
type DeleteBucketResponse struct {
	Bucket string
	// Users are the bucket's users that were deleted with it: members of its group
	// that belonged to no other group and had no policy of their own. Other members
	// were only removed from the group.
	Users    []string
	Policies []string
	Groups   []string
}

// Policy is a managed policy, as IAM's Policy.
type Policy struct {
	Arn                           string
	AttachmentCount               int
	CreateDate                    time.Time
	DefaultVersionId              string
	Description                   *string
	IsAttachable                  bool
	Path                          string
	PermissionsBoundaryUsageCount int
	PolicyId                      string
	PolicyName                    string
	UpdateDate                    time.Time
}

// Group is a group, as IAM's Group.
type Group struct {
	Arn        string
	CreateDate time.Time
	GroupId    string
	GroupName  string
	Path       string
}

// User is a user, as IAM's User. PasswordLastUsed, PermissionsBoundary and Tags are
// always null: Cairn users have no password, boundary or tags.
type User struct {
	Arn                 string
	CreateDate          time.Time
	PasswordLastUsed    *time.Time
	Path                string
	PermissionsBoundary *struct{}
	Tags                []Tag
	UserId              string
	UserName            string
}

// AccessKey is a new access key with its secret, as IAM's AccessKey. It is returned
// once, when made; no call returns the secret again.
type AccessKey struct {
	AccessKeyId     string
	CreateDate      time.Time
	SecretAccessKey string
	Status          string
	UserName        string
}

// AccessKeyMetadata is an access key without its secret, as IAM's
// AccessKeyMetadata.
type AccessKeyMetadata struct {
	AccessKeyId string
	CreateDate  time.Time
	Status      string
	UserName    string
}

// AttachedPolicy names a policy that applies to a user.
type AttachedPolicy struct {
	Arn        string
	PolicyName string
}

// CreateUserRequest is the body of POST .../buckets/{bucket}/users.
type CreateUserRequest struct {
	User struct {
		UserName string
	}
}

// CreateUserResponse answers POST .../buckets/{bucket}/users.
type CreateUserResponse struct {
	User      User
	AccessKey AccessKey
}

// UserInfo answers GET .../buckets/{bucket}/users/{user}.
type UserInfo struct {
	User       User
	AccessKeys []AccessKeyMetadata
	Groups     []Group
	Policies   []AttachedPolicy
}

// ResetKeysResponse answers PUT .../buckets/{bucket}/users/{user}.
type ResetKeysResponse struct {
	DeletedKeyIds []string
	AccessKey     AccessKey
}

// DeleteUserResponse answers DELETE .../buckets/{bucket}/users/{user}.
type DeleteUserResponse struct {
	UserName      string
	DeletedKeyIds []string
}
