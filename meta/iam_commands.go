package meta

import "time"

// The IAM commands: users, their access keys, groups, managed policies and bucket
// policies. They are numbered from 32 so that other families of commands can grow
// from 8 without a clash. The versioning rule of CommandType applies.
const (
	CmdUserCreate         CommandType = 32
	CmdUserStatusSet      CommandType = 33
	CmdUserExpirySet      CommandType = 34
	CmdUserDelete         CommandType = 35
	CmdUserKeyCreate      CommandType = 36
	CmdAccessKeyRotate    CommandType = 37
	CmdGroupCreate        CommandType = 38
	CmdGroupDelete        CommandType = 39
	CmdGroupMemberAdd     CommandType = 40
	CmdGroupMemberRemove  CommandType = 41
	CmdPolicyPut          CommandType = 42
	CmdPolicyDelete       CommandType = 43
	CmdPolicyAttach       CommandType = 44
	CmdPolicyDetach       CommandType = 45
	CmdBucketPolicyPut    CommandType = 46
	CmdBucketPolicyDelete CommandType = 47
)

// iamCommandNames names the IAM command types, for CommandType.String.
var iamCommandNames = map[CommandType]string{
	CmdUserCreate: "UserCreate", CmdUserStatusSet: "UserStatusSet", CmdUserExpirySet: "UserExpirySet",
	CmdUserDelete: "UserDelete", CmdUserKeyCreate: "UserKeyCreate", CmdAccessKeyRotate: "AccessKeyRotate",
	CmdGroupCreate: "GroupCreate", CmdGroupDelete: "GroupDelete", CmdGroupMemberAdd: "GroupMemberAdd",
	CmdGroupMemberRemove: "GroupMemberRemove", CmdPolicyPut: "PolicyPut", CmdPolicyDelete: "PolicyDelete",
	CmdPolicyAttach: "PolicyAttach", CmdPolicyDetach: "PolicyDetach",
	CmdBucketPolicyPut: "BucketPolicyPut", CmdBucketPolicyDelete: "BucketPolicyDelete",
}

