package policy

import "strings"

// S3 actions Cairn authorizes. Each S3 operation declares the one it needs (HeadObject
// needs s3:GetObject, CopyObject and the multipart calls s3:PutObject, as in AWS).
const (
	ActionListAllMyBuckets           = "s3:ListAllMyBuckets"
	ActionCreateBucket               = "s3:CreateBucket"
	ActionDeleteBucket               = "s3:DeleteBucket"
	ActionListBucket                 = "s3:ListBucket"
	ActionListBucketVersions         = "s3:ListBucketVersions"
	ActionGetBucketLocation          = "s3:GetBucketLocation"
	ActionListBucketMultipartUploads = "s3:ListBucketMultipartUploads"
	ActionGetBucketPolicy            = "s3:GetBucketPolicy"
	ActionPutBucketPolicy            = "s3:PutBucketPolicy"
	ActionDeleteBucketPolicy         = "s3:DeleteBucketPolicy"
	ActionGetBucketACL               = "s3:GetBucketAcl"
	ActionGetBucketVersioning        = "s3:GetBucketVersioning"
	ActionGetBucketTagging           = "s3:GetBucketTagging"
	ActionPutBucketTagging           = "s3:PutBucketTagging" // also DeleteBucketTagging, as in AWS
	ActionGetObject                  = "s3:GetObject"
	ActionGetObjectVersion           = "s3:GetObjectVersion"
	ActionGetObjectACL               = "s3:GetObjectAcl"
	ActionGetObjectTagging           = "s3:GetObjectTagging"
	ActionPutObject                  = "s3:PutObject"
	ActionPutObjectTagging           = "s3:PutObjectTagging"
	ActionDeleteObject               = "s3:DeleteObject"
	ActionDeleteObjectVersion        = "s3:DeleteObjectVersion"
	ActionDeleteObjectTagging        = "s3:DeleteObjectTagging"
	ActionAbortMultipartUpload       = "s3:AbortMultipartUpload"
	ActionListMultipartUploadParts   = "s3:ListMultipartUploadParts"
	// Lifecycle (docs/lifecycle.md). DeleteBucketLifecycle needs the PUT action, as
	// in AWS.
	ActionGetLifecycleConfiguration = "s3:GetLifecycleConfiguration"
	ActionPutLifecycleConfiguration = "s3:PutLifecycleConfiguration"
	// CORS (docs/s3-compatibility.md#cors). DeleteBucketCors needs the PUT action, as
	// in AWS.
	ActionGetBucketCORS = "s3:GetBucketCORS"
	ActionPutBucketCORS = "s3:PutBucketCORS"

	// Object lock (docs/object-lock.md).
	ActionPutObjectRetention               = "s3:PutObjectRetention"
	ActionGetObjectRetention               = "s3:GetObjectRetention"
	ActionPutObjectLegalHold               = "s3:PutObjectLegalHold"
	ActionGetObjectLegalHold               = "s3:GetObjectLegalHold"
	ActionPutBucketObjectLockConfiguration = "s3:PutBucketObjectLockConfiguration"
	ActionGetBucketObjectLockConfiguration = "s3:GetBucketObjectLockConfiguration"
	// ActionBypassGovernanceRetention is not an operation: a request that asks to
	// bypass GOVERNANCE retention (x-amz-bypass-governance-retention) needs it on the
	// object besides the operation's own action.
	ActionBypassGovernanceRetention = "s3:BypassGovernanceRetention"
	// ActionGetReplicationConfiguration reads a bucket's replication rules.
	ActionGetReplicationConfiguration = "s3:GetReplicationConfiguration"
	// ActionPutReplicationConfiguration changes them (also DeleteBucketReplication, as
	// in AWS) and pauses or resumes a rule through the admin API.
	ActionPutReplicationConfiguration = "s3:PutReplicationConfiguration"
	// ActionReplicateObject is not an operation: a PutObject that carries a site
	// sync origin (x-cairn-origin-site) needs it on the key besides s3:PutObject, as
	// AWS's replication role does (docs/site-sync.md).
	ActionReplicateObject = "s3:ReplicateObject"
	// ActionReplicateDelete is the same for a DeleteObject that carries an origin.
	ActionReplicateDelete = "s3:ReplicateDelete"
	// ActionPutEncryptionConfiguration sets a bucket's default encryption (also
	// DeleteBucketEncryption, as in AWS); ActionGetEncryptionConfiguration reads it.
	ActionPutEncryptionConfiguration = "s3:PutEncryptionConfiguration"
	ActionGetEncryptionConfiguration = "s3:GetEncryptionConfiguration"
)

