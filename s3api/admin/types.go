package admin

import (
	"encoding/json"
	"time"

	"github.com/cairnstore/cairn/blob"
)

// The JSON bodies of the admin API, shared by the server, the client package and the
// CLI. Field names are camelCase; times are RFC 3339 in UTC. docs/admin-api.md shows
// an example of each.

// Cluster is GET /admin/v1/cluster: the cluster as every node sees it.
type Cluster struct {
	// ID is the id the cluster got when it was bootstrapped.
	ID string `json:"id"`
	// Name is the operator's name for the cluster (--cluster-name).
	Name   string        `json:"name"`
	Raft   RaftSummary   `json:"raft"`
	Layout LayoutSummary `json:"layout"`
	Health Health        `json:"health"`
	// Nodes counts the nodes by gossip state ("alive", "dead", ...).
	Nodes map[string]int `json:"nodes"`
}

// RaftSummary is the Raft state of the cluster as the serving node knows it. The
// commit and applied indexes are this node's; they match the leader's once it has
// caught up.
type RaftSummary struct {
	// Leader is the leader's node id; "" while there is none.
	Leader       string `json:"leader"`
	Term         uint64 `json:"term"`
	CommitIndex  uint64 `json:"commitIndex"`
	AppliedIndex uint64 `json:"appliedIndex"`
}

// LayoutSummary is the current layout in brief.
type LayoutSummary struct {
	Version     uint64 `json:"version"`
	Replication int    `json:"replication"`
	Partitions  int    `json:"partitions"`
	Nodes       int    `json:"nodes"`
	// Syncing lists the older layout versions whose data is still being moved to the
	// current one; empty when the cluster is balanced.
	Syncing []uint64 `json:"syncing"`
}

// Health says how many partitions can be read and written: each partition has
// Replication owners, and a write needs a quorum (⌊R/2⌋+1) of them alive.
type Health struct {
	Partitions int `json:"partitions"`
	// AllOwners counts partitions whose owners are all alive.
	AllOwners int `json:"allOwners"`
	// Quorum counts partitions with at least a quorum of owners alive (AllOwners
	// included): these accept reads and writes.
	Quorum int `json:"quorum"`
	// Unavailable counts partitions without a quorum.
	Unavailable int `json:"unavailable"`
	// Status is "healthy" (every partition has all owners), "degraded" (every
	// partition has a quorum) or "unavailable".
	Status string `json:"status"`
}

// Node is one node: GET /admin/v1/nodes lists them, GET /admin/v1/nodes/{id} shows one.
type Node struct {
	ID         string `json:"id"`
	S3Addr     string `json:"s3Addr,omitempty"`
	AdminAddr  string `json:"adminAddr,omitempty"`
	RPCAddr    string `json:"rpcAddr,omitempty"`
	RaftAddr   string `json:"raftAddr,omitempty"`
	GossipAddr string `json:"gossipAddr,omitempty"`
	// Zone and Capacity (the node's relative weight in the layout) are the values in
	// effect: an administrator's override (Override) wins over the node's own
	// --zone and --capacity.
	Zone     string `json:"zone,omitempty"`
	Capacity uint64 `json:"capacity"`
	// Override is the zone and capacity override set with PUT /nodes/{id}; nil when
	// there is none.
	Override *NodeOverride `json:"override,omitempty"`
	// Gossip is the node's liveness: "alive", "suspect", "dead", "left" or "unknown".
	Gossip string `json:"gossip"`
	// Raft is "leader", "voter", "nonvoter" or "none".
	Raft string `json:"raft"`
	// Status is "active", "decommissioning" or "removed".
	Status string `json:"status"`
	// InLayout reports that the current layout places data on the node.
	InLayout bool `json:"inLayout"`
	// Partitions counts the partitions of the current layout the node owns.
	Partitions int    `json:"partitions"`
	Version    string `json:"version,omitempty"`
	// StartedAt is when the node's process started; UptimeSeconds is from then to the
	// moment of the answer.
	StartedAt     *time.Time `json:"startedAt,omitempty"`
	UptimeSeconds int64      `json:"uptimeSeconds,omitempty"`
	// Stats are the node's disk and object figures, measured when asked; nil when the
	// node could not be asked.
	Stats *NodeStats `json:"stats,omitempty"`
}

