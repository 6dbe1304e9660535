package meta

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
)

// CommandType is the first byte of every Raft log entry; the JSON of the command
// follows it.
//
// Versioning: append only. Never renumber or reuse a type, never rename a JSON tag or
// change what a field means: old logs and snapshots must replay after an upgrade. A
// field may be added when its zero value means the old behaviour and an older node
// may ignore it; anything else is a new CommandType (and every node must run a
// version that knows it before it is proposed: an unknown type stops the FSM).
type CommandType uint8

// IgnoreUnknownTypeFlag, set in a log entry's type byte, lets a node that does not know
// the command skip the entry instead of stopping, as Nomad's log does. During a rolling
// upgrade the newer nodes may propose a command the older ones do not know yet: one
// whose effect an older node can safely miss (a hint, a statistic) carries this flag
// (its Go type implements skippable), and an older FSM passes over it; any other
// unknown command still stops an older FSM, because skipping it would make that node's
// state diverge. Command types stay below 0x80, so the flag never hides a type.
const IgnoreUnknownTypeFlag CommandType = 0x80

// skippable is implemented by a command that an older node may skip (see
// IgnoreUnknownTypeFlag).
type skippable interface {
	skippableByOlderNodes() bool
}

// The commands. 0 is never a command.
const (
	CmdClusterInit     CommandType = 1
	CmdLayoutSet       CommandType = 2
	CmdBucketCreate    CommandType = 3
	CmdBucketDelete    CommandType = 4
	CmdAccessKeyPut    CommandType = 5
	CmdAccessKeyDelete CommandType = 6
	CmdRootKeySet      CommandType = 7

	// 8–10 are the cluster commands (cluster_commands.go); 12 is
	// CmdBucketVersioningSet (bucket_versioning.go); 20 is CmdBucketLifecycleSet
	// (bucket_lifecycle.go); 21 is CmdBucketObjectLockSet (bucket_objectlock.go); 22 is
	// CmdBucketCORSSet (bucket_cors.go); 24 is CmdBucketQuotaSet (bucket_quota.go); 25 is
	// CmdBucketEncryptionSet (bucket_encryption.go); 26 is CmdNodeOverrideSet
	// (node_override.go); the
	// IAM family starts at 32, site sync's at 96 (replication_commands.go).

	CmdBucketTagsSet CommandType = 11
)

// String returns the command's name, for logs.
func (t CommandType) String() string {
	switch t {
	case CmdClusterInit:
		return "ClusterInit"
	case CmdLayoutSet:
		return "LayoutSet"
	case CmdBucketCreate:
		return "BucketCreate"
	case CmdBucketDelete:
		return "BucketDelete"
	case CmdAccessKeyPut:
		return "AccessKeyPut"
	case CmdAccessKeyDelete:
		return "AccessKeyDelete"
	case CmdRootKeySet:
		return "RootKeySet"
	case CmdBucketTagsSet:
		return "BucketTagsSet"
	case CmdBucketVersioningSet:
		return "BucketVersioningSet"
	case CmdBucketLifecycleSet:
		return "BucketLifecycleSet"
	case CmdBucketObjectLockSet:
		return "BucketObjectLockSet"
	case CmdBucketQuotaSet:
		return "BucketQuotaSet"
	case CmdBucketCORSSet:
		return "BucketCORSSet"
	case CmdBucketEncryptionSet:
		return "BucketEncryptionSet"
	case CmdNodeOverrideSet:
		return "NodeOverrideSet"
	}
	if name, ok := clusterCommandNames[t]; ok {
		return name
	}
	if name, ok := iamCommandNames[t]; ok {
		return name
	}
	if name, ok := replicationCommandNames[t]; ok {
		return name
	}
	return fmt.Sprintf("CommandType(%d)", uint8(t))
}

// command is implemented by every command struct.
type command interface {
	commandType() CommandType
}

// ClusterInit gives the cluster its id, chosen at random by the bootstrapping node.
// Idempotent: the same id again is a no-op; another id is rejected with
// ErrClusterInitialized.
type ClusterInit struct {
	ClusterID string `json:"clusterId"`
}

// LayoutSet installs a layout. Its version must be newer than the current one (the
// same version with the same content is a no-op retry); the partition count never
// changes. Apply rebuilds the owner table with layout.New.
type LayoutSet struct {
	Version     uint64        `json:"version"`
	Partitions  int           `json:"partitions"`
	Replication int           `json:"replication"`
	Nodes       []layout.Node `json:"nodes"`
}

// BucketCreate creates a bucket. The proposer sets CreatedAt: Apply never reads the
// clock. A retry (same name, owner, region and CreatedAt) is a no-op; any other
// bucket of that name is rejected with ErrBucketExists.
type BucketCreate struct {
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"createdAt"`
}

// BucketDelete removes a bucket's metadata; ErrNoSuchBucket if there is none.
type BucketDelete struct {
	Name string `json:"name"`
}

// AccessKeyPut stores an access key of User. Secret is sealed by the proposer
// (AES-256-GCM under Config.SecretKey, bound to ID); the clear secret never enters
// Raft. An id held by another user is rejected with ErrAccessKeyExists; the same
// user's id is replaced, so a retry is a no-op.
type AccessKeyPut struct {
	ID        string    `json:"id"`
	User      string    `json:"user"`
	Secret    []byte    `json:"sealedSecret"`
	CreatedAt time.Time `json:"createdAt"`
	// Expiry is the key's own expiry (AccessKey.Expiry); absent: never.
	Expiry *time.Time `json:"expiry,omitempty"`
}

// AccessKeyDelete removes an access key; ErrNoSuchAccessKey if there is none.
type AccessKeyDelete struct {
	ID string `json:"id"`
}

// RootKeySet makes ID (with its sealed Secret) the root user's only access key,
// removing the others in the same step. Idempotent. An id held by another user is
// rejected with ErrAccessKeyExists.
type RootKeySet struct {
	ID        string    `json:"id"`
	Secret    []byte    `json:"sealedSecret"`
	CreatedAt time.Time `json:"createdAt"`
}

// BucketTagsSet replaces a bucket's tags with Tags; empty Tags removes them. The
// proposer validates them (S3's rules, checkBucketTags): Apply refuses only a
// bucket that does not exist, with ErrNoSuchBucket. Idempotent, so a retry is a
// no-op. The tags go with the bucket when it is deleted.
type BucketTagsSet struct {
	Bucket string            `json:"bucket"`
	Tags   map[string]string `json:"tags,omitempty"`
}

func (ClusterInit) commandType() CommandType     { return CmdClusterInit }
func (LayoutSet) commandType() CommandType       { return CmdLayoutSet }
func (BucketCreate) commandType() CommandType    { return CmdBucketCreate }
func (BucketDelete) commandType() CommandType    { return CmdBucketDelete }
func (AccessKeyPut) commandType() CommandType    { return CmdAccessKeyPut }
func (AccessKeyDelete) commandType() CommandType { return CmdAccessKeyDelete }
func (RootKeySet) commandType() CommandType      { return CmdRootKeySet }
func (BucketTagsSet) commandType() CommandType   { return CmdBucketTagsSet }

// encodeCommand returns the Raft log entry of c: its type byte, then its JSON.
func encodeCommand(c command) ([]byte, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("meta: encode %s: %w", c.commandType(), err)
	}
	t := c.commandType()
	if sk, ok := c.(skippable); ok && sk.skippableByOlderNodes() {
		t |= IgnoreUnknownTypeFlag
	}
	return append([]byte{byte(t)}, body...), nil
}