// Admin API actions. The admin service is Cairn's own, so a policy naming an admin
// action that is not listed here is refused (a typo in a Deny must not pass
// silently). Append only: stored policies are parsed again on every start, and a name
// removed would make them invalid.
const (
	AdminGetCluster      = "admin:GetCluster"
	AdminListNodes       = "admin:ListNodes"
	AdminGetLayout       = "admin:GetLayout"
	AdminUpdateLayout    = "admin:UpdateLayout"
	AdminGetRaft         = "admin:GetRaft"
	AdminListJobs        = "admin:ListJobs"
	AdminListUsers       = "admin:ListUsers"
	AdminGetUser         = "admin:GetUser"
	AdminCreateUser      = "admin:CreateUser"
	AdminUpdateUser      = "admin:UpdateUser"
	AdminDeleteUser      = "admin:DeleteUser"
	AdminListAccessKeys  = "admin:ListAccessKeys"
	AdminCreateAccessKey = "admin:CreateAccessKey"
	AdminDeleteAccessKey = "admin:DeleteAccessKey"
	AdminListGroups      = "admin:ListGroups"
	AdminGetGroup        = "admin:GetGroup"
	AdminCreateGroup     = "admin:CreateGroup"
	AdminUpdateGroup     = "admin:UpdateGroup"
	AdminDeleteGroup     = "admin:DeleteGroup"
	AdminListPolicies    = "admin:ListPolicies"
	AdminGetPolicy       = "admin:GetPolicy"
	AdminPutPolicy       = "admin:PutPolicy"
	AdminDeletePolicy    = "admin:DeletePolicy"
	AdminAttachPolicy    = "admin:AttachPolicy"
	AdminDetachPolicy    = "admin:DetachPolicy"
	AdminListBuckets     = "admin:ListBuckets"
	AdminGetBucket       = "admin:GetBucket"
	AdminUpdateBucket    = "admin:UpdateBucket"
	AdminSetBucketQuota  = "admin:SetBucketQuota"
	AdminListSites       = "admin:ListSites"
	AdminAddSite         = "admin:AddSite"
	AdminRemoveSite      = "admin:RemoveSite"
	AdminGetMetrics      = "admin:GetMetrics"
	// AdminRunMaintenance runs the garbage collector or the integrity scanner.
	AdminRunMaintenance = "admin:RunMaintenance"
	// AdminGetAuditLog reads the node's recent audit records (GET /admin/v1/audit).
	AdminGetAuditLog = "admin:GetAuditLog"
)

// S3Actions returns the S3 actions Cairn authorizes, a new slice on every call.
func S3Actions() []string {
	return []string{
		ActionListAllMyBuckets, ActionCreateBucket, ActionDeleteBucket, ActionListBucket,
		ActionListBucketVersions, ActionGetBucketLocation, ActionListBucketMultipartUploads,
		ActionGetBucketPolicy, ActionPutBucketPolicy, ActionDeleteBucketPolicy,
		ActionGetBucketACL, ActionGetBucketVersioning, ActionGetBucketTagging,
		ActionPutBucketTagging, ActionGetObject, ActionGetObjectVersion,
		ActionGetObjectACL, ActionGetObjectTagging, ActionPutObject, ActionPutObjectTagging,
		ActionDeleteObject, ActionDeleteObjectVersion, ActionDeleteObjectTagging,
		ActionAbortMultipartUpload, ActionListMultipartUploadParts,
		ActionPutObjectRetention, ActionGetObjectRetention, ActionPutObjectLegalHold,
		ActionGetObjectLegalHold, ActionPutBucketObjectLockConfiguration,
		ActionGetBucketObjectLockConfiguration, ActionBypassGovernanceRetention,
		ActionGetReplicationConfiguration, ActionPutReplicationConfiguration,
		ActionReplicateObject, ActionReplicateDelete, ActionGetBucketCORS, ActionPutBucketCORS,
		ActionPutEncryptionConfiguration, ActionGetEncryptionConfiguration,
	}
}

