package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cairnstore/cairn/blob"
	"github.com/cairnstore/cairn/lifecycle"
	"github.com/cairnstore/cairn/s3api/admin"
	"github.com/cairnstore/cairn/s3api/audit"
)

// One method per admin API endpoint; docs/admin-api.md describes each.

// WhoAmI returns the identity that signs the client's requests.
func (c *Client) WhoAmI(ctx context.Context) (admin.Identity, error) {
	return get[admin.Identity](ctx, c, "/whoami")
}

// Cluster returns the cluster's id, Raft state, layout and health.
func (c *Client) Cluster(ctx context.Context) (admin.Cluster, error) {
	return get[admin.Cluster](ctx, c, "/cluster")
}

// Raft returns the serving node's Raft state.
func (c *Client) Raft(ctx context.Context) (admin.Raft, error) {
	return get[admin.Raft](ctx, c, "/raft")
}

// Nodes lists the nodes the cluster knows.
func (c *Client) Nodes(ctx context.Context) ([]admin.Node, error) {
	return list[admin.Node](ctx, c, "/nodes")
}

// Node returns one node.
func (c *Client) Node(ctx context.Context, id string) (admin.Node, error) {
	return get[admin.Node](ctx, c, "/nodes/"+Escape(id))
}

// RemoveNode decommissions a node: its data moves to other nodes, then it leaves.
func (c *Client) RemoveNode(ctx context.Context, id string) (admin.RemoveNodeResult, error) {
	var out admin.RemoveNodeResult
	err := c.Do(ctx, http.MethodDelete, "/nodes/"+Escape(id), nil, &out)
	return out, err
}

// SetNodeOverride sets or clears (a nil field) a node's capacity and zone override.
func (c *Client) SetNodeOverride(ctx context.Context, id string, in admin.NodeOverride) (admin.Node, error) {
	var out admin.Node
	err := c.Do(ctx, http.MethodPut, "/nodes/"+Escape(id), in, &out)
	return out, err
}

// Layout returns the current layout and the versions still syncing.
func (c *Client) Layout(ctx context.Context) (admin.Layout, error) {
	return get[admin.Layout](ctx, c, "/layout")
}

// UpdateLayout changes the layout (its replication factor).
func (c *Client) UpdateLayout(ctx context.Context, in admin.LayoutChange) (admin.Layout, error) {
	var out admin.Layout
	err := c.Do(ctx, http.MethodPut, "/layout", in, &out)
	return out, err
}

// PreviewLayout computes what a layout change would move, without making it.
func (c *Client) PreviewLayout(ctx context.Context, in admin.LayoutPreviewRequest) (admin.LayoutPreview, error) {
	var out admin.LayoutPreview
	err := c.Do(ctx, http.MethodPost, "/layout/preview", in, &out)
	return out, err
}

// Sync returns the progress of moving data to the current layout.
func (c *Client) Sync(ctx context.Context) (admin.SyncStatus, error) {
	return get[admin.SyncStatus](ctx, c, "/sync")
}

// RunGC runs one garbage collection on the serving node now and returns what it did
// (with dryRun, what it would remove).
func (c *Client) RunGC(ctx context.Context, dryRun bool) (blob.GCResult, error) {
	return post[blob.GCResult](ctx, c, "/maintenance/gc?dry-run="+strconv.FormatBool(dryRun))
}

// GC returns the serving node's latest garbage collection and its totals.
func (c *Client) GC(ctx context.Context) (admin.GCStatus, error) {
	return get[admin.GCStatus](ctx, c, "/maintenance/gc")
}

// RunScrub runs one pass of the integrity scanner on the serving node now and returns
// what it found (with dryRun, without repairing).
func (c *Client) RunScrub(ctx context.Context, dryRun bool) (blob.ScrubResult, error) {
	return post[blob.ScrubResult](ctx, c, "/maintenance/scrub?dry-run="+strconv.FormatBool(dryRun))
}

// RunLifecycle runs (or resumes) one lifecycle pass on the serving node now and
// returns what it did.
func (c *Client) RunLifecycle(ctx context.Context) (lifecycle.Result, error) {
	return post[lifecycle.Result](ctx, c, "/maintenance/lifecycle")
}

// Lifecycle returns the serving node's lifecycle run in progress, last run and
// totals.
func (c *Client) Lifecycle(ctx context.Context) (admin.LifecycleStatus, error) {
	return get[admin.LifecycleStatus](ctx, c, "/maintenance/lifecycle")
}

