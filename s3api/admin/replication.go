package admin

import (
	"context"
	"maps"
	"net/http"
	"slices"

	"github.com/cairnstore/cairn/meta"
	"github.com/cairnstore/cairn/meta/policy"
)

// The site sync endpoints (docs/site-sync.md). Connections carry credentials, so only
// an administrator (admin:AddSite, admin:RemoveSite, admin:ListSites) sees or changes
// them, and a connection's secret is never returned. Rules are bucket configuration:
// creating, replacing and deleting one needs admin:UpdateBucket on the bucket, while
// reading a bucket's rules needs only s3:GetReplicationConfiguration and pausing or
// resuming one only s3:PutReplicationConfiguration on the bucket, so an owner can
// stop and restart replication without seeing where it goes or with what keys.

// Replication is what the site sync endpoints need from meta.
type Replication interface {
	CreateConnection(ctx context.Context, in meta.ConnectionInput) (meta.Connection, error)
	UpdateConnection(ctx context.Context, in meta.ConnectionInput) (meta.Connection, error)
	Connection(ctx context.Context, name string) (meta.Connection, error)
	Connections(ctx context.Context) ([]meta.Connection, error)
	DeleteConnection(ctx context.Context, name string) error

	CreateReplicationRule(ctx context.Context, r meta.ReplicationRule) (meta.ReplicationRule, error)
	UpdateReplicationRule(ctx context.Context, r meta.ReplicationRule) (meta.ReplicationRule, error)
	ReplicationRule(ctx context.Context, bucket, id string) (meta.ReplicationRule, error)
	ReplicationRules(ctx context.Context, bucket string) ([]meta.ReplicationRule, error)
	DeleteReplicationRule(ctx context.Context, bucket, id string) error
	SetReplicationRulePaused(ctx context.Context, bucket, id string, paused bool) error
	ResyncReplicationRule(ctx context.Context, bucket, id string) error
}

// SiteSyncStatus is the site sync workers' status.
type SiteSyncStatus interface {
	// NodeStatus returns each live node's rule statuses by node id, from the nodes
	// that answered, and how many were asked.
	NodeStatus(ctx context.Context) (map[string][]meta.ReplicationStatus, int, error)
}

// ReplicationStatusList is GET /replication/status: each rule's delivery summed
// over the nodes that answered (each delivers its own partitions; the Raft leader
// runs the backfills), and each node's own figures.
type ReplicationStatusList struct {
	Items         []meta.ReplicationStatus            `json:"items"`
	Nodes         map[string][]meta.ReplicationStatus `json:"nodes"`
	NodesAsked    int                                 `json:"nodesAsked"`
	NodesAnswered int                                 `json:"nodesAnswered"`
}

// Connection is a site sync connection as the admin API returns it: never a secret.
type Connection = meta.Connection

// ReplicationRule is a bucket's replication rule as the admin API returns it.
type ReplicationRule = meta.ReplicationRule

// ConnectionRequest is the body of POST /connections and PUT /connections/{name}.
// The endpoint may embed static credentials (https://KEY:SECRET@host).
type ConnectionRequest struct {
	// Name is the connection's name; PUT takes it from the path.
	Name        string                `json:"name,omitempty"`
	Endpoint    string                `json:"endpoint"`
	Region      string                `json:"region,omitempty"`
	Credentials ConnectionCredentials `json:"credentials"`
	TLS         meta.ConnectionTLS    `json:"tls"`
}

// ConnectionCredentials is where a connection's credentials come from, with the
// static secret when there is one (accepted, never returned).
type ConnectionCredentials struct {
	meta.ConnectionCredentials
	SecretAccessKey string `json:"secretAccessKey,omitempty"`
	SessionToken    string `json:"sessionToken,omitempty"`
}

