package client

import (
	"context"
	"net/http"

	"github.com/cairnstore/cairn/s3api/admin"
)

// Site sync: connections and replication rules (docs/site-sync.md).

// Connections lists the connections, without secrets.
func (c *Client) Connections(ctx context.Context) ([]admin.Connection, error) {
	return list[admin.Connection](ctx, c, "/connections")
}

// Connection returns one connection, without its secret.
func (c *Client) Connection(ctx context.Context, name string) (admin.Connection, error) {
	return get[admin.Connection](ctx, c, "/connections/"+Escape(name))
}

// CreateConnection makes a connection.
func (c *Client) CreateConnection(ctx context.Context, in admin.ConnectionRequest) (admin.Connection, error) {
	var out admin.Connection
	err := c.Do(ctx, http.MethodPost, "/connections", in, &out)
	return out, err
}

// UpdateConnection replaces a connection; a static one without a secret keeps the
// stored secret, for the same access key id and endpoint only.
func (c *Client) UpdateConnection(ctx context.Context, name string, in admin.ConnectionRequest) (admin.Connection, error) {
	var out admin.Connection
	err := c.Do(ctx, http.MethodPut, "/connections/"+Escape(name), in, &out)
	return out, err
}

// DeleteConnection removes a connection that no rule uses.
func (c *Client) DeleteConnection(ctx context.Context, name string) error {
	return c.Do(ctx, http.MethodDelete, "/connections/"+Escape(name), nil, nil)
}

// ReplicationRules lists a bucket's rules, or every bucket's when bucket is "".
func (c *Client) ReplicationRules(ctx context.Context, bucket string) ([]admin.ReplicationRule, error) {
	if bucket == "" {
		return list[admin.ReplicationRule](ctx, c, "/replication/rules")
	}
	return list[admin.ReplicationRule](ctx, c, "/buckets/"+Escape(bucket)+"/replication")
}

// ReplicationRule returns one rule.
func (c *Client) ReplicationRule(ctx context.Context, bucket, id string) (admin.ReplicationRule, error) {
	return get[admin.ReplicationRule](ctx, c, rulePath(bucket, id))
}

// CreateReplicationRule adds a rule to a bucket.
func (c *Client) CreateReplicationRule(ctx context.Context, bucket string, in admin.ReplicationRuleRequest) (admin.ReplicationRule, error) {
	var out admin.ReplicationRule
	err := c.Do(ctx, http.MethodPost, "/buckets/"+Escape(bucket)+"/replication", in, &out)
	return out, err
}

// UpdateReplicationRule replaces a rule.
func (c *Client) UpdateReplicationRule(ctx context.Context, bucket, id string, in admin.ReplicationRuleRequest) (admin.ReplicationRule, error) {
	var out admin.ReplicationRule
	err := c.Do(ctx, http.MethodPut, rulePath(bucket, id), in, &out)
	return out, err
}

// DeleteReplicationRule removes a rule.
func (c *Client) DeleteReplicationRule(ctx context.Context, bucket, id string) error {
	return c.Do(ctx, http.MethodDelete, rulePath(bucket, id), nil, nil)
}

// PauseReplicationRule stops a rule's delivery; the changes made meanwhile are sent
// on resume.
func (c *Client) PauseReplicationRule(ctx context.Context, bucket, id string) (admin.ReplicationRule, error) {
	return post[admin.ReplicationRule](ctx, c, rulePath(bucket, id)+"/pause")
}

// ResumeReplicationRule restarts a paused rule.
func (c *Client) ResumeReplicationRule(ctx context.Context, bucket, id string) (admin.ReplicationRule, error) {
	return post[admin.ReplicationRule](ctx, c, rulePath(bucket, id)+"/resume")
}

// ResyncReplicationRule starts a rule's backfill again, in any mode: the target is
// compared with the source again and what it lacks is copied.
func (c *Client) ResyncReplicationRule(ctx context.Context, bucket, id string) (admin.ReplicationRule, error) {
	return post[admin.ReplicationRule](ctx, c, rulePath(bucket, id)+"/resync")
}

func rulePath(bucket, id string) string {
	return "/buckets/" + Escape(bucket) + "/replication/" + Escape(id)
}

// ReplicationStatus returns each rule's delivery as the node asked sees it.
func (c *Client) ReplicationStatus(ctx context.Context) (admin.ReplicationStatusList, error) {
	return get[admin.ReplicationStatusList](ctx, c, "/replication/status")
}
