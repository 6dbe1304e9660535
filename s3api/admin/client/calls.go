package client

import (
	"context"
	"net/http"
	"time"

	"github.com/cairnstore/cairn/s3api/admin"
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

// Sync returns the progress of moving data to the current layout.
func (c *Client) Sync(ctx context.Context) (admin.SyncStatus, error) {
	return get[admin.SyncStatus](ctx, c, "/sync")
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