// NodeStats are one node's storage figures. A count of -1 means unknown.
type NodeStats struct {
	// DataBytes is what Cairn itself stores on the node: its block files and its
	// version index (BlockBytes + IndexBytes), counted by the object layer at most a
	// minute ago, like Objects and Blocks.
	DataBytes  int64 `json:"dataBytes"`
	BlockBytes int64 `json:"blockBytes"`
	IndexBytes int64 `json:"indexBytes"`
	// DiskTotalBytes, DiskUsedBytes and DiskFreeBytes describe the whole file system
	// that holds the data directory, measured when asked: used counts Cairn and
	// anything else on it; free is what is left for Cairn to grow into.
	DiskTotalBytes uint64 `json:"diskTotalBytes"`
	DiskUsedBytes  uint64 `json:"diskUsedBytes"`
	DiskFreeBytes  uint64 `json:"diskFreeBytes"`
	Objects        int64  `json:"objects"`
	Blocks         int64  `json:"blocks"`
	// Repair is the node's anti-entropy (sync and repair) work; nil when the node's
	// object layer does not report it.
	Repair *RepairStatus `json:"repair,omitempty"`
}

// RepairStatus is one node's anti-entropy work: the rounds that bring its partitions
// in step with the other owners after a layout change or a failure.
type RepairStatus struct {
	// SyncedVersion is the newest layout version the node has finished syncing to.
	SyncedVersion uint64 `json:"syncedVersion"`
	// Running says a round is in progress.
	Running bool `json:"running"`
	// Rounds counts the rounds finished since the node started.
	Rounds uint64 `json:"rounds"`
	// LastStart and LastDurationMs describe the last finished round.
	LastStart      *time.Time `json:"lastStart,omitempty"`
	LastDurationMs int64      `json:"lastDurationMs"`
	// LastError says why the last round left work undone; empty if it did not.
	LastError string `json:"lastError,omitempty"`
	// What the last round could not bring in step: record partitions, block
	// partitions, blocks.
	PartitionsPending      int `json:"partitionsPending"`
	BlockPartitionsPending int `json:"blockPartitionsPending"`
	BlocksPending          int `json:"blocksPending"`
	// Totals since the node started: items (records, uploads, parts) and blocks
	// copied here, copied from here, and removed here after handing them to their
	// new owners.
	RecordsPulled    uint64 `json:"recordsPulled"`
	RecordsPushed    uint64 `json:"recordsPushed"`
	RecordsHandedOff uint64 `json:"recordsHandedOff"`
	BlocksPulled     uint64 `json:"blocksPulled"`
	BlocksPushed     uint64 `json:"blocksPushed"`
	BlocksHandedOff  uint64 `json:"blocksHandedOff"`
}

// NodeOverride is the body of PUT /admin/v1/nodes/{id}: a node's capacity and zone
// override, which wins over its --capacity and --zone flags until cleared. A field
// that is null or absent clears that part of the override.
type NodeOverride struct {
	// Capacity is the node's weight in the layout, at least 1.
	Capacity *uint64 `json:"capacity,omitempty"`
	// Zone is the node's zone ("" is no zone).
	Zone *string `json:"zone,omitempty"`
	// Version, when set, must be the current layout version (LayoutConflict
	// otherwise), as in LayoutChange.
	Version uint64 `json:"version,omitempty"`
}

// RemoveNodeResult is the answer to DELETE /admin/v1/nodes/{id}.
type RemoveNodeResult struct {
	ID string `json:"id"`
	// Status is the node's status after the call: "decommissioning" until its data
	// has moved, then "removed".
	Status string `json:"status"`
	// LayoutVersion is the current layout, which no longer holds the node.
	LayoutVersion uint64 `json:"layoutVersion"`
}