// UserCreate creates a user with the managed policies Policies attached, enabled, and
// with an optional Expiry. Every policy must exist (ErrNoSuchPolicy). A retry (same
// name, CreatedAt, policies and expiry) is a no-op; any other user of that name is
// rejected with ErrUserExists.
type UserCreate struct {
	Name      string     `json:"name"`
	Policies  []string   `json:"policies,omitempty"`
	Expiry    *time.Time `json:"expiry,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
}

// UserStatusSet enables or disables a user. Idempotent; ErrNoSuchUser if none.
type UserStatusSet struct {
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
}

// UserExpirySet sets a user's expiry, or clears it when Expiry is nil. Idempotent;
// ErrNoSuchUser if none.
type UserExpirySet struct {
	Name   string     `json:"name"`
	Expiry *time.Time `json:"expiry,omitempty"`
}

// UserDelete deletes a user with its access keys, and removes it from its groups, in
// one step. ErrNoSuchUser if none.
type UserDelete struct {
	Name string `json:"name"`
}

// UserKeyCreate adds an access key to an existing user (ErrNoSuchUser otherwise).
// Secret is sealed by the proposer, as in AccessKeyPut. An id held by another user is
// rejected with ErrAccessKeyExists; the same key again is a no-op retry.
type UserKeyCreate struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Secret    []byte    `json:"sealedSecret"`
	CreatedAt time.Time `json:"createdAt"`
}

// AccessKeyRotate replaces access key OldID of User by a new key NewID in one step:
// the old key stops working as the new one starts. ErrNoSuchAccessKey if OldID is
// not a key of User (unless NewID already is: a retry, a no-op); ErrRootKey for the
// root user.
type AccessKeyRotate struct {
	OldID     string    `json:"oldId"`
	User      string    `json:"user"`
	NewID     string    `json:"newId"`
	Secret    []byte    `json:"sealedSecret"`
	CreatedAt time.Time `json:"createdAt"`
}

// GroupCreate creates an empty group with the managed policies Policies attached.
// A retry is a no-op; any other group of that name is rejected with ErrGroupExists.
type GroupCreate struct {
	Name      string    `json:"name"`
	Policies  []string  `json:"policies,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// GroupDelete deletes a group that has no members (ErrGroupNotEmpty otherwise); its
// policies are detached with it.
type GroupDelete struct {
	Name string `json:"name"`
}

// GroupMemberAdd adds a user to a group. Idempotent; ErrNoSuchGroup, ErrNoSuchUser.
type GroupMemberAdd struct {
	Group string `json:"group"`
	User  string `json:"user"`
}

// GroupMemberRemove removes a user from a group. Idempotent (a user that is not a
// member is a no-op); ErrNoSuchGroup.
type GroupMemberRemove struct {
	Group string `json:"group"`
	User  string `json:"user"`
}

// PolicyPut creates or replaces a managed policy. Document is the policy JSON, already
// validated by the proposer (a short form already converted); Apply stores it as it
// is and compiles it for evaluation. At is the creation time of a new policy and the
// update time of every put.
type PolicyPut struct {
	Name     string    `json:"name"`
	Document string    `json:"document"`
	At       time.Time `json:"at"`
}

// PolicyDelete deletes a managed policy. ErrNoSuchPolicy if none; ErrPolicyInUse if
// it is attached to a user or a group.
type PolicyDelete struct {
	Name string `json:"name"`
}

// PolicyAttach attaches a managed policy to a user or a group: exactly one of User and
// Group is set. Idempotent; ErrNoSuchPolicy, ErrNoSuchUser, ErrNoSuchGroup.
type PolicyAttach struct {
	Policy string `json:"policy"`
	User   string `json:"user,omitempty"`
	Group  string `json:"group,omitempty"`
}

// PolicyDetach detaches a managed policy from a user or a group: exactly one of User
// and Group is set. ErrPolicyNotAttached if it is not attached there.
type PolicyDetach struct {
	Policy string `json:"policy"`
	User   string `json:"user,omitempty"`
	Group  string `json:"group,omitempty"`
}

// BucketPolicyPut sets the policy of an existing bucket (ErrNoSuchBucket otherwise),
// replacing any. Document is validated by the proposer and stored as it is.
type BucketPolicyPut struct {
	Bucket    string    `json:"bucket"`
	Document  string    `json:"document"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// BucketPolicyDelete removes a bucket's policy. Idempotent, as S3's
// DeleteBucketPolicy; ErrNoSuchBucket if the bucket does not exist.
type BucketPolicyDelete struct {
	Bucket string `json:"bucket"`
}

func (UserCreate) commandType() CommandType         { return CmdUserCreate }
func (UserStatusSet) commandType() CommandType      { return CmdUserStatusSet }
func (UserExpirySet) commandType() CommandType      { return CmdUserExpirySet }
func (UserDelete) commandType() CommandType         { return CmdUserDelete }
func (UserKeyCreate) commandType() CommandType      { return CmdUserKeyCreate }
func (AccessKeyRotate) commandType() CommandType    { return CmdAccessKeyRotate }
func (GroupCreate) commandType() CommandType        { return CmdGroupCreate }
func (GroupDelete) commandType() CommandType        { return CmdGroupDelete }
func (GroupMemberAdd) commandType() CommandType     { return CmdGroupMemberAdd }
func (GroupMemberRemove) commandType() CommandType  { return CmdGroupMemberRemove }
func (PolicyPut) commandType() CommandType          { return CmdPolicyPut }
func (PolicyDelete) commandType() CommandType       { return CmdPolicyDelete }
func (PolicyAttach) commandType() CommandType       { return CmdPolicyAttach }
func (PolicyDetach) commandType() CommandType       { return CmdPolicyDetach }
func (BucketPolicyPut) commandType() CommandType    { return CmdBucketPolicyPut }
func (BucketPolicyDelete) commandType() CommandType { return CmdBucketPolicyDelete }
