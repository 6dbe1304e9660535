package meta

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cairnstore/cairn/cluster/hlc"
)

// sealedConnectionSecret is what a connection's sealed secret decrypts to.
type sealedConnectionSecret struct {
	Secret string `json:"secret"`
	Token  string `json:"token,omitempty"`
}

// CreateConnection makes a connection (ErrConnectionExists if the name is taken).
// The input is validated and normalized (checkConnectionInput) and a static secret
// is sealed before it is proposed. It returns the connection as it is stored,
// without the secret.
func (m *Meta) CreateConnection(ctx context.Context, in ConnectionInput) (Connection, error) {
	return m.putConnection(ctx, in, true)
}

// UpdateConnection replaces a connection (ErrNoSuchConnection if there is none).
// A static source given without a secret keeps the stored one (and its session
// token) when the access key id and the endpoint are the stored ones: the secret
// is never read back, and never sent to an endpoint it was not given for.
func (m *Meta) UpdateConnection(ctx context.Context, in ConnectionInput) (Connection, error) {
	return m.putConnection(ctx, in, false)
}

func (m *Meta) putConnection(ctx context.Context, in ConnectionInput, create bool) (Connection, error) {
	in, err := checkConnectionInput(in, !create)
	if err != nil {
		return Connection{}, err
	}
	var kept []byte
	if in.Credentials.Source == CredentialsStatic && in.SecretAccessKey == "" {
		if kept, err = m.keptSecret(ctx, in); err != nil {
			return Connection{}, err
		}
	}
	now := time.Now().UTC()
	rec := connectionRecord{Connection: Connection{
		Name: in.Name, Endpoint: in.Endpoint, Region: in.Region, Credentials: in.Credentials, TLS: in.TLS,
		CreatedAt: now, UpdatedAt: now,
	}}
	if in.SecretAccessKey != "" {
		plain, err := json.Marshal(sealedConnectionSecret{Secret: in.SecretAccessKey, Token: in.SessionToken})
		if err != nil {
			return Connection{}, err
		}
		rec.Sealed = m.sealer.sealFor(purposeConnection, in.Name, plain)
		rec.HasSecret = true
	}
	if kept != nil {
		rec.Sealed, rec.HasSecret = kept, true
	}
	if err := m.applyConfig(ctx, ConnectionPut{Record: rec, Create: create}); err != nil {
		return Connection{}, err
	}
	return m.Connection(ctx, in.Name)
}

// keptSecret returns the sealed secret a replace of a static connection without
// a secret keeps: the stored one, when the stored connection is static with a
// secret, the same access key id and the same endpoint.
func (m *Meta) keptSecret(ctx context.Context, in ConnectionInput) ([]byte, error) {
	cur, ok, err := confirmed(ctx, m, func() (connectionRecord, bool) { return m.fsm.connection(in.Name) })
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fmt.Errorf("%w: %s", ErrNoSuchConnection, in.Name)
	}
	c := cur.Connection
	if c.Credentials.Source != CredentialsStatic || !c.HasSecret || len(cur.Sealed) == 0 ||
		c.Credentials.AccessKeyID != in.Credentials.AccessKeyID || c.Endpoint != in.Endpoint || in.SessionToken != "" {
		return nil, invalidf("connection %s: static credentials need a secret: the stored one is kept only for the same access key id and endpoint", in.Name)
	}
	return cur.Sealed, nil
}

// Connection returns a connection without its secret; ErrNoSuchConnection if there
// is none (a local miss is confirmed against the leader).
func (m *Meta) Connection(ctx context.Context, name string) (Connection, error) {
	rec, ok, err := confirmed(ctx, m, func() (connectionRecord, bool) { return m.fsm.connection(name) })
	switch {
	case err != nil:
		return Connection{}, err
	case !ok:
		return Connection{}, fmt.Errorf("%w: %s", ErrNoSuchConnection, name)
	}
	return rec.Connection, nil
}