// Layout is GET /admin/v1/layout: the current layout and the older versions still
// syncing.
type Layout struct {
	Version     uint64        `json:"version"`
	Replication int           `json:"replication"`
	Partitions  int           `json:"partitions"`
	Nodes       []LayoutNode  `json:"nodes"`
	Syncing     []LayoutBrief `json:"syncing"`
}

// LayoutNode is a node of a layout and its share of the partitions.
type LayoutNode struct {
	ID       string `json:"id"`
	Zone     string `json:"zone,omitempty"`
	Capacity uint64 `json:"capacity"`
	// Partitions counts the partitions the node owns in this layout.
	Partitions int `json:"partitions"`
}

// LayoutBrief names an older layout version still in use.
type LayoutBrief struct {
	Version     uint64   `json:"version"`
	Replication int      `json:"replication"`
	Nodes       []string `json:"nodes"`
}

// LayoutChange is the body of PUT /admin/v1/layout.
type LayoutChange struct {
	// Version, when set, must be the current layout version, so that two operators
	// never overwrite each other's change unseen (LayoutConflict otherwise).
	Version uint64 `json:"version,omitempty"`
	// Replication is the new replication factor, from 1 to the number of nodes.
	Replication int `json:"replication"`
}

// SyncStatus is GET /admin/v1/sync: the progress of moving data after a layout
// change (rebalancing) and of repair, per node.
type SyncStatus struct {
	// LayoutVersion is the current layout.
	LayoutVersion uint64 `json:"layoutVersion"`
	// Done reports that no older layout is still in use.
	Done bool `json:"done"`
	// Syncing lists the older versions still in use, newest first.
	Syncing []uint64 `json:"syncing"`
	// Nodes lists, per node of the layouts in use, the newest version it has
	// finished syncing to and its anti-entropy work.
	Nodes []NodeSync `json:"nodes"`
}

// NodeSync is one node's sync progress.
type NodeSync struct {
	ID string `json:"id"`
	// SyncedVersion is the newest layout version the node has acked as synced.
	SyncedVersion uint64 `json:"syncedVersion"`
	// Done reports that the node has synced to the current layout.
	Done bool `json:"done"`
	// Repair is the node's own report, asked when the request came; nil when it
	// could not be asked.
	Repair *RepairStatus `json:"repair,omitempty"`
}

// Raft is GET /admin/v1/raft: the serving node's Raft state.
type Raft struct {
	Node         string `json:"node"`
	State        string `json:"state"`
	Leader       string `json:"leader"`
	LeaderAddr   string `json:"leaderAddr,omitempty"`
	Term         uint64 `json:"term"`
	CommitIndex  uint64 `json:"commitIndex"`
	AppliedIndex uint64 `json:"appliedIndex"`
	// Servers are the nodes in the Raft configuration and their roles.
	Servers []RaftServer `json:"servers"`
}

// RaftServer is a member of the Raft configuration.
type RaftServer struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	Role    string `json:"role"`
}

// Identity is GET /admin/v1/whoami: who signed the request.
type Identity struct {
	User        string   `json:"user"`
	AccessKeyID string   `json:"accessKeyId"`
	Root        bool     `json:"root"`
	Groups      []string `json:"groups"`
	// Policies are the managed policies that apply: the user's, then its groups'.
	Policies []string `json:"policies"`
}

// User is an IAM user.
type User struct {
	Name string `json:"name"`
	// Status is "enabled" or "disabled".
	Status string `json:"status"`
	// Expiry is when the user's keys stop working; absent: never.
	Expiry *time.Time `json:"expiry,omitempty"`
	// Expired reports that the expiry has passed.
	Expired   bool      `json:"expired"`
	Policies  []string  `json:"policies"`
	Groups    []string  `json:"groups"`
	CreatedAt time.Time `json:"createdAt"`
}

// CreateUserRequest is the body of POST /admin/v1/users.
type CreateUserRequest struct {
	Name string `json:"name"`
	// Policies are managed policies to attach; each must exist.
	Policies []string `json:"policies,omitempty"`
	// Expiry, RFC 3339, is when the user's keys stop working.
	Expiry *time.Time `json:"expiry,omitempty"`
}