// ReplicationRuleRequest is the body of POST /buckets/{name}/replication and PUT
// /buckets/{name}/replication/{id}.
type ReplicationRuleRequest struct {
	// ID names the rule; PUT takes it from the path.
	ID               string            `json:"id,omitempty"`
	Connection       string            `json:"connection"`
	TargetBucket     string            `json:"targetBucket"`
	Mode             string            `json:"mode"`
	Prefix           string            `json:"prefix,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	ReplicateDeletes bool              `json:"replicateDeletes"`
	Paused           bool              `json:"paused"`
	SyncBucket       bool              `json:"syncBucket,omitempty"`
}

// bucketPerm is an S3 action on the bucket named by the :name parameter, checked
// against the caller's identity policies.
func bucketPerm(action string) func(*Server, *call) ([]permission, error) {
	return func(_ *Server, cl *call) ([]permission, error) {
		cl.bucket = cl.param("name")
		return []permission{{action, policy.BucketARN(cl.param("name"))}}, nil
	}
}

// createConnectionPerms is admin:AddSite on the connection named in the body.
func createConnectionPerms(_ *Server, cl *call) ([]permission, error) {
	var in ConnectionRequest
	if err := cl.decode(&in); err != nil {
		return nil, err
	}
	return []permission{{policy.AdminAddSite, "site/" + in.Name}}, nil
}

func (s *Server) replication() (Replication, error) {
	if s.deps.Replication == nil {
		return nil, newError(NotImplemented)
	}
	return s.deps.Replication, nil
}

func (s *Server) listConnections(cl *call) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	cs, err := r.Connections(cl.Request().Context())
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, List[Connection]{Items: append([]Connection{}, cs...)})
}

func (s *Server) getConnection(cl *call) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	c, err := r.Connection(cl.Request().Context(), cl.param("name"))
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, c)
}

func (s *Server) createConnection(cl *call) error {
	return s.putConnection(cl, true)
}

func (s *Server) updateConnection(cl *call) error {
	return s.putConnection(cl, false)
}

func (s *Server) putConnection(cl *call, create bool) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	var in ConnectionRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	if !create {
		if in.Name != "" && in.Name != cl.param("name") {
			return errorf(InvalidRequest, "The body names connection %q but the path %q.", in.Name, cl.param("name"))
		}
		in.Name = cl.param("name")
	}
	mi := meta.ConnectionInput{Name: in.Name, Endpoint: in.Endpoint, Region: in.Region,
		Credentials: in.Credentials.ConnectionCredentials, TLS: in.TLS,
		SecretAccessKey: in.Credentials.SecretAccessKey, SessionToken: in.Credentials.SessionToken}
	put, status := r.UpdateConnection, http.StatusOK
	if create {
		put, status = r.CreateConnection, http.StatusCreated
	}
	c, err := put(cl.Request().Context(), mi)
	if err != nil {
		return err
	}
	return cl.ok(status, c)
}

func (s *Server) deleteConnection(cl *call) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	if err := r.DeleteConnection(cl.Request().Context(), cl.param("name")); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

func (s *Server) listAllRules(cl *call) error {
	return s.listRules(cl, "")
}

func (s *Server) listBucketRules(cl *call) error {
	return s.listRules(cl, cl.param("name"))
}

func (s *Server) listRules(cl *call, bucket string) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	ctx := cl.Request().Context()
	if bucket != "" {
		if _, err := s.deps.Meta.Bucket(ctx, bucket); err != nil {
			return err
		}
	}
	rules, err := r.ReplicationRules(ctx, bucket)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, List[ReplicationRule]{Items: append([]ReplicationRule{}, rules...)})
}

func (s *Server) getRule(cl *call) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	rule, err := r.ReplicationRule(cl.Request().Context(), cl.param("name"), cl.param("id"))
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, rule)
}

func (s *Server) createRule(cl *call) error { return s.putRule(cl, true) }

func (s *Server) updateRule(cl *call) error { return s.putRule(cl, false) }

func (s *Server) putRule(cl *call, create bool) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	var in ReplicationRuleRequest
	if err := cl.decode(&in); err != nil {
		return err
	}
	if !create {
		if in.ID != "" && in.ID != cl.param("id") {
			return errorf(InvalidRequest, "The body names rule %q but the path %q.", in.ID, cl.param("id"))
		}
		in.ID = cl.param("id")
	}
	rule := meta.ReplicationRule{Bucket: cl.param("name"), ID: in.ID, Connection: in.Connection,
		TargetBucket: in.TargetBucket, Mode: in.Mode, Prefix: in.Prefix, Tags: in.Tags,
		ReplicateDeletes: in.ReplicateDeletes, Paused: in.Paused, SyncBucket: in.SyncBucket}
	if rule.Mode == "" {
		rule.Mode = meta.ModeNewOnly // the reference's default
	}
	put, status := r.UpdateReplicationRule, http.StatusOK
	if create {
		put, status = r.CreateReplicationRule, http.StatusCreated
	}
	out, err := put(cl.Request().Context(), rule)
	if err != nil {
		return err
	}
	return cl.ok(status, out)
}

func (s *Server) deleteRule(cl *call) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	if err := r.DeleteReplicationRule(cl.Request().Context(), cl.param("name"), cl.param("id")); err != nil {
		return err
	}
	return cl.NoContent(http.StatusNoContent)
}

func (s *Server) pauseRule(cl *call) error {
	return s.ruleOp(cl, func(ctx context.Context, r Replication, bucket, id string) error {
		return r.SetReplicationRulePaused(ctx, bucket, id, true)
	})
}

func (s *Server) resumeRule(cl *call) error {
	return s.ruleOp(cl, func(ctx context.Context, r Replication, bucket, id string) error {
		return r.SetReplicationRulePaused(ctx, bucket, id, false)
	})
}

// resyncRule starts a rule's backfill again, in any mode (meta.ReplicationResync):
// the source is compared with the target again by listing, and what the target
// lacks or holds otherwise is copied.
func (s *Server) resyncRule(cl *call) error {
	return s.ruleOp(cl, func(ctx context.Context, r Replication, bucket, id string) error {
		return r.ResyncReplicationRule(ctx, bucket, id)
	})
}

// ruleOp runs op on the rule the path names and answers the rule as it is after.
func (s *Server) ruleOp(cl *call, op func(ctx context.Context, r Replication, bucket, id string) error) error {
	r, err := s.replication()
	if err != nil {
		return err
	}
	ctx, bucket, id := cl.Request().Context(), cl.param("name"), cl.param("id")
	if err := op(ctx, r, bucket, id); err != nil {
		return err
	}
	rule, err := r.ReplicationRule(ctx, bucket, id)
	if err != nil {
		return err
	}
	return cl.ok(http.StatusOK, rule)
}

func (s *Server) replicationStatus(cl *call) error {
	if s.deps.SiteSync == nil {
		return newError(NotImplemented)
	}
	byNode, asked, err := s.deps.SiteSync.NodeStatus(cl.Request().Context())
	if err != nil {
		return err
	}
	out := ReplicationStatusList{Nodes: byNode, NodesAsked: asked, NodesAnswered: len(byNode), Items: mergeStatus(byNode)}
	if out.Nodes == nil {
		out.Nodes = map[string][]meta.ReplicationStatus{}
	}
	return cl.ok(http.StatusOK, out)
}

// mergeStatus sums each rule's figures over the nodes: counts and backlogs add up,
// the oldest unsent change and the lag are the worst, the last error the latest,
// a rule is paused if any node holds it paused. The backfill's figures are from
// Raft, the same on every node.
func mergeStatus(byNode map[string][]meta.ReplicationStatus) []meta.ReplicationStatus {
	merged := map[string]*meta.ReplicationStatus{}
	var order []string
	for _, sts := range byNode {
		for _, st := range sts {
			k := st.Bucket + "\x00" + st.ID
			m, ok := merged[k]
			if !ok {
				c := st
				c.Failures = maps.Clone(st.Failures)
				if c.Failures == nil {
					c.Failures = map[string]int64{}
				}
				merged[k] = &c
				order = append(order, k)
				continue
			}
			m.Paused = m.Paused || st.Paused
			m.Objects += st.Objects
			m.Deletes += st.Deletes
			m.Bytes += st.Bytes
			m.ObjectsPerSecond += st.ObjectsPerSecond
			m.BytesPerSecond += st.BytesPerSecond
			m.Backlog += st.Backlog
			if !st.OldestUnsent.IsZero() && (m.OldestUnsent.IsZero() || st.OldestUnsent.Before(m.OldestUnsent)) {
				m.OldestUnsent = st.OldestUnsent
			}
			m.LagSeconds = max(m.LagSeconds, st.LagSeconds)
			for r, n := range st.Failures {
				m.Failures[r] += n
			}
			if st.LastErrAt.After(m.LastErrAt) {
				m.LastError, m.LastErrAt = st.LastError, st.LastErrAt
			}
			if st.LastSent.After(m.LastSent) {
				m.LastSent = st.LastSent
			}
		}
	}
	slices.Sort(order)
	out := make([]meta.ReplicationStatus, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out
}