// Connections returns every connection in name order, without secrets.
func (m *Meta) Connections(context.Context) ([]Connection, error) {
	m.fsm.mu.RLock()
	out := make([]Connection, 0, len(m.fsm.st.Replication.Connections))
	for _, rec := range m.fsm.st.Replication.Connections {
		out = append(out, rec.Connection)
	}
	m.fsm.mu.RUnlock()
	slices.SortFunc(out, func(a, b Connection) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// ConnectionSecret decrypts a connection's static secret, for the replication worker
// that signs requests with it: no API returns it. A connection without a static
// secret gives the zero ConnectionSecret.
func (m *Meta) ConnectionSecret(ctx context.Context, name string) (ConnectionSecret, error) {
	rec, ok, err := confirmed(ctx, m, func() (connectionRecord, bool) { return m.fsm.connection(name) })
	switch {
	case err != nil:
		return ConnectionSecret{}, err
	case !ok:
		return ConnectionSecret{}, fmt.Errorf("%w: %s", ErrNoSuchConnection, name)
	case len(rec.Sealed) == 0:
		return ConnectionSecret{}, nil
	}
	plain, err := m.sealer.openFor(purposeConnection, name, rec.Sealed)
	if err != nil {
		return ConnectionSecret{}, err
	}
	var s sealedConnectionSecret
	if err := json.Unmarshal(plain, &s); err != nil {
		return ConnectionSecret{}, fmt.Errorf("%w: connection %s: %v", ErrSealKey, name, err)
	}
	return ConnectionSecret{SecretAccessKey: s.Secret, SessionToken: s.Token}, nil
}

// DeleteConnection removes a connection; ErrConnectionInUse while a rule uses it.
func (m *Meta) DeleteConnection(ctx context.Context, name string) error {
	return m.applyConfig(ctx, ConnectionDelete{Name: name})
}

// CreateReplicationRule adds a rule to its bucket (ErrReplicationRuleExists if the
// id is taken). Since and CreatedAt are set here: a new_only rule replicates the
// changes made from now on.
func (m *Meta) CreateReplicationRule(ctx context.Context, r ReplicationRule) (ReplicationRule, error) {
	now := time.Now().UTC()
	r.CreatedAt, r.UpdatedAt, r.Since = now, now, uint64(hlc.FromTime(now))
	return m.putRule(ctx, r, true)
}

// UpdateReplicationRule replaces a rule (ErrNoSuchReplicationRule if there is none);
// its creation time and Since stay.
func (m *Meta) UpdateReplicationRule(ctx context.Context, r ReplicationRule) (ReplicationRule, error) {
	now := time.Now().UTC()
	r.CreatedAt, r.UpdatedAt = now, now
	return m.putRule(ctx, r, false)
}

func (m *Meta) putRule(ctx context.Context, r ReplicationRule, create bool) (ReplicationRule, error) {
	if len(r.Tags) == 0 {
		r.Tags = nil
	}
	if err := checkRule(r); err != nil {
		return ReplicationRule{}, err
	}
	if err := m.applyConfig(ctx, ReplicationRulePut{Rule: r, Create: create}); err != nil {
		return ReplicationRule{}, err
	}
	return m.ReplicationRule(ctx, r.Bucket, r.ID)
}

// ReplicationRule returns one rule; ErrNoSuchReplicationRule if there is none.
func (m *Meta) ReplicationRule(ctx context.Context, bucket, id string) (ReplicationRule, error) {
	r, ok, err := confirmed(ctx, m, func() (ReplicationRule, bool) { return m.fsm.rule(bucket, id) })
	switch {
	case err != nil:
		return ReplicationRule{}, err
	case !ok:
		return ReplicationRule{}, fmt.Errorf("%w: %s of bucket %s", ErrNoSuchReplicationRule, id, bucket)
	}
	return r, nil
}

// ReplicationRules returns a bucket's rules by id, or every bucket's when bucket is
// "", in (bucket, id) order. A bucket without rules gives an empty list, whether or
// not it exists.
func (m *Meta) ReplicationRules(_ context.Context, bucket string) ([]ReplicationRule, error) {
	m.fsm.mu.RLock()
	var out []ReplicationRule
	for k, r := range m.fsm.st.Replication.Rules {
		if bucket == "" || strings.HasPrefix(k, bucket+"\x00") {
			r.Tags = maps.Clone(r.Tags)
			out = append(out, r)
		}
	}
	m.fsm.mu.RUnlock()
	slices.SortFunc(out, func(a, b ReplicationRule) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// DeleteReplicationRule removes one rule.
func (m *Meta) DeleteReplicationRule(ctx context.Context, bucket, id string) error {
	return m.applyConfig(ctx, ReplicationRuleDelete{Bucket: bucket, ID: id})
}

// DeleteReplicationRules removes every rule of a bucket; none is a no-op.
func (m *Meta) DeleteReplicationRules(ctx context.Context, bucket string) error {
	return m.applySetting(ctx, ReplicationRulesSet{Bucket: bucket})
}

// SetReplicationRules replaces every rule of a bucket at once (S3's
// PutBucketReplication): a rule whose id the bucket had keeps its creation time
// and Since, a new one replicates from now on. Each rule's Bucket is set here.
func (m *Meta) SetReplicationRules(ctx context.Context, bucket string, rules []ReplicationRule) error {
	now := time.Now().UTC()
	out := make([]ReplicationRule, len(rules))
	for i, r := range rules {
		r.Bucket, r.CreatedAt, r.UpdatedAt, r.Since = bucket, now, now, uint64(hlc.FromTime(now))
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
		if err := checkRule(r); err != nil {
			return err
		}
		out[i] = r
	}
	return m.applySetting(ctx, ReplicationRulesSet{Bucket: bucket, Rules: out})
}

// SetReplicationRulePaused pauses (true) or resumes (false) a rule.
func (m *Meta) SetReplicationRulePaused(ctx context.Context, bucket, id string, paused bool) error {
	return m.applySetting(ctx, ReplicationRulePause{Bucket: bucket, ID: id, Paused: paused})
}

// connection is a local read of a connection record.
func (f *fsm) connection(name string) (connectionRecord, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	rec, ok := f.st.Replication.Connections[name]
	return rec, ok
}

// rule is a local read of a rule, with its own copy of the tags.
func (f *fsm) rule(bucket, id string) (ReplicationRule, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	r, ok := f.st.Replication.Rules[ruleKey(bucket, id)]
	r.Tags = maps.Clone(r.Tags)
	return r, ok
}