// Scrub returns the serving node's latest scanner pass and its totals.
func (c *Client) Scrub(ctx context.Context) (admin.ScrubStatus, error) {
	return get[admin.ScrubStatus](ctx, c, "/maintenance/scrub")
}

// Users lists the IAM users.
func (c *Client) Users(ctx context.Context) ([]admin.User, error) {
	return list[admin.User](ctx, c, "/users")
}

// User returns a user.
func (c *Client) User(ctx context.Context, name string) (admin.User, error) {
	return get[admin.User](ctx, c, "/users/"+Escape(name))
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, in admin.CreateUserRequest) (admin.User, error) {
	var out admin.User
	err := c.Do(ctx, http.MethodPost, "/users", in, &out)
	return out, err
}

// DeleteUser deletes a user with its keys.
func (c *Client) DeleteUser(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/users/"+Escape(name), nil, nil)
}

// DisableUser refuses every request signed with the user's keys, until enabled.
func (c *Client) DisableUser(ctx context.Context, name string) (admin.User, error) {
	return post[admin.User](ctx, c, "/users/"+Escape(name)+"/disable")
}

// EnableUser enables a disabled user.
func (c *Client) EnableUser(ctx context.Context, name string) (admin.User, error) {
	return post[admin.User](ctx, c, "/users/"+Escape(name)+"/enable")
}

// SetUserExpiry sets when a user's keys stop working; nil clears it.
func (c *Client) SetUserExpiry(ctx context.Context, name string, expiry *time.Time) (admin.User, error) {
	var out admin.User
	err := c.Do(ctx, http.MethodPut, "/users/"+Escape(name)+"/expiry", admin.ExpiryRequest{Expiry: expiry}, &out)
	return out, err
}

// AttachUserPolicy attaches a managed policy to a user.
func (c *Client) AttachUserPolicy(ctx context.Context, user, policy string) (admin.User, error) {
	var out admin.User
	err := c.Do(ctx, http.MethodPut, "/users/"+Escape(user)+"/policies/"+Escape(policy), nil, &out)
	return out, err
}

// DetachUserPolicy detaches a managed policy from a user.
func (c *Client) DetachUserPolicy(ctx context.Context, user, policy string) (admin.User, error) {
	var out admin.User
	err := c.Do(ctx, http.MethodDelete, "/users/"+Escape(user)+"/policies/"+Escape(policy), nil, &out)
	return out, err
}

// AccessKeys lists a user's access keys, without secrets.
func (c *Client) AccessKeys(ctx context.Context, user string) ([]admin.AccessKey, error) {
	return list[admin.AccessKey](ctx, c, "/users/"+Escape(user)+"/keys")
}

// CreateAccessKey gives a user a new key; the answer holds its secret, shown once.
func (c *Client) CreateAccessKey(ctx context.Context, user string) (admin.AccessKey, error) {
	return post[admin.AccessKey](ctx, c, "/users/"+Escape(user)+"/keys")
}

// DeleteAccessKey deletes an access key.
func (c *Client) DeleteAccessKey(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/keys/"+Escape(id), nil, nil)
}

// RotateAccessKey replaces a key by a new one; the answer holds the new secret.
func (c *Client) RotateAccessKey(ctx context.Context, id string) (admin.AccessKey, error) {
	return post[admin.AccessKey](ctx, c, "/keys/"+Escape(id)+"/rotate")
}

// Groups lists the groups.
func (c *Client) Groups(ctx context.Context) ([]admin.Group, error) {
	return list[admin.Group](ctx, c, "/groups")
}

// Group returns a group.
func (c *Client) Group(ctx context.Context, name string) (admin.Group, error) {
	return get[admin.Group](ctx, c, "/groups/"+Escape(name))
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, in admin.CreateGroupRequest) (admin.Group, error) {
	var out admin.Group
	err := c.Do(ctx, http.MethodPost, "/groups", in, &out)
	return out, err
}

// DeleteGroup deletes an empty group.
func (c *Client) DeleteGroup(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/groups/"+Escape(name), nil, nil)
}

// AddUserToGroup makes a user a member of a group.
func (c *Client) AddUserToGroup(ctx context.Context, group, user string) (admin.Group, error) {
	var out admin.Group
	err := c.Do(ctx, http.MethodPut, "/groups/"+Escape(group)+"/members/"+Escape(user), nil, &out)
	return out, err
}

// RemoveUserFromGroup removes a user from a group.
func (c *Client) RemoveUserFromGroup(ctx context.Context, group, user string) (admin.Group, error) {
	var out admin.Group
	err := c.Do(ctx, http.MethodDelete, "/groups/"+Escape(group)+"/members/"+Escape(user), nil, &out)
	return out, err
}