// ExpiryRequest is the body of PUT /admin/v1/users/{name}/expiry; a null or absent
// expiry clears it.
type ExpiryRequest struct {
	Expiry *time.Time `json:"expiry"`
}

// AccessKey describes an access key. SecretKey is set only in the answers of create
// and rotate: the one time the secret is shown.
type AccessKey struct {
	AccessKeyID string    `json:"accessKeyId"`
	SecretKey   string    `json:"secretKey,omitempty"`
	User        string    `json:"user"`
	CreatedAt   time.Time `json:"createdAt"`
	// Expiry is when the key stops working, for the keys that have one (the
	// console's single sign-on session keys); absent: never.
	Expiry *time.Time `json:"expiry,omitempty"`
	// Replaces is, after a rotation, the id of the key that stopped working.
	Replaces string `json:"replaces,omitempty"`
}

// Group is an IAM group.
type Group struct {
	Name      string    `json:"name"`
	Members   []string  `json:"members"`
	Policies  []string  `json:"policies"`
	CreatedAt time.Time `json:"createdAt"`
}

// CreateGroupRequest is the body of POST /admin/v1/groups.
type CreateGroupRequest struct {
	Name     string   `json:"name"`
	Policies []string `json:"policies,omitempty"`
	Members  []string `json:"members,omitempty"`
}

// Policy is a managed policy. Lists leave Document out.
type Policy struct {
	Name string `json:"name"`
	// Document is the policy as stored: AWS IAM policy JSON (a short form is stored
	// converted).
	Document  json.RawMessage `json:"document,omitempty"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
	// Users and Groups are those the policy is attached to (GET of one policy only).
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// Bucket is a bucket as the admin API lists it.
type Bucket struct {
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`
	Region    string    `json:"region"`
	CreatedAt time.Time `json:"createdAt"`
	// HasPolicy reports that the bucket has a bucket policy (GET of one bucket only).
	HasPolicy *bool `json:"hasPolicy,omitempty"`
	// Quota is the bucket's quota (GET of one bucket only); absent when it has none.
	Quota *BucketQuota `json:"quota,omitempty"`
}

// BucketStatsReport is the answer of the usage endpoints.
type BucketStatsReport struct {
	Items []BucketStats `json:"items"`
	// NodesAsked and NodesAnswered are the live nodes asked for their figures and
	// those that answered. With every owner of a partition silent its objects are
	// missing from Usage, and a silent node's requests from Traffic; with all nodes
	// answering the figures are complete.
	NodesAsked    int `json:"nodesAsked"`
	NodesAnswered int `json:"nodesAnswered"`
}

// BucketStats is one bucket's usage and requests.
type BucketStats struct {
	Name    string        `json:"name"`
	Usage   BucketUsage   `json:"usage"`
	Traffic BucketTraffic `json:"traffic"`
}

// BucketUsage is what a bucket holds, cluster-wide, each object counted once
// (whatever the replication factor), as the nodes counted it at most
// --usage-max-age ago: objects and bytes as a listing shows them, every version that
// holds data and their bytes, and delete markers (see blob.BucketUsage).
type BucketUsage = blob.BucketUsage

// BucketTraffic is a bucket's S3 requests, summed over the nodes that answered, since
// each started (counters restart at 0 with a node).
type BucketTraffic struct {
	// Requests by operation class: read (GetObject, HeadObject), write (puts, copies,
	// multipart, deletes), list, other (bucket configuration, tags, ACLs).
	Requests map[string]int64 `json:"requests"`
	// Errors are the requests answered with an error (4xx or 5xx).
	Errors int64 `json:"errors"`
	// BytesIn and BytesOut are request and response body bytes.
	BytesIn  int64 `json:"bytesIn"`
	BytesOut int64 `json:"bytesOut"`
}

// List is the envelope of every list answer, so that fields can be added later.
type List[T any] struct {
	Items []T `json:"items"`
}
