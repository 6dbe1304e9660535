// Package meta holds the cluster-wide metadata — buckets, users and access keys, the
// layout — in a Raft FSM replicated to every node. Writes go through Raft (forwarded
// to the leader); reads are local, and a local miss is confirmed against the leader.
package meta

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/cairnstore/cairn/cluster/layout"
)

var errTODO = errors.New("meta: not implemented yet")

// Config configures a Meta.
type Config struct {
	// NodeID is this node's Raft server id. Required.
	NodeID string
	// Dir holds the Raft log (raft-boltdb/v2), stable store and snapshots. Required.
	Dir string
	// RaftAddr is the TCP address the Raft transport binds. Default "127.0.0.1:0".
	RaftAddr string
	// SecretKey is the 32-byte key that encrypts access-key secrets at rest in the FSM,
	// its snapshots and the Raft log. Required.
	SecretKey []byte
	// Bootstrap makes this node bootstrap a new cluster with itself as the only voter
	// when it has no Raft state yet (the single-node default).
	Bootstrap bool
	// Zone and Capacity describe this node in the layout. Capacity defaults to 1.
	Zone     string
	Capacity uint64
	Logger   *slog.Logger
}

// Bucket is a bucket and its configuration.
type Bucket struct {
	Name      string    `json:"name"`
	Owner     string    `json:"owner"`  // the user that created it
	Region    string    `json:"region"` // its LocationConstraint
	CreatedAt time.Time `json:"createdAt"`
}

// AccessKey is an access key with its secret in the clear (decrypted for the caller).
type AccessKey struct {
	ID        string
	Secret    string
	User      string
	CreatedAt time.Time
}

// RootUser is the name of the user that may do everything.
const RootUser = "root"

// Errors returned by Meta.
var (
	ErrBucketExists    = errors.New("meta: bucket already exists")
	ErrNoSuchBucket    = errors.New("meta: no such bucket")
	ErrNoSuchAccessKey = errors.New("meta: no such access key")
	ErrNotReady        = errors.New("meta: no raft leader")
)

// Meta is one node's view of the cluster metadata.
type Meta struct{}

// Open starts Raft and the FSM.
func Open(ctx context.Context, cfg Config) (*Meta, error) { return nil, errTODO }

// WaitReady blocks until there is a leader and the local FSM has applied the log up to
// the leader's commit index as of the call.
func (m *Meta) WaitReady(ctx context.Context) error { return errTODO }

// Close stops Raft and closes the stores.
func (m *Meta) Close() error { return errTODO }

// ClusterID returns the id the cluster got when it was bootstrapped.
func (m *Meta) ClusterID() string { return "" }

// CreateBucket creates a bucket; ErrBucketExists if one with that name exists.
func (m *Meta) CreateBucket(ctx context.Context, b Bucket) error { return errTODO }

// DeleteBucket removes a bucket's metadata; ErrNoSuchBucket if there is none.
func (m *Meta) DeleteBucket(ctx context.Context, name string) error { return errTODO }

// Bucket returns a bucket; ErrNoSuchBucket if there is none.
func (m *Meta) Bucket(ctx context.Context, name string) (Bucket, error) {
	return Bucket{}, errTODO
}

// Buckets returns every bucket in name order.
func (m *Meta) Buckets(ctx context.Context) ([]Bucket, error) { return nil, errTODO }

// AccessKey returns an access key with its secret; ErrNoSuchAccessKey if unknown.
func (m *Meta) AccessKey(ctx context.Context, id string) (AccessKey, error) {
	return AccessKey{}, errTODO
}

// RootKey returns the root user's access key, and false if none has been set.
func (m *Meta) RootKey(ctx context.Context) (AccessKey, bool, error) {
	return AccessKey{}, false, errTODO
}

// SetRootKey makes id/secret the root user's only access key.
func (m *Meta) SetRootKey(ctx context.Context, id, secret string) error { return errTODO }

// Layout returns the current layout.
func (m *Meta) Layout() *layout.Layout { return nil }