// AdminActions returns the admin API actions, a new slice on every call.
func AdminActions() []string {
	return []string{
		AdminGetCluster, AdminListNodes, AdminGetLayout, AdminUpdateLayout, AdminGetRaft,
		AdminListJobs, AdminListUsers, AdminGetUser, AdminCreateUser, AdminUpdateUser,
		AdminDeleteUser, AdminListAccessKeys, AdminCreateAccessKey, AdminDeleteAccessKey,
		AdminListGroups, AdminGetGroup, AdminCreateGroup, AdminUpdateGroup, AdminDeleteGroup,
		AdminListPolicies, AdminGetPolicy, AdminPutPolicy, AdminDeletePolicy,
		AdminAttachPolicy, AdminDetachPolicy, AdminListBuckets, AdminGetBucket,
		AdminUpdateBucket, AdminSetBucketQuota, AdminListSites, AdminAddSite,
		AdminRemoveSite, AdminGetMetrics, AdminRunMaintenance, AdminGetAuditLog,
	}
}

// isAdminAction reports whether name (without wildcards) is an admin action.
func isAdminAction(name string) bool {
	for _, a := range AdminActions() {
		if equalFoldASCII(a, name) {
			return true
		}
	}
	return false
}

// ARN prefixes of the resources Cairn authorizes.
const (
	// S3ARNPrefix begins the ARN of every bucket and object.
	S3ARNPrefix = "arn:aws:s3:::"
	// AdminARNPrefix begins the ARN of every admin API resource.
	AdminARNPrefix = "arn:cairn:admin:::"
	// AllBucketsARN is the resource of s3:ListAllMyBuckets. A statement with Resource
	// "*" or "arn:aws:s3:::*" covers it; one naming a bucket does not.
	AllBucketsARN = S3ARNPrefix + "*"
)

// BucketARN returns the ARN of a bucket, the resource of bucket operations
// (s3:ListBucket, s3:CreateBucket, ...): "arn:aws:s3:::photos".
func BucketARN(bucket string) string { return S3ARNPrefix + bucket }

// ObjectARN returns the ARN of an object, the resource of object operations
// (s3:GetObject, s3:PutObject, ...): "arn:aws:s3:::photos/2024/a.jpg". The key is
// taken literally: a '*' in it is no wildcard.
func ObjectARN(bucket, key string) string { return S3ARNPrefix + bucket + "/" + key }

// AdminARN returns the ARN of an admin API resource, e.g. AdminARN("cluster"),
// AdminARN("user/alice"), AdminARN("policy/readers"), AdminARN("bucket/photos"),
// AdminARN("site/eu"). Admin policies usually grant Resource "*" or
// "arn:cairn:admin:::*".
func AdminARN(resource string) string { return AdminARNPrefix + resource }

// rootBypassesDeny reports whether the account root may perform action despite a
// Deny in the bucket policy: the bucket policy calls, so that a policy that locks
// everyone out can always be read, replaced or deleted by root, as in AWS.
func rootBypassesDeny(action string) bool {
	return equalFoldASCII(action, ActionGetBucketPolicy) ||
		equalFoldASCII(action, ActionPutBucketPolicy) ||
		equalFoldASCII(action, ActionDeleteBucketPolicy)
}

// splitAction splits "service:name" at its first colon.
func splitAction(a string) (service, name string, ok bool) {
	return strings.Cut(a, ":")
}
