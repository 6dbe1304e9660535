package management

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"strings"
	"time"

	"github.com/cairnstore/cairn/meta"
)

// Names of what a bucket gets: the reference API's names, so that tooling written
// for it finds them.
const (
	policySuffix = "-BktAdmPlc"
	groupSuffix  = "-BktAdmGrp"
)

// policyName is the name of the policy granting full access to bucket.
func policyName(bucket string) string { return bucket + policySuffix }

// groupName is the name of the group whose members may use bucket.
func groupName(bucket string) string { return bucket + groupSuffix }

// fullAccessPolicy is the policy document of bucket's policy: every S3 action on the
// bucket and on its objects, and nothing else (not even listing the other buckets).
func fullAccessPolicy(bucket string) []byte {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "BucketAdmin",
			"Effect":   "Allow",
			"Action":   "s3:*",
			"Resource": []string{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"},
		}},
	}
	out, _ := json.Marshal(doc) // cannot fail: plain maps and strings
	return out
}

// arn is an IAM ARN in the account, e.g. arn:aws:iam::cairn:user/alice.
func (s *Server) arn(kind, name string) string {
	return "arn:aws:iam::" + s.cfg.Account + ":" + kind + "/" + name
}

// idEncoding writes ids in upper-case base32 without padding, like AWS's ids.
var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// stableID derives an AWS-style id (a 4-letter prefix and 17 characters) from what
// identifies an entity: its name and creation time. Cairn keeps no separate ids, so
// the same entity always gets the same id and a re-created one a new id.
func stableID(prefix, name string, created time.Time) string {
	sum := sha256.Sum256([]byte(prefix + "\x00" + name + "\x00" + created.UTC().Format(time.RFC3339Nano)))
	return prefix + strings.ToUpper(idEncoding.EncodeToString(sum[:]))[:17]
}

// policyOut describes a managed policy attached to attachments groups or users.
func (s *Server) policyOut(p meta.ManagedPolicy, attachments int) Policy {
	desc := "Full access to the bucket " + strings.TrimSuffix(p.Name, policySuffix)
	return Policy{
		Arn:              s.arn("policy", p.Name),
		AttachmentCount:  attachments,
		CreateDate:       p.CreatedAt,
		DefaultVersionId: "v1",
		Description:      &desc,
		IsAttachable:     true,
		Path:             "/",
		PolicyId:         stableID("ANPA", p.Name, p.CreatedAt),
		PolicyName:       p.Name,
		UpdateDate:       p.UpdatedAt,
	}
}

// groupOut describes a group.
func (s *Server) groupOut(g meta.Group) Group {
	return Group{
		Arn:        s.arn("group", g.Name),
		CreateDate: g.CreatedAt,
		GroupId:    stableID("AGPA", g.Name, g.CreatedAt),
		GroupName:  g.Name,
		Path:       "/",
	}
}

// userOut describes a user.
func (s *Server) userOut(u meta.User) User {
	return User{
		Arn:        s.arn("user", u.Name),
		CreateDate: u.CreatedAt,
		Path:       "/",
		UserId:     stableID("AIDA", u.Name, u.CreatedAt),
		UserName:   u.Name,
	}
}

// keyOut describes a new access key with its secret.
func keyOut(k meta.AccessKey) AccessKey {
	return AccessKey{AccessKeyId: k.ID, CreateDate: k.CreatedAt, SecretAccessKey: k.Secret, Status: "Active", UserName: k.User}
}

// keyMetadataOut describes an access key without its secret.
func keyMetadataOut(k meta.AccessKeyInfo, status string) AccessKeyMetadata {
	return AccessKeyMetadata{AccessKeyId: k.ID, CreateDate: k.CreatedAt, Status: status, UserName: k.User}
}
