package meta

import (
	"crypto/x509"
	"fmt"
	"maps"
	"regexp"
	"time"

	"github.com/cairnstore/cairn/s3url"
)

// Site sync's configuration (docs/site-sync.md): connections to other S3 endpoints and
// the per-bucket rules that replicate to them. Both live in Raft; a connection's
// secret is sealed like an access key's and never leaves meta except to the
// replication worker (ConnectionSecret).

// The sources a connection's credentials come from (the credentials reference's).
const (
	// CredentialsStatic: an access key id and secret given when the connection is
	// made, or embedded in the endpoint URL (https://KEY:SECRET@host).
	CredentialsStatic = "static"
	// CredentialsEnv: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
	// in the environment of the node that replicates.
	CredentialsEnv = "env"
	// CredentialsShared: a profile of an aws cli config and credentials file, read on
	// the node that replicates.
	CredentialsShared = "shared"
	// CredentialsIMDS: the instance metadata service (an EC2 instance role).
	CredentialsIMDS = "imds"
	// CredentialsDefault: the AWS SDK's default chain, the merge of the sources above
	// in its order: environment, shared files, web identity, container, instance
	// metadata.
	CredentialsDefault = "default"
)

// The replication modes of a rule.
const (
	// ModeNewOnly replicates the changes made from the rule's creation on.
	ModeNewOnly = "new_only"
	// ModeAll also copies every object that existed before, as a backfill.
	ModeAll = "all"
	// ModeBidirectional is two-way sync between Cairn sites, last write wins: the
	// changes from the rule's creation on, and a two-way backfill of what existed.
	ModeBidirectional = "bidirectional"
)