// AttachGroupPolicy attaches a managed policy to a group.
func (c *Client) AttachGroupPolicy(ctx context.Context, group, policy string) (admin.Group, error) {
	var out admin.Group
	err := c.Do(ctx, http.MethodPut, "/groups/"+Escape(group)+"/policies/"+Escape(policy), nil, &out)
	return out, err
}

// DetachGroupPolicy detaches a managed policy from a group.
func (c *Client) DetachGroupPolicy(ctx context.Context, group, policy string) (admin.Group, error) {
	var out admin.Group
	err := c.Do(ctx, http.MethodDelete, "/groups/"+Escape(group)+"/policies/"+Escape(policy), nil, &out)
	return out, err
}

// Policies lists the managed policies, without their documents.
func (c *Client) Policies(ctx context.Context) ([]admin.Policy, error) {
	return list[admin.Policy](ctx, c, "/policies")
}

// Policy returns a managed policy with its document.
func (c *Client) Policy(ctx context.Context, name string) (admin.Policy, error) {
	return get[admin.Policy](ctx, c, "/policies/"+Escape(name))
}

// PutPolicy creates or replaces a managed policy from a document in the full AWS
// form or Cairn's short form.
func (c *Client) PutPolicy(ctx context.Context, name string, document []byte) (admin.Policy, error) {
	var out admin.Policy
	err := c.Do(ctx, http.MethodPut, "/policies/"+Escape(name), document, &out)
	return out, err
}

// DeletePolicy deletes a managed policy that is attached nowhere.
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/policies/"+Escape(name), nil, nil)
}

// Buckets lists the buckets.
func (c *Client) Buckets(ctx context.Context) ([]admin.Bucket, error) {
	return list[admin.Bucket](ctx, c, "/buckets")
}

// Bucket returns one bucket.
func (c *Client) Bucket(ctx context.Context, name string) (admin.Bucket, error) {
	return get[admin.Bucket](ctx, c, "/buckets/"+Escape(name))
}

// BucketUsage returns every bucket's usage and requests.
func (c *Client) BucketUsage(ctx context.Context) (admin.BucketStatsReport, error) {
	return get[admin.BucketStatsReport](ctx, c, "/usage")
}

// OneBucketUsage returns one bucket's usage and requests (the report's one item).
func (c *Client) OneBucketUsage(ctx context.Context, name string) (admin.BucketStatsReport, error) {
	return get[admin.BucketStatsReport](ctx, c, "/buckets/"+Escape(name)+"/usage")
}

// BucketQuota returns a bucket's quota and its usage.
func (c *Client) BucketQuota(ctx context.Context, name string) (admin.BucketQuotaAnswer, error) {
	return get[admin.BucketQuotaAnswer](ctx, c, "/buckets/"+Escape(name)+"/quota")
}

// SetBucketQuota sets a bucket's quota (a limit of 0 is none of that kind).
func (c *Client) SetBucketQuota(ctx context.Context, name string, q admin.BucketQuota) (admin.BucketQuotaAnswer, error) {
	var out admin.BucketQuotaAnswer
	err := c.Do(ctx, http.MethodPut, "/buckets/"+Escape(name)+"/quota", q, &out)
	return out, err
}

// DeleteBucketQuota clears a bucket's quota.
func (c *Client) DeleteBucketQuota(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/buckets/"+Escape(name)+"/quota", nil, nil)
}

func get[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	err := c.Do(ctx, http.MethodGet, path, nil, &out)
	return out, err
}

func post[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	err := c.Do(ctx, http.MethodPost, path, nil, &out)
	return out, err
}

func list[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	out, err := get[admin.List[T]](ctx, c, path)
	return out.Items, err
}

// AuditLog returns the serving node's latest audit records, newest first, matching
// filter (keys user, api, action, result, bucket, limit; nil for none).
func (c *Client) AuditLog(ctx context.Context, filter url.Values) ([]audit.Record, error) {
	path := "/audit"
	if len(filter) > 0 {
		path += "?" + filter.Encode()
	}
	return list[audit.Record](ctx, c, path)
}

// ClusterAuditLog returns the latest audit records of every live node, merged newest
// first, matching filter (as AuditLog), and which nodes did not answer.
func (c *Client) ClusterAuditLog(ctx context.Context, filter url.Values) (admin.AuditList, error) {
	q := url.Values{}
	for k, v := range filter {
		q[k] = v
	}
	q.Set("scope", "cluster")
	return get[admin.AuditList](ctx, c, "/audit?"+q.Encode())
}