// ConnectionCredentials says where a connection's credentials come from. It holds no
// secret: a static secret is sealed apart from it.
type ConnectionCredentials struct {
	// Source is one of CredentialsStatic, CredentialsEnv, CredentialsShared,
	// CredentialsIMDS or CredentialsDefault.
	Source string `json:"source"`
	// AccessKeyID is the static access key id (not a secret, as in AWS).
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Profile names the profile of the shared files (CredentialsShared; optional for
	// CredentialsDefault); "" is "default".
	Profile string `json:"profile,omitempty"`
	// CredentialsFile and ConfigFile are the shared files' paths on the replicating
	// nodes; "" is the SDK's default (~/.aws/credentials, ~/.aws/config, or
	// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE).
	CredentialsFile string `json:"credentialsFile,omitempty"`
	ConfigFile      string `json:"configFile,omitempty"`
	// IMDSEndpoint overrides the instance metadata service's address
	// (CredentialsIMDS, CredentialsDefault); "" is the SDK's default.
	IMDSEndpoint string `json:"imdsEndpoint,omitempty"`
}

// ConnectionTLS are a connection's TLS settings.
type ConnectionTLS struct {
	// CACertPEM, when set, is the only CA the peer's certificate is checked against
	// (PEM); otherwise the system roots.
	CACertPEM string `json:"caCertPem,omitempty"`
	// ServerName overrides the name the peer's certificate is checked for.
	ServerName string `json:"serverName,omitempty"`
	// InsecureSkipVerify accepts any certificate: for tests only.
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// Connection is a peer site or S3 target as anyone may read it: never its secret.
type Connection struct {
	Name string `json:"name"`
	// Endpoint is the peer's S3 URL, without credentials.
	Endpoint    string                `json:"endpoint"`
	Region      string                `json:"region"`
	Credentials ConnectionCredentials `json:"credentials"`
	TLS         ConnectionTLS         `json:"tls"`
	// HasSecret says whether a static secret is stored.
	HasSecret bool      `json:"hasSecret"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// ConnectionInput makes or replaces a connection. Endpoint may embed the static
// credentials (https://KEY:SECRET@host): they are split off and Source becomes
// CredentialsStatic.
type ConnectionInput struct {
	Name        string
	Endpoint    string
	Region      string
	Credentials ConnectionCredentials
	// SecretAccessKey and SessionToken go with a static AccessKeyID. They are sealed
	// before they are proposed and never returned.
	SecretAccessKey string
	SessionToken    string
	TLS             ConnectionTLS
}

// ConnectionSecret is a connection's static secret in the clear, for the replication
// worker only. It formats with the secret redacted.
type ConnectionSecret struct {
	SecretAccessKey string
	SessionToken    string
}

// String hides the secret.
func (ConnectionSecret) String() string { return "ConnectionSecret{REDACTED}" }

// GoString hides the secret from %#v.
func (s ConnectionSecret) GoString() string { return s.String() }

// ReplicationRule replicates a bucket's objects to a bucket behind a connection.
type ReplicationRule struct {
	// Bucket is the source bucket; ID names the rule within it.
	Bucket string `json:"bucket"`
	ID     string `json:"id"`
	// Connection names the target; TargetBucket is the bucket there.
	Connection   string `json:"connection"`
	TargetBucket string `json:"targetBucket"`
	// Mode is ModeNewOnly, ModeAll or ModeBidirectional.
	Mode string `json:"mode"`
	// Prefix and Tags filter the objects replicated: keys beginning with Prefix,
	// carrying every tag of Tags.
	Prefix string            `json:"prefix,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
	// ReplicateDeletes sends deletes and delete markers too.
	ReplicateDeletes bool `json:"replicateDeletes"`
	// Paused stops delivery; the changes made meanwhile are sent on resume.
	Paused bool `json:"paused"`
	// SyncBucket makes the target bucket (when missing) and keeps its settings
	// (versioning, object lock configuration, lifecycle, policy, tags, CORS, default encryption) those of
	// the source bucket (docs/site-sync.md#bucket-level-sync).
	SyncBucket bool `json:"syncBucket,omitempty"`
	// Since is the HLC from which changes are replicated in ModeNewOnly: the rule's
	// creation, set by the proposer.
	Since     uint64    `json:"since"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Matches reports whether an object with this key and tags falls under the rule's
// filter.
func (r ReplicationRule) Matches(key string, tags map[string]string) bool {
	if len(key) < len(r.Prefix) || key[:len(r.Prefix)] != r.Prefix {
		return false
	}
	for k, v := range r.Tags {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// connectionRecord is a connection as the FSM holds it: the secret sealed.
type connectionRecord struct {
	Connection
	Sealed []byte `json:"sealedSecret,omitempty"`
}

// replicationState is site sync's replicated configuration. Its JSON tags are part
// of the snapshot format. As in state, values are never modified in place.
type replicationState struct {
	Connections map[string]connectionRecord `json:"connections"`
	// Rules are keyed by ruleKey(bucket, id).
	Rules map[string]ReplicationRule `json:"rules"`
	// Progress is each rule's delivery progress, keyed as Rules.
	Progress map[string]ReplicationProgress `json:"progress,omitempty"`
}

func (s replicationState) clone() replicationState {
	c := replicationState{Connections: maps.Clone(s.Connections), Rules: maps.Clone(s.Rules), Progress: maps.Clone(s.Progress)}
	if c.Progress == nil {
		c.Progress = map[string]ReplicationProgress{}
	}
	if c.Connections == nil {
		c.Connections = map[string]connectionRecord{}
	}
	if c.Rules == nil {
		c.Rules = map[string]ReplicationRule{}
	}
	return c
}

// ruleKey is a rule's key in replicationState.Rules; bucket names hold no NUL.
func ruleKey(bucket, id string) string { return bucket + "\x00" + id }

// nameRE is what a connection name or a rule id may be: S3's rule ids allow up to
// 255 characters; names are kept to what reads well in a URL path.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// checkConnectionInput validates in and returns it normalized: credentials split off
// a URL-embedded endpoint, the source defaulted. With replace, a static source may
// come without its secret (a replace keeps the stored one: keptSecret).
func checkConnectionInput(in ConnectionInput, replace bool) (ConnectionInput, error) {
	if !nameRE.MatchString(in.Name) {
		return in, invalidf("connection name %q: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", in.Name)
	}
	endpoint, ak, sk, err := s3url.Split(in.Endpoint)
	if err != nil {
		return in, invalidf("connection endpoint: %v", err)
	}
	in.Endpoint = endpoint
	if ak != "" {
		if in.Credentials.AccessKeyID != "" || in.SecretAccessKey != "" {
			return in, invalidf("connection %s: credentials both in the endpoint URL and given apart", in.Name)
		}
		if in.Credentials.Source != "" && in.Credentials.Source != CredentialsStatic {
			return in, invalidf("connection %s: the endpoint URL carries credentials but the source is %q", in.Name, in.Credentials.Source)
		}
		in.Credentials.Source, in.Credentials.AccessKeyID, in.SecretAccessKey = CredentialsStatic, ak, sk
	}
	if in.Credentials.Source == "" {
		in.Credentials.Source = CredentialsStatic
		if in.Credentials.AccessKeyID == "" && in.SecretAccessKey == "" {
			in.Credentials.Source = CredentialsDefault
		}
	}
	if in.Region == "" {
		in.Region = "us-east-1"
	}
	c := in.Credentials
	static := c.Source == CredentialsStatic
	switch c.Source {
	case CredentialsStatic:
		if c.AccessKeyID == "" || in.SecretAccessKey == "" && !replace {
			return in, invalidf("connection %s: static credentials need an access key id and a secret", in.Name)
		}
	case CredentialsEnv, CredentialsShared, CredentialsIMDS, CredentialsDefault:
	default:
		return in, invalidf("connection %s: unknown credentials source %q (static, env, shared, imds or default)", in.Name, c.Source)
	}
	if !static && (c.AccessKeyID != "" || in.SecretAccessKey != "" || in.SessionToken != "") {
		return in, invalidf("connection %s: an access key or secret goes only with the static source", in.Name)
	}
	if c.Source != CredentialsShared && c.Source != CredentialsDefault && (c.Profile != "" || c.CredentialsFile != "" || c.ConfigFile != "") {
		return in, invalidf("connection %s: a profile or shared file goes only with the shared or default source", in.Name)
	}
	if c.Source != CredentialsIMDS && c.Source != CredentialsDefault && c.IMDSEndpoint != "" {
		return in, invalidf("connection %s: an instance metadata endpoint goes only with the imds or default source", in.Name)
	}
	if c.IMDSEndpoint != "" {
		if _, _, _, err := s3url.Split(c.IMDSEndpoint); err != nil {
			return in, invalidf("connection %s: instance metadata endpoint: %v", in.Name, err)
		}
	}
	if in.TLS.CACertPEM != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(in.TLS.CACertPEM)) {
		return in, invalidf("connection %s: the CA certificate is not a PEM certificate", in.Name)
	}
	return in, nil
}

// checkRule validates a rule's own fields (not whether its bucket and connection
// exist: Apply checks those).
func checkRule(r ReplicationRule) error {
	switch {
	case r.Bucket == "":
		return invalidf("a rule needs a bucket")
	case !nameRE.MatchString(r.ID):
		return invalidf("rule id %q: 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", r.ID)
	case r.Connection == "":
		return invalidf("rule %s: a rule needs a connection", r.ID)
	case r.TargetBucket == "":
		return invalidf("rule %s: a rule needs a target bucket", r.ID)
	}
	switch r.Mode {
	case ModeNewOnly, ModeAll, ModeBidirectional:
	default:
		return invalidf("rule %s: unknown mode %q (new_only, all or bidirectional)", r.ID, r.Mode)
	}
	if err := checkBucketTags(r.Tags); err != nil {
		return fmt.Errorf("rule %s: tag filter: %w", r.ID, err)
	}
	return nil
}
